"""DeepSeek-V4's compressed attention and its manifold-constrained
hyper-connections (DeepSeek-V4 technical report, §2.2-2.3; transformers 5.24
``DeepseekV4Attention``, ``DeepseekV4HyperConnection``).

Every layer attends over one shared K=V head of ``head_dim`` (``kv_proj``
and an RMSNorm; RoPE on its last ``qk_rope_head_dim`` dims) with queries from
a ``q_lora_rank`` latent, a learned sink per head, and a grouped low-rank
output (``o_groups`` groups of heads, each projected to ``o_lora_rank``,
then mixed to the hidden size). Each layer sees a ``sliding_window`` of raw
tokens; ``layer_pattern`` says what else (the config's ``compress_ratios``):

* ``sliding``: nothing else (ratio 0);
* ``csa`` (compressed sparse attention): one compressed entry per
  ``csa_ratio`` tokens, pooled from 2 × ``csa_ratio`` overlapping tokens,
  of which a lightning ``indexer`` (with its own compressor) picks the
  ``indexer.topk`` a query attends to;
* ``hca`` (heavily compressed attention): one entry per ``hca_ratio``
  tokens, every one of them attended to.

Sliding layers use ``positions.rope_theta`` and plain RoPE; compressed layers
``compress_rope_theta`` with ``positions.rope_scaling``.
"""

from typing import Literal

from archcmp.schema.base import FiniteFloat, LayerPattern, Size, Strict
from archcmp.schema.sparse import LightningIndexer

COMPRESSED_LABELS = ("sliding", "csa", "hca")


class CompressedAttention(Strict):
    kind: Literal["compressed"]
    num_heads: Size
    head_dim: Size
    qk_rope_head_dim: Size
    q_lora_rank: Size
    o_groups: Size
    o_lora_rank: Size
    sliding_window: Size
    layer_pattern: LayerPattern
    csa_ratio: Size = 4
    hca_ratio: Size = 128
    indexer: LightningIndexer | None = None
    compress_rope_theta: FiniteFloat | None = None
    # The attention of the multi-token-prediction block(s): the entries of
    # the config's compress_ratios after the main layers (0: sliding).
    mtp_layer: Literal["sliding", "csa", "hca"] = "sliding"

    # What the other attention kinds state and this one has not: every head
    # has a learned sink; no biases, no score scale other than 1/sqrt(head_dim).
    @property
    def sinks(self) -> bool:
        return True

    @property
    def qkv_bias(self) -> bool:
        return False

    @property
    def out_bias(self) -> bool:
        return False

    @property
    def unit_scale(self) -> bool:
        return False

    @property
    def query_scale_dim(self) -> None:
        return None

    @property
    def logit_softcapping(self) -> None:
        return None

    @property
    def chunk_size(self) -> None:
        return None


class HyperConnections(Strict):
    """mHC (Xie et al. 2026): the residual is ``streams`` streams; before
    attention and before the FFN a module reads all of them (``fn``:
    (2 + n)·n × n·H, ``base``, ``scale``) and makes the weights that collapse
    them into the sublayer's input, spread its output back and mix the
    streams (a doubly stochastic n × n matrix, ``sinkhorn_iterations``
    Sinkhorn-Knopp steps); a last one (``hc_head``) collapses them before the
    final norm."""

    streams: Size
    sinkhorn_iterations: Size = 20
