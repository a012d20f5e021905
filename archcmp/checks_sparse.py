"""Cross-field rules of sparse and compressed attention (DSA's indexer,
Mistral Large 4's NoPE latent, DeepSeek-V4), run with :mod:`archcmp.checks`."""

from __future__ import annotations

from collections.abc import Callable, Iterator

from archcmp.schema.attention import LatentAttention
from archcmp.schema.compressed import COMPRESSED_LABELS, CompressedAttention
from archcmp.schema.sparse import INDEXER_LABELS

Finding = tuple[tuple[str | int, ...], str]


def check_sparse(spec, pattern: Callable) -> Iterator[Finding]:
    """``pattern``: :func:`archcmp.checks._pattern`, the one rule for labels."""
    att = spec.attention
    if isinstance(att, LatentAttention):
        yield from _latent(spec, att, pattern)
    if isinstance(att, CompressedAttention):
        yield from _compressed(spec, att, pattern)
    if spec.positions.learned_frequencies and not isinstance(att, LatentAttention):
        yield ("positions", "learned_frequencies"), "supported with latent attention (Mistral Large 4) only"
    moe = spec.moe
    if moe is not None and moe.hash_layers:
        moe_layers = sum(moe.layer_pattern.label(i) == "moe" for i in range(spec.num_layers))
        if moe.hash_layers > moe_layers:
            yield ("moe", "hash_layers"), f"{moe.hash_layers} exceeds the {moe_layers} MoE layers"


def _latent(spec, att: LatentAttention, pattern: Callable) -> Iterator[Finding]:
    at = ("attention",)
    nope = spec.positions.nope_pattern
    if att.nope_without_rope_key and nope is None:
        yield at + ("nope_without_rope_key",), "set, but positions.nope_pattern makes no layer NoPE"
    sources = (spec.kv_sharing.source_layers if spec.kv_sharing else None) or {}
    for layer, source in sources.items():
        # transformers hands on one latent per kind (rope, nope): a layer reads its own kind's
        if nope is not None and layer < spec.num_layers and nope.label(layer) != nope.label(source):
            yield ("kv_sharing", "source_layers", layer), (
                f"layer {layer} is {nope.label(layer)} but layer {source} is {nope.label(source)}")
    if att.indexer is None:
        return
    where = at + ("indexer", "layer_pattern")
    yield from pattern(spec, att.indexer.layer_pattern, where, set(INDEXER_LABELS))
    if att.indexer.layer_pattern.label(0) == "shared":
        yield where, "layer 0 is shared, but no earlier layer runs an indexer whose selection it could reuse"
    if set(att.layer_pattern.labels(spec.num_layers)) != {"full"}:
        yield at + ("layer_pattern",), "an indexer selects among all earlier keys: every layer must be full"


def _compressed(spec, att: CompressedAttention, pattern: Callable) -> Iterator[Finding]:
    at = ("attention",)
    yield from pattern(spec, att.layer_pattern, at + ("layer_pattern",), set(COMPRESSED_LABELS))
    used = set(att.layer_pattern.labels(spec.num_layers)) | ({att.mtp_layer} if spec.mtp else set())
    if "csa" in used and att.indexer is None:
        yield at + ("indexer",), "required: layer_pattern has csa layers, whose indexer picks the entries"
    if att.indexer is not None:
        if "csa" not in used:
            yield at + ("indexer",), "set, but layer_pattern has no csa layers"
        if set(att.indexer.layer_pattern.labels(spec.num_layers)) != {"full"}:
            yield at + ("indexer", "layer_pattern"), "every csa layer runs its own indexer: leave it out"
    for name in ("csa_ratio", "hca_ratio"):
        if getattr(att, name) < 2:
            yield at + (name,), "a compression ratio is at least 2 tokens per entry"
    if att.qk_rope_head_dim >= att.head_dim:
        yield at + ("qk_rope_head_dim",), f"must be below head_dim ({att.head_dim})"
    if (att.num_heads * att.head_dim) % att.o_groups:
        yield at + ("o_groups",), f"must divide num_heads × head_dim ({att.num_heads * att.head_dim})"
    if att.mtp_layer != "sliding" and spec.mtp is None:
        yield at + ("mtp_layer",), "set, but there is no mtp section"
    if spec.positions.kind != "rope":
        yield ("positions", "kind"), "compressed attention uses RoPE"
    if spec.positions.partial_rotary_factor != 1:
        yield ("positions", "partial_rotary_factor"), "give attention.qk_rope_head_dim instead"
    if spec.kv_sharing is not None:
        yield ("kv_sharing",), "compressed attention layers each keep their own cache"
