"""What every token mixer with a fixed-size state shares: a short depthwise
causal convolution whose last columns it keeps, and a recurrent state of a
fixed shape. Neither grows with the context.

The two conventions (``shared/reference/wave2/ARCHITECTURES.md``, "Cache
conventions"):

* ``vllm``: the conv state holds ``K − 1`` columns, laid out
  ``(K − 1, channels)`` (vLLM ``mamba_utils.MambaStateShapeCalculator``),
  in the cache dtype; the recurrent state is in the dtype vLLM uses for that
  model (``state_dtype``), else the cache dtype (``mamba_ssm_cache_dtype:
  auto``).
* ``transformers``: 5.24's linear-attention cache layers keep ``K`` columns,
  ``(channels, K)``, and the recurrent state always in fp32.
"""

from __future__ import annotations

from archcmp.kinds.base import CachePart, OneCoreComponent

FIXED_STATE_POSITION = "none"  # a linear mixer encodes no positions
CHUNK = 64  # the chunk length of transformers' torch Gated DeltaNet and KDA kernels


class StateMixer(OneCoreComponent):
    """What a linear-attention or state-space mixer answers where attention
    has a span and positions: none (every earlier token is folded into the
    state), its own cache always, one way to decode, and token mixing (conv
    and recurrence) as ``linear_mixer_core``."""

    span = None
    position = FIXED_STATE_POSITION
    rope_theta = None
    owns_cache = True
    decode_forms = ()
    core_component = "linear_mixer_core"


def conv_state(channels: int, kernel: int, convention: str) -> CachePart:
    shape = (channels, kernel) if convention == "transformers" else (kernel - 1, channels)
    return CachePart("conv_state", shape, None)


def recurrent_state(shape: tuple[int, ...], state_dtype: str | None, convention: str) -> CachePart:
    dtype = "fp32" if convention == "transformers" else state_dtype
    return CachePart("recurrent_state", shape, None, dtype, recurrent=True)


def conv_flops(tokens: int, channels: int, kernel: int) -> int:
    """A depthwise causal conv over ``tokens`` positions: ``kernel`` taps per
    channel and position. transformers pads and computes ``tokens + K − 1``
    positions, then keeps ``tokens``; the extra ``K − 1`` are padding work,
    not counted."""
    return 2 * tokens * channels * kernel


def padded(tokens: int, chunk: int) -> int:
    """``tokens`` rounded up to whole chunks, as the chunked kernels pad."""
    return -(-tokens // chunk) * chunk
