"""An architecture card: the facts a write-up states about a model, grouped
as the comparison articles group them. ``show`` prints one card; ``compare``
lays several side by side. Values are plain strings or exact integers."""

from __future__ import annotations

from dataclasses import dataclass

from archcmp.analysis.params import ParamsResult, count_params
from archcmp.plan import LayerPlan, attention_label, expand
from archcmp.schema import ModelSpec


@dataclass(frozen=True)
class Fact:
    group: str
    name: str
    value: str | int | float | None
    label: str = ""  # the words a write-up uses ("attention heads"); defaults to the name
    unit: str = ""  # "params", "bytes" or "flops": how a renderer writes the number

    @property
    def words(self) -> str:
        return self.label or self.name.replace("_", " ")


def runs(labels: list[str]) -> str:
    """``[dense, dense, moe, moe]`` → ``0-1 dense, 2-3 moe``."""
    parts, start = [], 0
    for i in range(1, len(labels) + 1):
        if i == len(labels) or labels[i] != labels[start]:
            span = f"{start}" if i - 1 == start else f"{start}-{i - 1}"
            parts.append(f"{span} {labels[start]}")
            start = i
    return ", ".join(parts)


def layer_summary(plan: tuple[LayerPlan, ...], label) -> str:
    """Every layer's label; a short form when all agree or the list is long."""
    labels = [label(layer) for layer in plan]
    if len(set(labels)) == 1:
        return f"all {len(labels)} {labels[0]}"
    text = runs(labels)
    if text.count(",") < 8:
        return text
    counts = {name: labels.count(name) for name in dict.fromkeys(labels)}
    return " + ".join(f"{n} {name}" for name, n in counts.items())


def card(spec: ModelSpec, counts: ParamsResult | None = None, active_excl_embedding: bool = False) -> list[Fact]:
    """``active_excl_embedding``: the active share counts active parameters
    without the input embedding tables, as some vendors quote them."""
    counts = counts or count_params(spec)
    return [*_size(spec, counts, active_excl_embedding), *_attention(spec), *_positions(spec), *_ffn(spec), *_norm(spec),
            *_extras(spec), *_meta(spec)]


def _size(spec: ModelSpec, counts: ParamsResult, active_excl_embedding: bool) -> list[Fact]:
    g = "Size"
    active = counts.active_params_excl_embedding if active_excl_embedding else counts.active_params
    share_words = "active share (without input embeddings)" if active_excl_embedding else "active share"
    return [
        Fact(g, "total_params", counts.total_params, "total parameters", "params"),
        Fact(g, "active_params", counts.active_params, "active parameters per token", "params"),
        Fact(g, "active_params_excl_embedding", counts.active_params_excl_embedding,
             "active without input embeddings", "params"),
        Fact(g, "active_share", f"{100 * active / counts.total_params:.1f}%", share_words),
        Fact(g, "embedding_share", f"{100 * counts.components['embedding'] / counts.total_params:.1f}%"),
        Fact(g, "vocab_size", spec.vocab_size, "vocabulary"),
        Fact(g, "num_layers", spec.num_layers, "layers"),
        Fact(g, "hidden_size", spec.hidden_size),
        Fact(g, "tied_output", "yes" if spec.embeddings.tied_output else "no"),
        Fact(g, "max_context", spec.max_context, "context length"),
    ]


def _attention(spec: ModelSpec) -> list[Fact]:
    att, g, plan = spec.attention, "Attention", expand(spec)
    mla = att.kind == "mla"
    # Every model has every row (None where it does not apply), so that rows
    # line up in compare; show leaves the empty ones out.
    facts = [
        Fact(g, "attention_kind", attention_label(spec), "attention"),
        Fact(g, "num_heads", att.num_heads, "attention heads"),
        Fact(g, "num_kv_heads", att.num_kv_heads, "KV heads"),
        Fact(g, "head_dim", att.head_dim),
        Fact(g, "q_lora_rank", (att.q_lora_rank or "none (full-rank q)") if mla else None, "q LoRA rank"),
        Fact(g, "kv_lora_rank", att.kv_lora_rank, "KV LoRA rank"),
        Fact(g, "qk_head_dims", f"{att.qk_nope_head_dim} nope + {att.qk_rope_head_dim} rope" if mla else None,
             "q/k head dims"),
        Fact(g, "v_head_dim", att.v_head_dim, "v head dim"),
    ]
    biases = [n for n, on in (("qkv", att.qkv_bias), ("out", att.out_bias)) if on]
    facts += [
        Fact(g, "qk_norm", att.qk_norm, "QK-norm"),
        Fact(g, "bias", ", ".join(biases) or "none"),
        Fact(g, "sinks", "yes" if att.sinks else "no", "attention sinks"),
        Fact(g, "score_scale", _score_scale(att), "attention score scale"),
        Fact(g, "logit_softcapping", att.logit_softcapping, "attention logit soft-cap"),
        Fact(g, "attention_layers", layer_summary(plan, lambda l: l.attention), "attention by layer"),
        Fact(g, "window", att.sliding_window or att.chunk_size, "local window (sliding or chunk)"),
    ]
    return facts


def _score_scale(att) -> str | None:
    """Only where it is not the default 1/sqrt(head_dim): the default of MLA
    with YaRN is not a plain root either (see :class:`archcmp.schema.Attention`)."""
    if att.unit_scale:
        return "1 (not scaled)"
    return f"1/√{att.query_scale_dim}" if att.query_scale_dim else None


def _positions(spec: ModelSpec) -> list[Fact]:
    pos, g, plan = spec.positions, "Positions", expand(spec)
    scaling = pos.rope_scaling
    nope = [layer.index for layer in plan if not layer.rope] if pos.kind == "rope" else []
    return [
        Fact(g, "positions", pos.kind if pos.kind != "learned" else f"learned ({spec.embeddings.learned_positions})"),
        Fact(g, "rope_theta", pos.rope_theta),
        Fact(g, "rope_local_theta", pos.rope_local_theta),
        Fact(g, "rope_scaling", _scaling(pos) if scaling else None),
        Fact(g, "nope_layers", f"{len(nope)} of {spec.num_layers} ({runs_of(nope)})" if nope else None, "NoPE layers"),
    ]


def _scaling(pos) -> str:
    """Scaling applies to the layers that use ``rope_theta``: with a separate
    local theta (Gemma 3), the local layers keep plain RoPE."""
    text = f"{pos.rope_scaling.type} ×{pos.rope_scaling.factor:g}"
    return text + " (full-attention layers)" if pos.rope_local_theta is not None else text


def runs_of(indices: list[int]) -> str:
    if len(indices) > 2 and len({b - a for a, b in zip(indices, indices[1:])}) == 1:
        return f"every {indices[1] - indices[0]}th from {indices[0]}"
    return ", ".join(map(str, indices))


def _ffn(spec: ModelSpec) -> list[Fact]:
    g, moe, plan = "Feed-forward", spec.moe, expand(spec)
    act = f"{'gated ' if spec.ffn.gated else ''}{spec.ffn.activation}"
    dense_sizes = sorted({layer.intermediate_size for layer in plan if layer.ffn == "dense"})
    facts = [
        Fact(g, "ffn", f"MoE, {act}" if moe else f"dense, {act}"),
        Fact(g, "dense_intermediate_size", _one_or_list(dense_sizes), "dense FFN size"),
    ]
    leading_dense = next((layer.index for layer in plan if layer.ffn == "moe"), spec.num_layers)
    facts += [
        Fact(g, "routed_experts", moe and moe.num_experts, "routed experts"),
        Fact(g, "shared_experts", moe and moe.num_shared_experts, "shared experts"),
        Fact(g, "experts_per_token", moe and moe.experts_per_token, "experts per token"),
        Fact(g, "router", _router(moe) if moe else None),
        Fact(g, "expert_intermediate_size", moe and moe.expert_intermediate_size, "expert size"),
        Fact(g, "shared_expert_intermediate_size", (moe and moe.shared_width) or None, "shared expert size"),
        Fact(g, "first_dense_layers", leading_dense if moe else None, "first dense layers"),
        Fact(g, "moe_layers", layer_summary(plan, lambda l: l.ffn) if moe else None, "MoE layers"),
    ]
    return facts


def _router(moe) -> str | None:
    """``sigmoid, top-8 renormalized, ×2.5``: the parts the spec states."""
    if moe.router_scoring is None and moe.normalize_top_k is None and moe.routed_scaling_factor is None:
        return None
    renormalized = {True: " renormalized", False: " not renormalized", None: ""}[moe.normalize_top_k]
    factor = f"×{moe.routed_scaling_factor:g}" if moe.routed_scaling_factor else None
    return ", ".join(p for p in (moe.router_scoring, f"top-{moe.experts_per_token}{renormalized}", factor) if p)


def _one_or_list(sizes: list[int]) -> int | str | None:
    if len(sizes) > 1:
        return ", ".join(f"{size:,}" for size in sizes)
    return sizes[0] if sizes else None


def _norm(spec: ModelSpec) -> list[Fact]:
    placement = {"pre": "pre-norm", "post": "post-norm (inside residual)", "sandwich": "sandwich (pre + post)"}
    return [Fact("Normalization", "norm", f"{spec.norm.kind}, {placement[spec.norm.placement]}", "normalization")]


def _extras(spec: ModelSpec) -> list[Fact]:
    g = "Extras"
    ple = spec.embeddings.per_layer
    plan = expand(spec)
    shared = [layer for layer in plan if not layer.owns_kv]
    return [
        Fact(g, "per_layer_embeddings", f"{ple.vocab_size} × {spec.num_layers} × {ple.width}" if ple else None,
             "per-layer embeddings (PLE)"),
        Fact(g, "altup", f"{spec.altup.num_inputs} streams" if spec.altup else None),
        Fact(g, "laurel", f"rank {spec.laurel.rank}" if spec.laurel else None),
        Fact(g, "matformer", _matformer(spec)),
        Fact(g, "kv_sharing", f"layers {shared[0].index}-{shared[-1].index} reuse earlier caches" if shared else None,
             "KV sharing"),
        Fact(g, "mtp", f"{spec.mtp.num_modules} module(s)" if spec.mtp else None, "multi-token prediction"),
        Fact(g, "final_logit_softcapping", spec.final_logit_softcapping, "final logit soft-cap"),
    ]


def _matformer(spec: ModelSpec) -> str | None:
    m = spec.matformer
    if m is None:
        return None
    return f"nested in {m.parent}" if m.parent else f"contains {', '.join(m.nested) or 'sub-models'}"


def _meta(spec: ModelSpec) -> list[Fact]:
    g, training = "About", spec.training
    return [
        Fact(g, "name", spec.name),
        Fact(g, "family", spec.family),
        Fact(g, "release_date", spec.release_date.isoformat() if spec.release_date else None, "release"),
        Fact(g, "training_tokens", training.tokens if training else None, "training tokens"),
        Fact(g, "optimizer", training.optimizer if training else None),
        Fact(g, "sources", "\n".join(s.url for s in spec.sources)),
    ]
