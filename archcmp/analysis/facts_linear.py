"""The card facts of hybrids: how linear and softmax layers mix, the linear
mixer's heads, and the fixed state each linear layer holds. Every model has
these rows; a model without linear layers has none of them, and
``compare`` shows it as ``—`` there (rows are the union of the models')."""

from __future__ import annotations

from math import gcd

from archcmp.analysis import factvalues as fv
from archcmp.analysis.kvcache import CacheRequest, parts_bytes
from archcmp.schema import GatedDeltaNet, KimiDeltaAttention, Mamba2, ModelSpec

GROUP = "Linear attention"


def linear_facts(spec: ModelSpec, plan, dtype: str = "bf16", convention: str = "vllm") -> list:
    from archcmp.analysis.facts import Fact  # facts imports this module

    lin = spec.linear_attention
    linear = [b for b in plan.mixer_blocks() if b.mixer.span is None]
    if lin is None or not linear:
        return []
    return [
        Fact(GROUP, "layer_mix", layer_mix(spec, plan), "layer_mix"),
        Fact(GROUP, "linear_heads", linear_heads(lin), "linear_heads"),
        Fact(GROUP, "linear_conv_kernel", lin.conv_kernel),
        Fact(GROUP, "linear_state", fixed_state(linear, dtype, convention), "fixed_state"),
    ]


def layer_mix(spec: ModelSpec, plan) -> fv.LayerMix:
    """Counts in stack order of first appearance: linear kind, softmax kind, FFN-only blocks."""
    counts: dict[tuple[str, bool], int] = {}
    gated = bool(getattr(spec.attention, "output_gate", False))
    for block in plan:
        if block.mixer is None:
            key = (block.ffn.kind, False)
        elif block.mixer.span is None:
            key = (block.mixer.kind, False)
        else:
            key = (spec.attention.kind, gated)
        counts[key] = counts.get(key, 0) + 1
    linear = sum(n for (kind, _), n in counts.items() if kind == spec.linear_attention.kind)
    softmax = sum(n for (kind, _), n in counts.items() if kind == spec.attention.kind)
    common = gcd(linear, softmax) or 1
    order = {spec.linear_attention.kind: 0, spec.attention.kind: 1}  # mixers first, then FFN-only blocks
    parts = tuple(fv.MixPart(kind, n, g) for (kind, g), n in sorted(counts.items(), key=lambda c: order.get(c[0][0], 2)))
    return fv.LayerMix(parts, (linear // common, softmax // common), spec.block_pattern is not None)


def linear_heads(lin) -> fv.LinearHeads:
    match lin:
        case GatedDeltaNet():
            return fv.LinearHeads(lin.kind, lin.num_key_heads, lin.key_head_dim, lin.num_value_heads,
                                  lin.value_head_dim)
        case KimiDeltaAttention():
            return fv.LinearHeads(lin.kind, lin.num_heads, lin.head_dim, lin.num_heads, lin.head_dim)
        case Mamba2():
            return fv.LinearHeads(lin.kind, lin.num_heads, lin.head_dim, lin.num_heads, lin.head_dim,
                                  lin.num_groups, lin.state_size)
    raise TypeError(f"no heads for linear attention {type(lin).__name__}")


def fixed_state(linear_blocks, dtype: str, convention: str) -> fv.FixedState:
    """One linear layer's state (all are alike), as ``kvcache`` counts it."""
    request = CacheRequest(context=1, dtype=dtype, convention=convention)
    parts = tuple(p for p in linear_blocks[0].mixer.cache(convention) if p.held is None)
    return fv.FixedState(parts_bytes(parts, request), len(linear_blocks), convention, dtype)
