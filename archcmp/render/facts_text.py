"""The words for fact values and fact names: how a card, a comparison and a
diff write what :mod:`archcmp.analysis.facts` states as data, and the one
place for every table's row and column labels (JSON and CSV keep the keys)."""

from __future__ import annotations

from collections.abc import Callable
from itertools import pairwise
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:  # only named in annotations: params, kvcache and flops need not build these classes
    from archcmp.analysis import factvalues as fv

WORDS = {
    "total_params": "total parameters", "active_params": "active parameters per token",
    "active_params_excl_embedding": "active without input embeddings", "active_share": "active share",
    "vocab_size": "vocabulary", "num_layers": "layers", "max_context": "context length",
    "attention_kind": "attention", "num_heads": "attention heads", "num_kv_heads": "KV heads",
    "q_lora_rank": "q LoRA rank", "kv_lora_rank": "KV LoRA rank", "qk_head_dims": "q/k head dims",
    "v_head_dim": "v head dim", "qk_norm": "QK-norm", "sinks": "attention sinks",
    "score_scale": "attention score scale", "logit_softcapping": "attention logit soft-cap",
    "attention_layers": "attention by layer", "window": "local window (sliding or chunk)",
    "nope_layers": "NoPE layers", "dense_intermediate_size": "dense FFN size",
    "routed_experts": "routed experts",
    "shared_experts": "shared experts", "experts_per_token": "experts per token",
    "expert_intermediate_size": "expert size", "shared_expert_intermediate_size": "shared expert size",
    "first_dense_layers": "first dense layers", "moe_layers": "MoE layers", "norm": "normalization",
    "per_layer_embeddings": "per-layer embeddings (PLE)", "kv_sharing": "KV sharing",
    "mtp": "multi-token prediction", "final_logit_softcapping": "final logit soft-cap",
    "release_date": "release",
    "training_tokens": "training tokens",
    "output_gate": "attention output gate", "partial_rotary_factor": "RoPE share of each head",
    "layer_mix": "layer mix", "linear_heads": "linear heads", "linear_conv_kernel": "linear conv kernel",
    "linear_state": "fixed state per linear layer", "kv_state_bytes": "fixed state at any context ({dtype})",
    "prefill_attention_flops_per_token": "prefill softmax-attention FLOPs per token",
    "prefill_linear_mixer_flops_per_token": "prefill linear-mixer FLOPs per token",
    "linear_mixer": "linear mixers (GDN, KDA, Mamba-2)",
    "prefill_linear_mixer_core_flops": "prefill linear-mixer FLOPs", "decode_linear_mixer_core_flops":
    "decode linear-mixer FLOPs", "train_linear_mixer_core_flops": "training linear-mixer FLOPs",
    "grouped_output": "grouped low-rank output", "hyper_connections": "hyper-connections",
    # compare --gpu (archcmp.analysis.on_device): per GPU, at the context, batch 1
    "gpu_layout": "layout", "gpu_fits": "fits", "gpu_weights_bytes": "weights per GPU",
    "gpu_kv_bytes": "KV cache per GPU", "gpu_total_bytes": "total per GPU", "gpu_usable_bytes": "usable per GPU",
    "gpu_max_context": "max context (batch 1)", "gpu_max_batch": "max batch at the context",
    "gpu_min_gpus": "fewest GPUs that fit", "gpu_decode_tokens_per_s_bound": "decode tokens/s ≤ (bound)",
    "gpu_prefill_seconds_bound": "time to first token ≥, s (bound)",
    "k_eq_v": "K = V (no v_proj)", "partial_rotary": "partial RoPE",
    "parallel_dense": "dense MLP beside the experts",
}


# The keys that `params`, `flops` and `kvcache` show, beside the facts'.
TABLE_WORDS = {
    # parameter components (kinds.base.PARAM_COMPONENTS), in params' table
    "embedding": "embedding", "attention": "attention", "dense_mlp": "dense FFN", "norms": "norms",
    "lm_head": "output head", "other": "other (AltUp, LAuReL, per-layer projections)",
    # flops: the workloads' rows (analysis.flopresult's JSON keys)
    "prefill_flops": "prefill FLOPs", "prefill_linear_flops": "prefill linear FLOPs",
    "prefill_attention_flops": "prefill attention FLOPs", "decode_flops": "decode FLOPs",
    "decode_linear_flops": "decode linear FLOPs", "decode_attention_flops": "decode attention FLOPs",
    "mla_decode": "MLA decode form", "train_flops": "training FLOPs", "train_linear_flops": "training linear FLOPs",
    "train_attention_flops": "training attention FLOPs", "train_6nd_flops": "6·N·D",
    "train_6nd_ratio": "training FLOPs / 6·N·D",
    "train_6nd_excl_embedding_flops": "6·N·D, N without input embeddings",
    "train_6nd_excl_embedding_ratio": "training FLOPs / 6·N·D without input embeddings",
    # sparse and compressed attention: the indexers' key scoring, kept apart
    "prefill_indexer_core_flops": "prefill indexer FLOPs", "decode_indexer_core_flops": "decode indexer FLOPs",
    "train_indexer_core_flops": "training indexer FLOPs", "indexer": "lightning indexer",
    "compressor": "compressors (DeepSeek-V4)", "hyper_connections": "hyper-connections (mHC)",
}
# kvcache's column headers by JSON key (analysis.kvresult): short, since the
# title names the dtype and batch.
KVCACHE_COLUMNS = {
    "model": "model", "context": "context", "kv_bytes_per_token_full_layers": "per token", "kv_bytes": "KV cache",
    "by_kind": "by layer kind", "mha_equivalent_bytes": "MHA equiv.", "mha_equivalent_ratio": "saving",
    "mla_naive_kv_bytes": "MLA naive", "budget_max_context": "max context", "budget_max_batch": "max batch",
    # the by-kind table (KindTotal) and the per-layer table (LayerKV)
    "kind": "layer kind", "num_layers": "layers", "cached_tokens": "tokens held", "bytes": "bytes",
    "index": "layer", "attention": "attention", "window": "window", "positions": "positions",
    "kv_source": "cache",
    # linear layers' fixed state (KVCacheResult.state_bytes, StatePart)
    "state_bytes": "fixed state", "state_name": "tensor", "state_shape": "shape", "state_dtype": "dtype",
}
# FLOP components (kinds.base.FLOP_COMPONENTS): the projections apart from the
# score and value products, which is what `attention` means in a FLOP count.
FLOP_COMPONENT_WORDS = {"attention": "attention projections", "attention_core": "attention scores and values",
                        "linear_mixer": "linear-mixer projections",
                        "linear_mixer_core": "linear-mixer conv and state products",
                        "indexer": "indexer projections", "indexer_core": "indexer key scoring",
                        "compressor": "compressor projections", "hyper_connections": "hyper-connections"}


def flop_component_words(name: str) -> str:
    return FLOP_COMPONENT_WORDS.get(name) or fact_words(name)


def fact_words(name: str, dtype: str = "bf16", active_excl_embedding: bool = False) -> str:
    """The row label of a fact or any table's key; cost rows name the cache dtype."""
    if name == "active_share" and active_excl_embedding:
        return "active share (without input embeddings)"
    cost = {"kv_bytes_per_token_all_layers": f"KV cache per token ({dtype})",
            "kv_bytes_per_token_full_layers": f"KV per token, growing layers ({dtype})",
            "kv_bytes": f"KV cache at the context ({dtype})",
            "prefill_flops_per_token": "prefill FLOPs per token",
            "decode_flops_per_token": "decode FLOPs per token at the context"}
    words = WORDS.get(name) or TABLE_WORDS.get(name) or name.replace("_", " ")
    return cost.get(name) or words.format(dtype=dtype)


def ordinal(n: int) -> str:
    """1st, 2nd, 3rd, 4th, 11th, 12th, 13th, 21st."""
    suffix = "th" if 10 <= n % 100 <= 20 else {1: "st", 2: "nd", 3: "rd"}.get(n % 10, "th")
    return f"{n}{suffix}"


def runs_text(runs: tuple[fv.Run, ...]) -> str:
    """Every layer's label; a short form when all agree or the list is long."""
    if len(runs) == 1:
        return f"all {runs[0].stop + 1} {runs[0].label}"
    if len(runs) <= 8:
        return ", ".join(_run(r) for r in runs)
    counts: dict[str, int] = {}
    for r in runs:
        counts[r.label] = counts.get(r.label, 0) + r.stop - r.start + 1
    return " + ".join(f"{n} {label}" for label, n in counts.items())


def _run(r: fv.Run) -> str:
    span = f"{r.start}" if r.start == r.stop else f"{r.start}-{r.stop}"
    return f"{span} {r.label}"


def layer_set_text(value: fv.LayerSet) -> str:
    indices = value.layers
    if len(indices) > 2 and len({b - a for a, b in pairwise(indices)}) == 1:
        where = f"every {ordinal(indices[1] - indices[0])} from {indices[0]}"
    else:
        where = ", ".join(map(str, indices))
    return f"{len(indices)} of {value.num_layers} ({where})"


def layout_text(value: fv.AttentionLayout) -> str:
    """``MLA``; ``GQA sliding(1024) + full 52:10``; ``MLA + lightning
    indexer, 64 heads × 128, top-2048``; DeepSeek-V4's ``K=V sliding(128) +
    CSA 1/4 + HCA 1/128 2:21:20 + lightning indexer, ...``."""
    kind = KIND_WORDS.get(value.kind, value.kind.upper())
    if len(value.spans) == 1 and value.spans[0].span == "full":
        return kind + indexer_text(value.indexer)
    parts = [_span(s, dict(value.ratios)) for s in value.spans]
    return f"{kind} {' + '.join(parts)} {':'.join(str(s.num_layers) for s in value.spans)}" + indexer_text(value.indexer)


KIND_WORDS = {"compressed": "K=V"}  # DeepSeek-V4: one shared K=V head, every layer a window


def _span(s: fv.SpanCount, ratios: dict[str, int]) -> str:
    if s.span in ratios:
        return f"{s.span.upper()} 1/{ratios[s.span]}"
    return f"{s.span}({s.window})" if s.window else s.span


def indexer_text(value: fv.IndexerFact | None) -> str:
    """`` + lightning indexer, 64 heads × 128, top-2048`` as the DSA write-ups
    put it; IndexCache says on how many layers it runs."""
    if value is None:
        return ""
    text = f" + lightning indexer, {value.num_heads} heads × {value.head_dim}, top-{value.topk}"
    if value.layers < value.num_layers and value.layers:
        text += f" (runs on {value.layers} of {value.num_layers} layers)"
    return text


def router_text(value: fv.Router) -> str:
    """``sigmoid, top-8 renormalized, ×2.5``: the parts the spec states."""
    renormalized = {True: " renormalized", False: " not renormalized", None: ""}[value.normalize_top_k]
    factor = f"×{value.routed_scaling_factor:g}" if value.routed_scaling_factor else None
    hashed = f"first {value.hash_layers} layers hash-routed" if value.hash_layers else None
    parts = (value.scoring, f"top-{value.top_k}{renormalized}", factor, hashed)
    return ", ".join(p for p in parts if p)


MIXER_WORDS = {"gated_deltanet": "Gated DeltaNet", "kimi_delta_attention": "KDA", "mamba2": "Mamba-2",
               "moe": "MoE", "dense": "MLP"}


def _mix_part(part: fv.MixPart) -> str:
    if part.kind in MIXER_WORDS:
        return f"{part.count} {MIXER_WORDS[part.kind]}"
    return f"{part.count} {'gated attention (' + part.kind.upper() + ')' if part.gated else part.kind.upper()}"


def layer_mix_text(value: fv.LayerMix) -> str:
    """``36 Gated DeltaNet + 12 gated attention (GQA), 3:1``; Nemotron-H's blocks say so."""
    text = " + ".join(_mix_part(p) for p in value.parts) + (" blocks" if value.blocks else "")
    return f"{text}, {value.ratio[0]}:{value.ratio[1]}"


def linear_heads_text(value: fv.LinearHeads) -> str:
    """``16 q/k heads × 128, 32 v heads × 128``; ``32 heads × 128``; Mamba-2 with groups and state."""
    if value.state_size is not None:
        return (f"{value.key_heads} heads × {value.key_dim}, {value.groups} groups, "
                f"state {value.state_size}")
    if (value.key_heads, value.key_dim) == (value.value_heads, value.value_dim):
        return f"{value.key_heads} heads × {value.key_dim}"
    return f"{value.key_heads} q/k heads × {value.key_dim}, {value.value_heads} v heads × {value.value_dim}"


def fixed_state_text(value: fv.FixedState) -> str:
    from archcmp.units import format_bytes

    total = format_bytes(value.bytes_per_layer * value.num_layers)
    return (f"{format_bytes(value.bytes_per_layer)} per layer, constant "
            f"(× {value.num_layers} = {total}; {value.convention}, {value.dtype})")


_PLACEMENT = {"pre": "pre-norm", "post": "post-norm (inside residual)", "sandwich": "sandwich (pre + post)"}


def _matformer(value: fv.MatFormerFact) -> str:
    if value.parent:
        return f"nested in {value.parent}"
    return f"contains {', '.join(value.nested) or 'sub-models'}"


def _scaling(value: fv.Scaling) -> str:
    text = value.type if value.factor is None else f"{value.type} ×{value.factor:g}"
    return text + " (full-attention layers)" if value.full_layers_only else text


def _per_span(value: int | fv.PerSpan) -> str:
    """``256``; ``256 sliding, 512 full``."""
    if isinstance(value, int):
        return f"{value:,}"
    return ", ".join(f"{number:,} {span}" for span, number in value.values)


def _partial_rope(value: fv.PartialRope) -> str:
    where = " (full-attention layers)" if value.full_layers_only else ""
    return f"{100 * value.factor:g}% of each head{where}"


TEXT: dict[str, Callable[[Any], str]] = {
    "per_span": _per_span,
    "k_eq_v": lambda v: " and ".join(filter(None, (", ".join(v[:-1]), v[-1]))) + " layers",
    "partial_rope": _partial_rope,
    "share": lambda v: f"{100 * v:.1f}%",
    "yesno": lambda v: "yes" if v else "no",
    "layout": layout_text,
    "q_lora": lambda v: "none (full-rank q)" if v == "full_rank" else f"{v:,}",
    "dims": lambda v: f"{v.qk_nope_head_dim} nope + {v.qk_rope_head_dim} rope",
    "names": lambda v: ", ".join(v) or "none",
    "scale": lambda v: "1 (not scaled)" if v.unit else f"1/√{v.dim}",
    "runs": runs_text,
    "positions": lambda v: f"learned ({v.learned_positions})" if v.kind == "learned" else v.kind,
    "scaling": _scaling,
    "layer_set": layer_set_text,
    "ffn": lambda v: f"{'MoE' if v.moe else 'dense'}, {'gated ' if v.gated else ''}{v.activation}",
    "sizes": lambda v: ", ".join(f"{size:,}" for size in v) if isinstance(v, tuple) else f"{v:,}",
    "router": router_text,
    "norm": lambda v: f"{v.kind}, {_PLACEMENT[v.placement]}",
    "dims_x": lambda v: " × ".join(map(str, v)),
    "streams": lambda v: f"{v} streams",
    "rank": lambda v: f"rank {v}",
    "matformer": _matformer,
    "kv_sharing": lambda v: f"layers {v[0]}-{v[1]} reuse earlier caches",
    "modules": lambda v: f"{v} module(s)",
    "grouped_output": lambda v: f"{v.groups} groups → rank {v.rank} each",
    "hyper": lambda v: f"{v.streams} streams (mHC), {v.sinkhorn_iterations} Sinkhorn steps",
    "lines": "\n".join,
    "layer_mix": layer_mix_text,
    "linear_heads": linear_heads_text,
    "fixed_state": fixed_state_text,
}
