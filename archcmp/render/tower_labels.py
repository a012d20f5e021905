"""Words and numbers of a tower drawing, from a spec and its per-layer plan.

Every box says what its layer's blocks really hold (:mod:`archcmp.kinds`):
the mixer's kind, heads, span and positions; the FFN's width or its
experts; the norms where they sit; the extras. A kind this module does not
know is an error, not a blank box. Numbers are written in full (``18,432``).
The spec supplies only what a kind does not carry: names, the vocabulary
and head, RoPE scaling, the router's scoring and how many shared experts.
"""

from __future__ import annotations

from archcmp.analysis.kvcache import KVCacheResult
from archcmp.analysis.params import ParamsResult
from archcmp.kinds.compressed import CompressedMixer
from archcmp.kinds.extras import AltUp, Laurel, PerLayerInput
from archcmp.kinds.ffn import DenseFFN, MoEFFN
from archcmp.kinds.hyper import HyperConnection
from archcmp.kinds.latent import LatentMixer
from archcmp.kinds.parallel import ParallelFFN
from archcmp.kinds.softmax import SoftmaxMixer
from archcmp.plan import Block, Mixer, expand
from archcmp.render.cells import value_text
from archcmp.render.tower_linear import linear_part
from archcmp.render.tower_model import BlockDrawing, Label, Part, Sublayer, Tower, fold
from archcmp.schema import ModelSpec
from archcmp.units import format_bytes, format_context

MIXER_TITLES = {"mha": "Multi-head attention", "gqa": "Grouped-query attention",
                "mqa": "Multi-query attention", "mla": "Multi-head latent attention",
                "compressed": "Compressed attention (DeepSeek-V4)"}
NORM_NAMES = {"rmsnorm": "RMSNorm", "layernorm": "LayerNorm"}


def tower(spec: ModelSpec, params: ParamsResult, kv: KVCacheResult) -> Tower:
    plan = expand(spec)
    local = any(block.mixer.span.kind != "full" for block in plan.mixer_blocks() if block.mixer.span)
    blocks = [_block(spec, block, local) for block in plan]
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
        parts.append(_norm(spec.norm.kind, "Final "))
    lines = [Label("head.shape", f"{_n(spec.hidden_size)} → {_n(spec.vocab_size)} logits")]
    if spec.embeddings.tied_output:
        lines.append(Label("head.tied", "tied to the token embedding"))
    if spec.final_logit_softcapping:
        lines.append(Label("head.softcap", f"logit soft-cap {spec.final_logit_softcapping:g}"))
    if spec.mtp:
        lines.append(Label("head.mtp", f"+ {spec.mtp.num_modules} MTP module (not in the total)"))
    parts.append(Part("head", Label("head.title", "Linear output layer"), tuple(lines)))
    return tuple(parts)


def _norm(kind: str, prefix: str = "") -> Part:
    return Part("norm", Label("norm.kind", prefix + NORM_NAMES[kind]))


def _block(spec: ModelSpec, block: Block, local: bool) -> BlockDrawing:
    mixer = None if block.mixer is None else _mixer(spec, block.mixer, block.kv_source, local)
    ffn = None if block.ffn is None else _ffn(spec, block.ffn)  # Nemotron-H: one of the two per block
    placement, norm = block.norms.placement, _norm(block.norms.norm.kind)
    pre, post = placement in ("pre", "sandwich"), placement in ("post", "sandwich")

    def sublayer(part: Part) -> Sublayer:
        return Sublayer(tuple([norm] * pre + [part] + [norm] * post))

    sublayers = [sublayer(part) for part in (mixer, ffn) if part is not None]
    extras = tuple(_extra(extra) for extra in block.extras)
    if extras:
        sublayers.append(Sublayer((Part("extra", Label("extra.title", "Per-block extras"), extras),),
                                  residual=False))
    return BlockDrawing(tuple(sublayers))


def _mixer(spec: ModelSpec, mixer: Mixer, kv_source: int, local: bool) -> Part:
    span = mixer.span
    if span is None:  # a linear-attention or Mamba layer
        return linear_part(mixer)
    words = {"sliding": f"sliding window {_n(span.window or 0)}",
             "chunked": f"chunked, {_n(span.window or 0)}-token chunks",
             "full": "global (full context)" if local else "full context"}.get(span.kind)
    if words is None:  # DeepSeek-V4's CSA / HCA: the window plus compressed entries
        words = f"window {_n(span.window or 0)} + 1 entry per {span.ratio} tokens"
        words += f", top-{span.topk}" if span.topk else ""
    lines = [Label("mixer.span", words)]
    match mixer:
        case LatentMixer():
            q_rank = f"q rank {_n(mixer.q_lora_rank)} · " if mixer.q_lora_rank else "no q compression · "
            lines += [Label("mixer.heads", f"{mixer.num_heads} heads"),
                      Label("mixer.ranks", f"{q_rank}KV rank {_n(mixer.kv_lora_rank)}"),
                      Label("mixer.dims", f"q/k {mixer.qk_nope_head_dim} + {mixer.qk_rope_head_dim} RoPE · "
                                          f"v {mixer.v_head_dim}")]
            title = MIXER_TITLES["mla"]
            if mixer.indexer is not None and mixer.indexer.owns:
                i = mixer.indexer
                lines.append(Label("mixer.indexer", f"lightning indexer {i.num_heads} × {i.head_dim}, top-{i.topk}"))
        case CompressedMixer():
            lines += [Label("mixer.heads", f"{mixer.num_heads} heads · one K=V head of {mixer.head_dim}"),
                      Label("mixer.ranks", f"q rank {_n(mixer.q_lora_rank)} · output {mixer.o_groups} groups "
                                           f"× rank {_n(mixer.o_lora_rank)}")]
            if mixer.indexer is not None:
                i = mixer.indexer
                lines.append(Label("mixer.indexer", f"lightning indexer {i.num_heads} × {i.head_dim}, top-{i.topk}"))
            title = MIXER_TITLES["compressed"]
        case SoftmaxMixer():
            lines += [Label("mixer.heads", f"{mixer.num_heads} heads · {mixer.num_kv_heads} KV heads"),
                      Label("mixer.head_dim", f"head dim {mixer.head_dim}")]
            title = MIXER_TITLES[mixer.kind]
        case _:
            raise TypeError(f"no drawing for token mixer {type(mixer).__name__}")
    lines.append(Label("mixer.positions", _positions(spec, mixer)))
    lines += [Label(f"mixer.{key}", text) for key, text in _mixer_options(spec, mixer) if text]
    if not mixer.owns_cache:
        lines.append(Label("mixer.kv_source", f"reads the KV cache of layer {kv_source}"))
    return Part("mixer" if span.kind == "full" else "local", Label("mixer.title", title), tuple(lines))


def _positions(spec: ModelSpec, mixer: SoftmaxMixer | LatentMixer) -> str:
    if mixer.position == "learned":
        return "learned absolute positions"
    if mixer.position == "nope":
        return "NoPE (no position encoding)"
    theta = f"RoPE θ {mixer.rope_theta:,.0f}" if mixer.rope_theta else "RoPE"
    scaling = spec.positions.rope_scaling  # on every RoPE layer, or only the global ones with a local base
    if scaling and not (mixer.span.kind != "full" and spec.positions.rope_local_theta is not None):
        theta += f" · {scaling.type}" + (f" ×{scaling.factor:g}" if scaling.factor else "")
    return theta


def _mixer_options(spec: ModelSpec, mixer: SoftmaxMixer | LatentMixer) -> list[tuple[str, str | None]]:
    norms = {"per_head": "QK-norm per head", "full": "QK-norm over all heads", "l2": "QK L2-norm"}
    qk_norm = norms.get(getattr(mixer, "qk_norm", "none"))  # latent attention norms its ranks, not q/k
    bias = "q/k/v and output bias" if mixer.qkv_bias and mixer.out_bias else (
        "q/k/v bias" if mixer.qkv_bias else ("output bias" if mixer.out_bias else None))
    cap = spec.attention.logit_softcapping
    return [("qk_norm", qk_norm), ("bias", bias),
            ("sinks", "attention sinks" if getattr(mixer, "sinks", False) else None),
            ("softcap", f"score soft-cap {cap:g}" if cap else None)]


def _activation(gated: bool, act: str) -> str:
    if gated:
        return {"silu": "SwiGLU", "gelu": "GeGLU", "gelu_tanh": "GeGLU (tanh)"}.get(act, f"gated {act}")
    return {"gelu": "GELU", "gelu_tanh": "GELU (tanh)", "relu": "ReLU", "relu2": "ReLU²"}.get(act, act)


def _ffn(spec: ModelSpec, ffn: DenseFFN | MoEFFN | ParallelFFN) -> Part:
    if isinstance(ffn, ParallelFFN):  # Gemma 4 26B-A4B: the MoE box says what runs beside it
        part = _ffn(spec, ffn.moe)
        beside = Label("moe.dense", f"+ dense MLP beside it, size {_n(ffn.dense.width)}")
        return Part(part.role, part.title, (*part.lines, beside), experts=part.experts)
    act = _activation(ffn.gated, ffn.activation)
    match ffn:
        case DenseFFN():
            bias = [Label("ffn.bias", "with biases")] if ffn.bias else []
            return Part("ffn", Label("ffn.title", f"Feed forward ({act})"),
                        (Label("ffn.width", f"intermediate size {_n(ffn.width)}"), *bias))
        case MoEFFN():
            return _moe(spec, ffn, act)
    raise TypeError(f"no drawing for feed-forward {type(ffn).__name__}")


def _moe(spec: ModelSpec, ffn: MoEFFN, act: str) -> Part:
    lines = [Label("moe.experts", f"{ffn.num_experts} routed experts, top-{ffn.experts_per_token}"),
             Label("moe.width", f"expert size {_n(ffn.expert_width)}")]
    shared = spec.moe.num_shared_experts if spec.moe else 0
    if ffn.shared_width:
        words = "1 shared expert" if shared == 1 else f"{shared} shared experts"
        size = f", size {_n(ffn.shared_width)}" if ffn.shared_width != ffn.expert_width else ""
        lines.append(Label("moe.shared", words + size + (", gated" if ffn.shared_gate else "")))
    if spec.moe and spec.moe.router_scoring:
        lines.append(Label("moe.router", f"{spec.moe.router_scoring} router"))
    if ffn.expert_bias:
        lines.append(Label("ffn.bias", "with biases"))
    return Part("moe", Label("ffn.title", f"Mixture of experts ({act})"), tuple(lines),
                experts=(ffn.num_experts, ffn.experts_per_token, shared if ffn.shared_width else 0))


def _extra(extra: AltUp | Laurel | PerLayerInput | HyperConnection) -> Label:
    match extra:
        case AltUp():
            return Label("extra.altup", f"AltUp: {extra.num_inputs} residual streams")
        case Laurel():
            return Label("extra.laurel", f"LAuReL residual, rank {extra.rank}")
        case PerLayerInput():
            return Label("extra.ple", f"per-layer input, width {extra.width}")
        case HyperConnection():
            return Label("extra.hyper", f"mHC: {extra.streams} residual streams")
    raise TypeError(f"no drawing for block extra {type(extra).__name__}")


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
