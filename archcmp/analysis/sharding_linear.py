"""How vLLM splits linear-attention and Mamba-2 layers over TP ranks
(``vllm/model_executor/models/qwen3_next.py`` ``Qwen3NextGatedDeltaNet``,
``vllm/model_executor/layers/kda.py``,
``vllm/model_executor/layers/mamba/mamba_mixer2.py``): the input
projections, conv and per-head parameters by heads (column-parallel), the
output projection by its input (row-parallel), the low-rank gate inputs and
per-head-dim norms replicated. Each rank keeps its heads' share of the conv
and recurrent states. Part of :mod:`archcmp.analysis.sharding`."""

from __future__ import annotations

from archcmp.kinds.base import Tensor
from archcmp.kinds.deltanet import GatedDeltaNetMixer, KimiDeltaMixer
from archcmp.kinds.mamba import Mamba2Mixer

LINEAR_MIXERS = (GatedDeltaNetMixer, KimiDeltaMixer, Mamba2Mixer)
# Output rows split by heads (column-parallel); vectors of one entry per channel or head split alike.
SPLIT_ROWS = {"in_proj_qkv", "in_proj_z", "in_proj_b", "in_proj_a", "in_proj", "in_proj.bias", "q_proj", "k_proj",
              "v_proj", "forget_gate.f_b_proj", "g_b_proj", "b_proj", "conv1d", "conv1d.bias", "dt_bias", "A_log",
              "D", "forget_gate.dt_bias", "forget_gate.A_log", "gated_norm"}
SPLIT_COLUMNS = {"out_proj", "o_proj"}  # row-parallel: the input features; the bias is added once


def linear_problem(mixer, tp: int, model: str) -> str | None:
    """vLLM splits whole heads (and Mamba-2's whole groups) over the ranks."""
    heads = {GatedDeltaNetMixer: lambda m: [("key heads", m.num_key_heads), ("value heads", m.num_value_heads)],
             KimiDeltaMixer: lambda m: [("linear heads", m.num_heads)],
             Mamba2Mixer: lambda m: [("Mamba heads", m.num_heads), ("Mamba groups", m.num_groups)]}[type(mixer)]
    for what, count in heads(mixer):
        if count % tp:
            return f"--tp {tp} does not divide the {count} {what} of {model}"
    return None


def linear_shard_shape(tensor: Tensor, ways: int) -> tuple[int, ...]:
    shape = tensor.shape
    if tensor.name in SPLIT_ROWS:
        return (-(-shape[0] // ways), *shape[1:])
    if tensor.name in SPLIT_COLUMNS:
        return (shape[0], -(-shape[1] // ways))
    return shape
