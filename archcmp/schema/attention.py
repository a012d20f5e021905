"""Token mixers with softmax attention, one variant per ``kind``.

``attention`` is a union on ``kind``: ``mha``/``gqa``/``mqa`` are softmax
attention over per-head keys and values (:class:`SoftmaxAttention`),
``mla`` is multi-head latent attention (:class:`LatentAttention`). Each
variant holds exactly the fields it needs; a field of another kind is an
unknown field.

How a score q·k is scaled before the softmax (no choice here changes a
count): by 1/sqrt(head_dim), unless

* ``query_scale_dim`` replaces head_dim there: 1/sqrt(query_scale_dim)
  (Gemma 2/3 ``query_pre_attn_scalar``; Gemma 3 27B: 168, the hidden size
  per head, with head_dim 128). Left out when it equals the q/k head dim.
* ``unit_scale`` says scores are not scaled at all (Gemma 3n, whose q and
  k are RMS-normed: transformers ``Gemma3nTextAttention.scaling = 1.0``).
  A flag rather than a float scale because configs state a dimension and
  1/sqrt(168) has no exact float.

MLA's default is 1/sqrt(qk_nope_head_dim + qk_rope_head_dim), times YaRN's
mscale² where ``positions.rope_scaling`` sets ``mscale_all_dim``.
``logit_softcapping``: scores pass through cap·tanh(score/cap) first
(Gemma 2: 50).
"""

from typing import Annotated, Literal

from pydantic import Field

from archcmp.schema.base import FiniteFloat, LayerPattern, NonNegInt, Size, Strict
from archcmp.schema.compressed import CompressedAttention
from archcmp.schema.sparse import LightningIndexer

LayerSpan = Literal["full", "sliding", "chunked"]
SPAN_LABELS = ("full", "sliding", "chunked")


class _AttentionCommon(Strict):
    """What every softmax-attention kind states: heads, biases, score scale,
    and which layers attend fully, in a sliding window or in chunks."""

    kind: str  # narrowed to a literal by each variant; first, as a spec writes it
    num_heads: Size
    qkv_bias: bool = False
    out_bias: bool = False
    logit_softcapping: FiniteFloat | None = None
    query_scale_dim: Size | None = None
    unit_scale: bool = False
    layer_pattern: LayerPattern = LayerPattern(repeat=["full"])
    sliding_window: Size | None = None
    chunk_size: Size | None = None


class AttentionOverride(Strict):
    """Geometry that differs on some layers (Gemma 4's global layers: a wider
    head, fewer KV heads). ``label`` picks every layer with that
    ``layer_pattern`` label, ``layers`` lists layer indices; exactly one of
    the two. Fields left out keep the section's value.

    ``k_eq_v``: those layers have no ``v_proj``; V is the K projection (before
    K's norm and RoPE) through a weightless RMSNorm, and is still cached
    (transformers ``Gemma4TextAttention``, ``attention_k_eq_v``)."""

    label: str | None = None
    layers: list[NonNegInt] | None = None
    num_kv_heads: Size | None = None
    head_dim: Size | None = None
    k_eq_v: bool = False


class SoftmaxAttention(_AttentionCommon):
    """Multi-head (``mha``), grouped-query (``gqa``) or multi-query (``mqa``)
    attention: ``num_kv_heads`` K and V heads of ``head_dim`` shared by
    ``num_heads`` query heads (Shazeer 2019, arXiv:1911.02150; Ainslie et al.
    2023, arXiv:2305.13245)."""

    kind: Literal["mha", "gqa", "mqa"]
    num_kv_heads: Size
    head_dim: Size
    qk_norm: Literal["none", "per_head", "full", "l2"] = "none"
    sinks: bool = False
    # A per-head sigmoid gate on the attention output, from a q_proj twice as
    # wide (Qwen3-Next and Qwen3.5 ``attn_output_gate``; Qiu et al. 2025,
    # arXiv:2505.06708).
    output_gate: bool = False
    overrides: list[AttentionOverride] = []


class LatentAttention(_AttentionCommon):
    """Multi-head latent attention (DeepSeek-V2, arXiv:2405.04434, §2.1):
    keys and values are decompressed from a cached ``kv_lora_rank`` latent;
    ``qk_rope_head_dim`` of each key is a RoPE part shared by all heads."""

    kind: Literal["mla"]
    q_lora_rank: Size | None = None
    kv_lora_rank: Size
    qk_nope_head_dim: Size
    qk_rope_head_dim: Size
    v_head_dim: Size
    # DeepSeek Sparse Attention: a lightning indexer picks the keys each
    # query attends to (archcmp.schema.sparse).
    indexer: LightningIndexer | None = None
    # Mistral Large 4: queries (and indexer queries) scaled per head by
    # scale·log(position + 1) + bias, two learned vectors of num_heads.
    learned_query_scale: bool = False
    # Mistral Large 4: on NoPE layers the rope dims join the nope ones, so
    # kv_a_proj yields the latent alone and the latent alone is cached.
    nope_without_rope_key: bool = False


Attention = Annotated[SoftmaxAttention | LatentAttention | CompressedAttention, Field(discriminator="kind")]
ATTENTION_KINDS = ("mha", "gqa", "mqa", "mla", "compressed")
