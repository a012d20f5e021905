"""Cross-field rules of hybrid specs: linear-attention layers and
single-sublayer blocks. Part of :mod:`archcmp.checks` (run by the same
model validator), kept apart so that module stays small."""

from __future__ import annotations

from collections.abc import Iterator

from archcmp.schema.linear import BLOCK_LABELS, LINEAR_LABEL, GatedDeltaNet, Mamba2

Finding = tuple[tuple[str | int, ...], str]
NO_SECTION = {
    LINEAR_LABEL: "names no linear_attention section (kind gated_deltanet, kimi_delta_attention or mamba2)",
    "moe": "names no moe section",
}


def check_linear(spec, pattern_check) -> Iterator[Finding]:
    """``pattern_check(spec, pattern, at, allowed, missing)`` is
    :func:`archcmp.checks._pattern` (labels and length)."""
    yield from _heads(spec)
    if spec.block_pattern is not None:
        yield from _blocks(spec, pattern_check)
    used = _linear_layers(spec)
    if spec.block_pattern is None and spec.mtp is not None and spec.mtp.blocks is not None:
        yield ("mtp", "blocks"), "only with block_pattern; an MTP module otherwise copies the last layer"
    if spec.linear_attention is not None and not used:
        yield ("linear_attention",), "set, but no layer is labelled linear"
    if used and spec.kv_sharing is not None:
        yield ("kv_sharing",), "not supported beside linear-attention layers, which hold no KV to share"


def _linear_layers(spec) -> bool:
    """Some layer, or an MTP block, is a linear one."""
    pattern = spec.block_pattern or spec.attention.layer_pattern
    mtp_blocks = (spec.mtp and spec.mtp.blocks) or []
    return LINEAR_LABEL in pattern.labels(spec.num_layers) or LINEAR_LABEL in mtp_blocks


def _heads(spec) -> Iterator[Finding]:
    lin, at = spec.linear_attention, ("linear_attention",)
    if isinstance(lin, GatedDeltaNet) and lin.num_value_heads % lin.num_key_heads:
        yield at + ("num_value_heads",), (
            f"{lin.num_value_heads} must be a multiple of num_key_heads ({lin.num_key_heads})")
    if isinstance(lin, Mamba2) and lin.num_heads % lin.num_groups:
        yield at + ("num_groups",), f"{lin.num_groups} must divide num_heads ({lin.num_heads})"


def _blocks(spec, pattern_check) -> Iterator[Finding]:
    """Each block holds one sublayer, so the attention and moe sections say
    nothing per layer: the block pattern does."""
    at = ("block_pattern",)
    missing = {label: message for label, message in NO_SECTION.items()
               if getattr(spec, "linear_attention" if label == LINEAR_LABEL else label) is None}
    yield from pattern_check(spec, spec.block_pattern, at, set(BLOCK_LABELS), missing)
    if spec.attention.layer_pattern.labels(spec.num_layers) != ["full"] * spec.num_layers:
        yield ("attention", "layer_pattern"), "not used with block_pattern: attention blocks attend fully"
    if spec.moe is not None and spec.moe.layer_pattern.repeat != ["moe"]:
        yield ("moe", "layer_pattern"), "not used with block_pattern, which places the moe blocks"
    if spec.norm.placement != "pre":
        yield ("norm", "placement"), "block_pattern blocks have one pre-norm each; placement must be pre"
    if spec.kv_sharing is not None:
        yield ("kv_sharing",), "not supported with block_pattern"
    yield from _mtp_blocks(spec, missing)


def _mtp_blocks(spec, missing: dict[str, str]) -> Iterator[Finding]:
    """A model of one-sublayer blocks has no 'last layer' an MTP module could
    copy (Nemotron-H's MTP is an attention and a moe block): it lists them."""
    if spec.mtp is None:
        return
    if spec.mtp.blocks is None:
        yield ("mtp", "blocks"), "required with block_pattern: the blocks of each MTP module, e.g. [attention, moe]"
        return
    for i, label in enumerate(spec.mtp.blocks):
        if label in missing:
            yield ("mtp", "blocks", i), f"{label!r} {missing[label]}"
