"""Words and numbers of a tower drawing, from a spec and its per-layer plan.

Every box says what its layer really has: the mixer's kind, heads, span and
positions; the FFN's width or its experts; the norms where they really sit.
Numbers are written in full (``18,432``), as the spec states them.
"""

from __future__ import annotations

from archcmp.analysis.kvcache import KVCacheResult
from archcmp.analysis.params import ParamsResult
from archcmp.plan import LayerPlan, expand
from archcmp.render.cells import value_text
from archcmp.render.tower_model import BlockDrawing, Label, Part, Sublayer, Tower, fold
from archcmp.schema import ModelSpec
from archcmp.units import format_bytes, format_context

MIXER_TITLES = {"mha": "Multi-head attention", "gqa": "Grouped-query attention",
                "mqa": "Multi-query attention", "mla": "Multi-head latent attention"}
NORM_NAMES = {"rmsnorm": "RMSNorm", "layernorm": "LayerNorm"}


def tower(spec: ModelSpec, params: ParamsResult, kv: KVCacheResult) -> Tower:
    plan = expand(spec)
    local = any(layer.attention != "full" for layer in plan)
    blocks = [_block(spec, layer, local) for layer in plan]
    return Tower(spec.id, spec.name, _below(spec), fold(blocks), _above(spec), _caption(spec, params, kv))


def _n(value: int) -> str:
    return f"{value:,}"


def _below(spec: ModelSpec) -> tuple[Part, ...]:
    emb = spec.embeddings
    lines = [Label("embedding.vocab", f"vocabulary {_n(spec.vocab_size)}"),
             Label("embedding.hidden", f"hidden size {_n(spec.hidden_size)}")]
    if emb.learned_positions:
        lines.append(Label("embedding.positions", f"+ learned positions ({_n(emb.learned_positions)})"))
    if emb.scaled:
        lines.append(Label("embedding.scaled", "scaled by √hidden size"))
    if emb.per_layer:  # looked up from the same token ids, fed to every block: one box, not a step
        ple = emb.per_layer
        lines += [Label("ple.title", "+ per-layer embeddings (PLE)"),
                  Label("ple.shape", f"{_n(ple.vocab_size)} × ({spec.num_layers} layers × {_n(ple.width)})")]
    return (Part("embedding", Label("embedding.title", "Token embedding"), tuple(lines)),)


def _above(spec: ModelSpec) -> tuple[Part, ...]:
    parts = []
    if spec.norm.final:
        parts.append(_norm(spec, "Final "))
    lines = [Label("head.shape", f"{_n(spec.hidden_size)} → {_n(spec.vocab_size)} logits")]
    if spec.embeddings.tied_output:
        lines.append(Label("head.tied", "tied to the token embedding"))
    if spec.final_logit_softcapping:
        lines.append(Label("head.softcap", f"logit soft-cap {spec.final_logit_softcapping:g}"))
    if spec.mtp:
        lines.append(Label("head.mtp", f"+ {spec.mtp.num_modules} MTP module (not in the total)"))
    parts.append(Part("head", Label("head.title", "Linear output layer"), tuple(lines)))
    return tuple(parts)


def _norm(spec: ModelSpec, prefix: str = "") -> Part:
    return Part("norm", Label("norm.kind", prefix + NORM_NAMES[spec.norm.kind]))


def _block(spec: ModelSpec, layer: LayerPlan, local: bool) -> BlockDrawing:
    mixer, ffn = _mixer(spec, layer, local), _ffn(spec, layer)
    placement = spec.norm.placement
    pre, post = placement in ("pre", "sandwich"), placement in ("post", "sandwich")

    def sublayer(part: Part) -> Sublayer:
        return Sublayer(tuple([_norm(spec)] * pre + [part] + [_norm(spec)] * post))

    sublayers = [sublayer(mixer), sublayer(ffn)]
    extras = _extras(spec)
    if extras:
        sublayers.append(Sublayer((Part("extra", Label("extra.title", "Per-block extras"), extras),),
                                  residual=False))
    return BlockDrawing(tuple(sublayers))


def _mixer(spec: ModelSpec, layer: LayerPlan, local: bool) -> Part:
    att = spec.attention
    span = {"sliding": f"sliding window {_n(layer.window or 0)}",
            "chunked": f"chunked, {_n(layer.window or 0)}-token chunks",
            "full": "global (full context)" if local else "full context"}[layer.attention]
    lines = [Label("mixer.span", span)]
    if att.kind == "mla":
        lines += [Label("mixer.heads", f"{att.num_heads} heads"),
                  Label("mixer.ranks", f"q rank {_n(att.q_lora_rank or 0)} · KV rank {_n(att.kv_lora_rank)}"),
                  Label("mixer.dims", f"q/k {att.qk_nope_head_dim} + {att.qk_rope_head_dim} RoPE · "
                                      f"v {att.v_head_dim}")]
    else:
        lines += [Label("mixer.heads", f"{att.num_heads} heads · {att.num_kv_heads} KV heads"),
                  Label("mixer.head_dim", f"head dim {att.head_dim}")]
    lines.append(Label("mixer.positions", _positions(spec, layer)))
    lines += [Label(f"mixer.{key}", text) for key, text in _mixer_options(spec) if text]
    if not layer.owns_kv:
        lines.append(Label("mixer.kv_source", f"reads the KV cache of layer {layer.kv_source}"))
    role = "mixer" if layer.attention == "full" else "local"
    return Part(role, Label("mixer.title", MIXER_TITLES[att.kind]), tuple(lines))


def _positions(spec: ModelSpec, layer: LayerPlan) -> str:
    if spec.positions.kind == "learned":
        return "learned absolute positions"
    if not layer.rope:
        return "NoPE (no position encoding)"
    theta = f"RoPE θ {layer.rope_theta:,.0f}" if layer.rope_theta else "RoPE"
    scaling = spec.positions.rope_scaling
    if scaling and not (layer.attention != "full" and spec.positions.rope_local_theta is not None):
        theta += f" · {scaling.type} ×{scaling.factor:g}"
    return theta


def _mixer_options(spec: ModelSpec) -> list[tuple[str, str | None]]:
    att = spec.attention
    norm = {"per_head": "QK-norm per head", "full": "QK-norm over all heads", "l2": "QK L2-norm"}
    bias = "q/k/v and output bias" if att.qkv_bias and att.out_bias else (
        "q/k/v bias" if att.qkv_bias else ("output bias" if att.out_bias else None))
    return [("qk_norm", norm.get(att.qk_norm)), ("bias", bias), ("sinks", "attention sinks" if att.sinks else None),
            ("softcap", f"score soft-cap {att.logit_softcapping:g}" if att.logit_softcapping else None)]


def _activation(spec: ModelSpec) -> str:
    act = spec.ffn.activation
    if spec.ffn.gated:
        return {"silu": "SwiGLU", "gelu": "GeGLU", "gelu_tanh": "GeGLU (tanh)"}.get(act, f"gated {act}")
    return {"gelu": "GELU", "gelu_tanh": "GELU (tanh)", "relu": "ReLU", "relu2": "ReLU²"}.get(act, act)


def _ffn(spec: ModelSpec, layer: LayerPlan) -> Part:
    act = _activation(spec)
    bias = [Label("ffn.bias", "with biases")] if spec.ffn.bias else []
    if layer.ffn == "dense":
        title = Label("ffn.title", f"Feed forward ({act})")
        return Part("ffn", title, (Label("ffn.width", f"intermediate size {_n(layer.intermediate_size)}"), *bias))
    moe = spec.moe
    lines = [Label("moe.experts", f"{moe.num_experts} routed experts, top-{moe.experts_per_token}"),
             Label("moe.width", f"expert size {_n(moe.expert_intermediate_size)}")]
    if moe.num_shared_experts:
        shared = "1 shared expert" if moe.num_shared_experts == 1 else f"{moe.num_shared_experts} shared experts"
        width = moe.shared_width
        lines.append(Label("moe.shared", shared + (f", size {_n(width)}" if width != moe.expert_intermediate_size
                                                   else "")))
    if moe.router_scoring:
        lines.append(Label("moe.router", f"{moe.router_scoring} router"))
    return Part("moe", Label("ffn.title", f"Mixture of experts ({act})"), (*lines, *bias),
                experts=(moe.num_experts, moe.experts_per_token, moe.num_shared_experts))


def _extras(spec: ModelSpec) -> tuple[Label, ...]:
    lines = []
    if spec.altup:
        lines.append(Label("extra.altup", f"AltUp: {spec.altup.num_inputs} residual streams"))
    if spec.laurel:
        lines.append(Label("extra.laurel", f"LAuReL residual, rank {spec.laurel.rank}"))
    if spec.embeddings.per_layer:
        lines.append(Label("extra.ple", f"per-layer input, width {spec.embeddings.per_layer.width}"))
    return tuple(lines)


def _caption(spec: ModelSpec, params: ParamsResult, kv: KVCacheResult) -> tuple[Label, ...]:
    lines = [Label("caption.total", f"total {value_text(params.total_params, 'params')}"),
             Label("caption.active", f"active {value_text(params.active_params, 'params')}"),
             Label("caption.kv", f"KV cache per token ({kv.dtype}) "
                                 f"{format_bytes(kv.kv_bytes_per_token_all_layers)}")]
    if kv.kv_bytes_per_token_full_layers != kv.kv_bytes_per_token_all_layers:
        lines.append(Label("caption.kv_full", "once local windows are full "
                            f"{format_bytes(kv.kv_bytes_per_token_full_layers)}"))
    shape = f"{spec.num_layers} layers · hidden {_n(spec.hidden_size)}"
    if spec.max_context:
        shape += f" · context {format_context(spec.max_context)}"
    lines.append(Label("caption.shape", shape))
    return tuple(lines)
