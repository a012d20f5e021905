"""DeepSeek Sparse Attention (DSA): the lightning indexer of a latent-attention
layer (DeepSeek-V3.2, arXiv:2512.02556, §2.1; GLM-5; Mistral Large 4).

Beside MLA each layer has a small indexer: ``num_heads`` query heads of
``head_dim`` (``wq_b``, from MLA's query latent, or from the hidden state
where there is no q LoRA rank), one key of ``head_dim`` per token (``wk`` and
a LayerNorm, cached next to the latent) and a per-head weight
(``weights_proj``). A query scores every earlier key,
Σ_h w_h · ReLU(q_h · k), keeps the ``topk`` best and MLA attends to those
only (transformers ``DeepseekV32Indexer``).

``layer_pattern``: ``full`` layers run their own indexer; ``shared`` layers
(GLM-5.2's IndexCache, arXiv:2603.12201; ``indexer_types``) build none,
cache no indexer key and reuse the selection of the last full layer before
them.
"""

from pydantic import Field

from archcmp.schema.base import LayerPattern, Size, Strict

INDEXER_LABELS = ("full", "shared")


def _every_layer_full() -> LayerPattern:
    """Every layer has its own indexer (a module-level function: the kept validator pickles it by name)."""
    return LayerPattern(repeat=["full"])


class LightningIndexer(Strict):
    num_heads: Size
    head_dim: Size
    topk: Size
    layer_pattern: LayerPattern = Field(default_factory=_every_layer_full)
