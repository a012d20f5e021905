"""The box of a linear-attention or Mamba-2 layer in a tower drawing: its
kind, heads and dims, conv kernel, and the fixed state it keeps instead of a
growing KV cache (:mod:`archcmp.kinds.deltanet`, :mod:`archcmp.kinds.mamba`)."""

from __future__ import annotations

from archcmp.kinds.deltanet import GatedDeltaNetMixer, KimiDeltaMixer
from archcmp.kinds.mamba import Mamba2Mixer
from archcmp.render.tower_model import Label, Part

TITLES = {"gated_deltanet": "Gated DeltaNet", "kimi_delta_attention": "Kimi Delta Attention", "mamba2": "Mamba-2"}


def linear_part(mixer) -> Part:
    match mixer:
        case GatedDeltaNetMixer():
            lines = [Label("linear.heads", f"{mixer.num_key_heads} q/k heads × {mixer.key_head_dim} · "
                                           f"{mixer.num_value_heads} v heads × {mixer.value_head_dim}")]
            state = f"{mixer.num_value_heads} × {mixer.key_head_dim} × {mixer.value_head_dim}"
        case KimiDeltaMixer():
            lines = [Label("linear.heads", f"{mixer.num_heads} heads × {mixer.head_dim}, per-channel decay")]
            state = f"{mixer.num_heads} × {mixer.head_dim} × {mixer.head_dim}"
        case Mamba2Mixer():
            lines = [Label("linear.heads", f"{mixer.num_heads} heads × {mixer.head_dim} · "
                                           f"{mixer.num_groups} groups, state {mixer.state_size}")]
            state = f"{mixer.num_heads} × {mixer.head_dim} × {mixer.state_size}"
        case _:
            raise TypeError(f"no drawing for token mixer {type(mixer).__name__}")
    lines += [Label("linear.conv", f"short conv, kernel {mixer.conv_kernel}"),
              Label("linear.state", f"fixed state {state}, no KV cache")]
    return Part("linear", Label("mixer.title", TITLES[mixer.kind]), tuple(lines))
