"""The lightning indexer of DeepSeek Sparse Attention, a part of a latent
attention layer (DeepSeek-V3.2, arXiv:2512.02556, §2.1; transformers 5.24
``DeepseekV32Indexer``, ``GlmMoeDsaIndexer``, ``MistralLarge4TextIndexer``).

Weights (component ``indexer``): ``wq_b`` query_input → heads·head_dim
(MLA's q latent, or the hidden state after ``q_input_norm``, a LayerNorm
with bias, where there is no q LoRA rank), ``wk`` H → head_dim, ``k_norm``
(LayerNorm with bias), ``weights_proj`` H → heads, and with learned query
scaling ``softmax_scaling.scale``/``.bias`` (heads each).

Cache: one key of ``head_dim`` per token, shared by the heads. transformers
(``DynamicIndexedLayer.indexer_keys``) keeps it in the model dtype; vLLM
(``DeepseekV32IndexerCache``) always in fp8 with one fp32 scale per 128
values (132 B for 128 dims), whatever the KV-cache dtype.

Work per (query, key) pair: q_h·k for every head (2·heads·head_dim FLOPs)
and the weighted sum Σ_h w_h·ReLU(·) (2·heads), both matmuls in
transformers. A layer whose indexer is ``shared`` (IndexCache) has none of
this: no weights, no cached key, no scoring.
"""

from __future__ import annotations

from archcmp.kinds.base import CachePart, Held, Tensor, matrix_macs
from archcmp.record import record

QUANT_BLOCK = 128  # vLLM: one fp32 scale per 128 fp8 values


@record
class IndexerKind:
    hidden: int
    num_heads: int
    head_dim: int
    topk: int
    query_input: int  # the width wq_b reads
    query_norm: bool = False  # q_input_norm over the hidden state (no q LoRA rank)
    learned_query_scale: bool = False
    owns: bool = True  # False: reuses an earlier layer's selection (IndexCache)

    def tensors(self) -> tuple[Tensor, ...]:
        if not self.owns:
            return ()
        h, heads, d, c = self.hidden, self.num_heads, self.head_dim, "indexer"
        parts = [Tensor("indexer.wq_b", c, (heads * d, self.query_input)), Tensor("indexer.wk", c, (d, h)),
                 Tensor("indexer.k_norm", c, (d,)), Tensor("indexer.k_norm.bias", c, (d,)),
                 Tensor("indexer.weights_proj", c, (heads, h))]
        if self.query_norm:
            parts += [Tensor("indexer.q_input_norm", c, (h,)), Tensor("indexer.q_input_norm.bias", c, (h,))]
        if self.learned_query_scale:
            parts += [Tensor("indexer.softmax_scaling.scale", c, (heads,)),
                      Tensor("indexer.softmax_scaling.bias", c, (heads,))]
        return tuple(parts)

    def macs(self) -> dict[str, int]:
        return matrix_macs(self.tensors())

    def cache(self, convention: str, held: Held) -> tuple[CachePart, ...]:
        if not self.owns:
            return ()
        if convention == "transformers":
            return (CachePart("indexer_keys", (self.head_dim,), held),)
        scales = -(-self.head_dim // QUANT_BLOCK)
        return (CachePart("indexer_keys", (self.head_dim,), held, "fp8"),
                CachePart("indexer_key_scales", (scales,), held, "fp32"))

    def key_flops(self) -> int:
        """Scoring one key for one query: 0 where the selection is reused."""
        return 2 * self.num_heads * (self.head_dim + 1) if self.owns else 0
