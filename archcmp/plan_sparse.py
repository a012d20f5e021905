"""The plan cases of sparse and compressed attention: a DSA layer's
indexer, a DeepSeek-V4 layer and its hyper-connections (resolved here, per
layer, like every other layer difference: :mod:`archcmp.plan`)."""

from __future__ import annotations

from archcmp.kinds.compressed import CompressedIndexer, CompressedMixer, CompressedSpan
from archcmp.kinds.hyper import HyperConnection
from archcmp.kinds.indexer import IndexerKind
from archcmp.kinds.span import SlidingSpan
from archcmp.schema import CompressedAttention, LatentAttention, ModelSpec


def latent_extras(att: LatentAttention, hidden: int, index: int, position: str) -> dict:
    """The LatentMixer fields of DSA and Mistral Large 4 for one layer."""
    fields: dict = {"learned_query_scale": att.learned_query_scale,
                    "rope_key": not (position == "nope" and att.nope_without_rope_key)}
    i = att.indexer
    if i is not None:
        fields["indexer"] = IndexerKind(hidden, i.num_heads, i.head_dim, i.topk,
                                        query_input=att.q_lora_rank or hidden, query_norm=att.q_lora_rank is None,
                                        learned_query_scale=att.learned_query_scale,
                                        owns=i.layer_pattern.label(index) == "full")
    return fields


def compressed_mixer(spec: ModelSpec, label: str) -> CompressedMixer:
    """One DeepSeek-V4 layer: ``sliding`` (window only), ``csa`` or ``hca``.
    Window layers use ``rope_theta``, compressed ones ``compress_rope_theta``."""
    att = spec.attention
    assert isinstance(att, CompressedAttention)
    ratio = {"sliding": 0, "csa": att.csa_ratio, "hca": att.hca_ratio}[label]
    indexer = None
    if label == "csa" and att.indexer is not None:
        indexer = CompressedIndexer(att.indexer.num_heads, att.indexer.head_dim, att.indexer.topk)
    span = (SlidingSpan(att.sliding_window) if not ratio else
            CompressedSpan(att.sliding_window, ratio, label, indexer.topk if indexer else None))
    theta = spec.positions.rope_theta if not ratio else att.compress_rope_theta or spec.positions.rope_theta
    return CompressedMixer(hidden=spec.hidden_size, num_heads=att.num_heads, span=span, position="rope",
                           rope_theta=theta, head_dim=att.head_dim, rope_dim=att.qk_rope_head_dim,
                           q_lora_rank=att.q_lora_rank, o_groups=att.o_groups, o_lora_rank=att.o_lora_rank,
                           ratio=ratio, indexer=indexer)


def hyper_connection(spec: ModelSpec) -> HyperConnection | None:
    hc = spec.hyper_connections
    return HyperConnection(spec.hidden_size, hc.streams) if hc else None
