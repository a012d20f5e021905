"""Token mixers with a fixed-size recurrent state, one variant per ``kind``.

``linear_attention`` describes the layers that the attention
``layer_pattern`` (or the ``block_pattern``) labels ``linear``; ``attention``
keeps describing the softmax layers. Each variant holds exactly its
published dimensions:

* ``gated_deltanet``: Gated DeltaNet (Yang et al. 2024, arXiv:2412.06464),
  Qwen3-Next and Qwen3.5 (transformers ``Qwen3NextGatedDeltaNet``);
* ``kimi_delta_attention``: KDA, Gated DeltaNet with a per-channel decay
  (Kimi Linear, arXiv:2510.26692; transformers ``KimiLinearDeltaAttention``);
* ``mamba2``: the Mamba-2 SSD mixer (Dao & Gu 2024, arXiv:2405.21060),
  Nemotron-H and Nemotron 3 (transformers ``NemotronHMamba2Mixer``).

``state_dtype`` is the dtype the serving engine keeps the recurrent state
in, where the model's config (or its vLLM model code) fixes one: Qwen3.5's
``mamba_ssm_dtype``, Nemotron's ``mamba_ssm_cache_dtype``, KDA's fp32. Left
out, the state follows the cache dtype (``--dtype``), as vLLM's ``auto``
does (Qwen3-Next). transformers always keeps it in fp32.
"""

from typing import Annotated, Literal

from pydantic import Field

from archcmp.schema.base import Size, Strict

StateDtype = Literal["bf16", "fp16", "fp32"]
STATE_DTYPES = ("bf16", "fp16", "fp32")
LINEAR_LABEL = "linear"  # the layer-pattern label of a layer that uses ``linear_attention``


class _LinearCommon(Strict):
    kind: str  # narrowed to a literal by each variant
    conv_kernel: Size = 4
    state_dtype: StateDtype | None = None


class GatedDeltaNet(_LinearCommon):
    """``num_key_heads`` query/key heads of ``key_head_dim`` and
    ``num_value_heads`` value heads of ``value_head_dim`` (config
    ``linear_num_key_heads`` … ``linear_value_head_dim``); the conv kernel is
    ``linear_conv_kernel_dim``. Its state is one ``key_head_dim ×
    value_head_dim`` matrix per value head."""

    kind: Literal["gated_deltanet"]
    num_key_heads: Size
    key_head_dim: Size
    num_value_heads: Size
    value_head_dim: Size


class KimiDeltaAttention(_LinearCommon):
    """``num_heads`` heads of ``head_dim`` for q, k and v (config
    ``linear_attn_config``: ``num_heads``, ``head_dim``,
    ``short_conv_kernel_size``); a ``head_dim × head_dim`` state per head."""

    kind: Literal["kimi_delta_attention"]
    num_heads: Size
    head_dim: Size


class Mamba2(_LinearCommon):
    """``num_heads`` heads of ``head_dim`` (inner width = their product),
    ``num_groups`` groups of B and C, each of ``state_size``; the SSD kernel
    runs in chunks of ``chunk_size``. ``conv_bias`` (``use_conv_bias``) and
    ``proj_bias`` (``use_bias``: on in_proj and out_proj)."""

    kind: Literal["mamba2"]
    num_heads: Size
    head_dim: Size
    state_size: Size
    num_groups: Size = 1
    chunk_size: Size = 128
    conv_bias: bool = True
    proj_bias: bool = False


LinearAttention = Annotated[GatedDeltaNet | KimiDeltaAttention | Mamba2, Field(discriminator="kind")]
LINEAR_KINDS = ("gated_deltanet", "kimi_delta_attention", "mamba2")
# One sublayer per block (Nemotron-H's ``layers_block_type``): which section it uses.
BLOCK_LABELS = ("linear", "attention", "moe", "mlp")
