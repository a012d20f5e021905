"""An architecture card: the facts a write-up states about a model, grouped
as the comparison articles group them. ``show`` prints one card; ``compare``
lays several side by side.

Values are numbers, booleans, words (a kind, an activation) or the small
structured values of :mod:`archcmp.analysis.factvalues`; the words a table
shows for them are the renderers' (:mod:`archcmp.render.facts_text`).
Every model has every row (``None`` where it does not apply), so that rows
line up in ``compare``; ``show`` leaves the empty ones out.
"""

from __future__ import annotations

from archcmp.analysis import factvalues as fv
from archcmp.analysis.facts_linear import linear_facts
from archcmp.analysis.params import ParamsResult, count_params
from archcmp.plan import Plan, expand
from archcmp.record import record
from archcmp.schema import CompressedAttention, LatentAttention, ModelSpec, SoftmaxAttention


@record
class Fact:
    group: str
    name: str
    value: object
    unit: str = ""  # how a renderer writes the value: "params", "bytes", "share", "runs", ...


def card(spec: ModelSpec, counts: ParamsResult | None = None, active_excl_embedding: bool = False,
         plan: Plan | None = None) -> list[Fact]:
    """``active_excl_embedding``: the active share counts active parameters
    without the input embedding tables, as some vendors quote them."""
    plan = plan or expand(spec)
    counts = counts or count_params(spec, plan)
    return [*_size(spec, counts, active_excl_embedding), *_attention(spec, plan), *linear_facts(spec, plan),
            *_positions(spec, plan), *_ffn(spec, plan), *_norm(spec), *_extras(spec, plan), *_meta(spec)]


def _size(spec: ModelSpec, counts: ParamsResult, active_excl_embedding: bool) -> list[Fact]:
    g = "Size"
    active = counts.active_params_excl_embedding if active_excl_embedding else counts.active_params
    return [
        Fact(g, "total_params", counts.total_params, "params"),
        Fact(g, "active_params", counts.active_params, "params"),
        Fact(g, "active_params_excl_embedding", counts.active_params_excl_embedding, "params"),
        Fact(g, "active_share", active / counts.total_params, "share"),
        Fact(g, "embedding_share", counts.embedding_share, "share"),
        Fact(g, "vocab_size", spec.vocab_size),
        Fact(g, "num_layers", spec.num_layers),
        Fact(g, "hidden_size", spec.hidden_size),
        Fact(g, "tied_output", spec.embeddings.tied_output, "yesno"),
        Fact(g, "max_context", spec.max_context),
    ]


def _attention(spec: ModelSpec, plan: Plan) -> list[Fact]:
    att, g = spec.attention, "Attention"
    soft = att if isinstance(att, SoftmaxAttention) else None
    mla = att if isinstance(att, LatentAttention) else None
    kv_head = att if isinstance(att, CompressedAttention) else None  # DeepSeek-V4: one K=V head
    biases = tuple(n for n, on in (("qkv", att.qkv_bias), ("out", att.out_bias)) if on)
    lora = (mla.q_lora_rank or "full_rank") if mla else kv_head and kv_head.q_lora_rank
    return [
        Fact(g, "attention_kind", fv.attention_layout(att.kind, plan, _indexer(spec)), "layout"),
        Fact(g, "num_heads", att.num_heads),
        Fact(g, "num_kv_heads", fv.per_span(plan, "num_kv_heads") if soft else kv_head and 1, "per_span"),
        Fact(g, "head_dim", fv.per_span(plan, "head_dim") if soft or kv_head else None, "per_span"),
        Fact(g, "k_eq_v", _k_eq_v_spans(plan) if soft or kv_head else None, "k_eq_v"),
        Fact(g, "q_lora_rank", lora, "q_lora"),
        Fact(g, "kv_lora_rank", mla and mla.kv_lora_rank),
        Fact(g, "qk_head_dims", fv.LatentDims(mla.qk_nope_head_dim, mla.qk_rope_head_dim) if mla else None, "dims"),
        Fact(g, "v_head_dim", mla and mla.v_head_dim),
        Fact(g, "qk_norm", soft.qk_norm if soft else "none"),
        Fact(g, "bias", biases, "names"),
        Fact(g, "sinks", bool(soft and soft.sinks) or kv_head is not None, "yesno"),
        Fact(g, "grouped_output", fv.GroupedOutput(kv_head.o_groups, kv_head.o_lora_rank) if kv_head else None,
             "grouped_output"),
        Fact(g, "score_scale", fv.ScoreScale(att.unit_scale, att.query_scale_dim)
             if att.unit_scale or att.query_scale_dim else None, "scale"),
        Fact(g, "logit_softcapping", att.logit_softcapping),
        Fact(g, "attention_layers", fv.runs([fv.mixer_label(block.mixer) for block in plan.mixer_blocks()]),
             "runs"),
        Fact(g, "window", att.sliding_window or att.chunk_size),
        # rows only a gated-attention model has (Qwen3-Next, Qwen3.5)
        *([Fact(g, "output_gate", True, "yesno")] if soft and soft.output_gate else []),
    ]


def _indexer(spec: ModelSpec) -> fv.IndexerFact | None:
    """DSA's indexer runs on its ``full`` layers, DeepSeek-V4's on CSA layers."""
    att = spec.attention
    indexer = getattr(att, "indexer", None)
    if indexer is None:
        return None
    owner = "csa" if isinstance(att, CompressedAttention) else "full"
    pattern = att.layer_pattern if isinstance(att, CompressedAttention) else indexer.layer_pattern
    layers = pattern.labels(spec.num_layers).count(owner)
    return fv.IndexerFact(indexer.num_heads, indexer.head_dim, indexer.topk, layers, spec.num_layers)


def _positions(spec: ModelSpec, plan: Plan) -> list[Fact]:
    pos, g = spec.positions, "Positions"
    scaling, share = pos.rope_scaling, _rope_share(spec)
    nope = tuple(b.index for b in plan.mixer_blocks() if b.mixer.position == "nope") if pos.kind == "rope" else ()
    return [
        Fact(g, "positions", fv.PositionKind(pos.kind, spec.embeddings.learned_positions), "positions"),
        Fact(g, "rope_theta", pos.rope_theta),
        Fact(g, "rope_local_theta", pos.rope_local_theta),
        Fact(g, "rope_scaling", fv.Scaling(scaling.type, scaling.factor, pos.rope_local_theta is not None)
             if scaling else None, "scaling"),
        Fact(g, "partial_rotary", fv.PartialRope(share, pos.rope_local_theta is not None)
             if share != 1 else None, "partial_rope"),
        Fact(g, "nope_layers", fv.LayerSet(nope, spec.num_layers) if nope else None, "layer_set"),
        *([Fact(g, "partial_rotary_factor", share, "share")]
          if share != 1 else []),  # a row only where RoPE covers part of each head
    ]


def _rope_share(spec: ModelSpec) -> float:
    """The share of each head's dims RoPE rotates: ``partial_rotary_factor``,
    or DeepSeek-V4's ``qk_rope_head_dim`` of its K=V head."""
    att = spec.attention
    if isinstance(att, CompressedAttention):
        return att.qk_rope_head_dim / att.head_dim
    return spec.positions.partial_rotary_factor


def _k_eq_v_spans(plan: Plan) -> tuple[str, ...] | None:
    """The spans whose layers use K as V (Gemma 4: the full layers)."""
    spans = tuple(dict.fromkeys(b.mixer.span.kind for b in plan.mixer_blocks()
                                if b.mixer.span is not None and getattr(b.mixer, "k_eq_v", False)))
    return spans or None


def _ffn(spec: ModelSpec, plan: Plan) -> list[Fact]:
    g, moe = "Feed-forward", spec.moe
    kinds = [block.ffn.kind for block in plan.ffn_blocks()]
    dense_sizes = tuple(sorted({block.ffn.dense_width for block in plan.ffn_blocks() if block.ffn.dense_width}))
    leading_dense = kinds.index("moe") if "moe" in kinds else len(kinds)
    router = None
    if moe and (moe.router_scoring, moe.normalize_top_k, moe.routed_scaling_factor) != (None, None, None):
        router = fv.Router(moe.router_scoring, moe.experts_per_token, moe.normalize_top_k,
                           moe.routed_scaling_factor, moe.hash_layers)
    return [
        Fact(g, "ffn", fv.FFNKind(moe is not None, spec.ffn.gated, spec.ffn.activation), "ffn"),
        Fact(g, "dense_intermediate_size", dense_sizes[0] if len(dense_sizes) == 1 else dense_sizes or None,
             "sizes"),
        Fact(g, "parallel_dense", moe.parallel_dense if moe else None, "yesno"),
        Fact(g, "routed_experts", moe and moe.num_experts),
        Fact(g, "shared_experts", moe and moe.num_shared_experts),
        Fact(g, "experts_per_token", moe and moe.experts_per_token),
        Fact(g, "router", router, "router"),
        Fact(g, "expert_intermediate_size", moe and moe.expert_intermediate_size),
        Fact(g, "shared_expert_intermediate_size", (moe and moe.shared_width) or None),
        Fact(g, "first_dense_layers", leading_dense if moe else None),
        Fact(g, "moe_layers", fv.runs(kinds) if moe else None, "runs"),
    ]


def _norm(spec: ModelSpec) -> list[Fact]:
    return [Fact("Normalization", "norm", fv.NormFact(spec.norm.kind, spec.norm.placement), "norm")]


def _extras(spec: ModelSpec, plan: Plan) -> list[Fact]:
    g, ple, m, hc = "Extras", spec.embeddings.per_layer, spec.matformer, spec.hyper_connections
    shared = [block.index for block in plan if block.kv_source != block.index]
    return [
        Fact(g, "per_layer_embeddings", (ple.vocab_size, spec.num_layers, ple.width) if ple else None, "dims_x"),
        Fact(g, "altup", spec.altup and spec.altup.num_inputs, "streams"),
        Fact(g, "laurel", spec.laurel and spec.laurel.rank, "rank"),
        Fact(g, "matformer", fv.MatFormerFact(m.parent, tuple(m.nested)) if m else None, "matformer"),
        Fact(g, "kv_sharing", (shared[0], shared[-1]) if shared else None, "kv_sharing"),
        Fact(g, "mtp", spec.mtp and spec.mtp.num_modules, "modules"),
        Fact(g, "hyper_connections", fv.HyperConnectionsFact(hc.streams, hc.sinkhorn_iterations) if hc else None,
             "hyper"),
        Fact(g, "final_logit_softcapping", spec.final_logit_softcapping),
    ]


def _meta(spec: ModelSpec) -> list[Fact]:
    g, training = "About", spec.training
    return [
        Fact(g, "name", spec.name),
        Fact(g, "family", spec.family),
        Fact(g, "release_date", spec.release_date.isoformat() if spec.release_date else None),
        Fact(g, "training_tokens", training.tokens if training else None),
        Fact(g, "optimizer", training.optimizer if training else None),
        Fact(g, "sources", tuple(s.url for s in spec.sources), "lines"),
    ]
