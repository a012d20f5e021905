"""The plan cases of hybrid models: the linear-attention mixer of a layer
labelled ``linear``, and Nemotron-H's blocks of one sublayer each.

Part of :mod:`archcmp.plan` (the one place layers differ), kept apart so
that module stays small.
"""

from __future__ import annotations

from archcmp.kinds.deltanet import GatedDeltaNetMixer, KimiDeltaMixer
from archcmp.kinds.mamba import Mamba2Mixer
from archcmp.schema import GatedDeltaNet, KimiDeltaAttention, Mamba2, ModelSpec

LinearMixer = GatedDeltaNetMixer | KimiDeltaMixer | Mamba2Mixer


def linear_mixer(spec: ModelSpec) -> LinearMixer:
    """The mixer of every layer the spec labels ``linear`` (all alike)."""
    lin, h = spec.linear_attention, spec.hidden_size
    match lin:
        case GatedDeltaNet():
            return GatedDeltaNetMixer(h, lin.num_key_heads, lin.key_head_dim, lin.num_value_heads,
                                      lin.value_head_dim, lin.conv_kernel, lin.state_dtype)
        case KimiDeltaAttention():
            return KimiDeltaMixer(h, lin.num_heads, lin.head_dim, lin.conv_kernel, lin.state_dtype)
        case Mamba2():
            return Mamba2Mixer(h, lin.num_heads, lin.head_dim, lin.state_size, lin.num_groups, lin.conv_kernel,
                               lin.chunk_size, lin.conv_bias, lin.proj_bias, lin.state_dtype)
    raise TypeError(f"no layer kind for linear attention {type(lin).__name__}")


# block_pattern label -> (what the block's mixer is, what its FFN is); None: the block has none
SUBLAYERS = {"linear": ("linear", None), "attention": ("full", None), "moe": (None, "moe"), "mlp": (None, "dense")}


def sublayers(spec: ModelSpec, index: int, label: str | None = None) -> tuple[str | None, str | None]:
    """A Nemotron-H block holds one mixer (its attention label) or one FFN
    (its ``dense``/``moe`` label), never both. ``label`` overrides the block
    pattern's (an MTP block)."""
    if label is None:
        assert spec.block_pattern is not None  # only models of one-sublayer blocks have these
        label = spec.block_pattern.label(index)
    return SUBLAYERS[label]
