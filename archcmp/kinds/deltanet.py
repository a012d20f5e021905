"""Delta-rule linear attention: Gated DeltaNet (Qwen3-Next, Qwen3.5) and
Kimi Delta Attention (Kimi Linear).

Both project q, k and v, run them through a short depthwise causal conv,
and update one ``d_k × d_v`` state matrix per head with the gated delta
rule, S ← g·S + β·k(v − Sᵀk)ᵀ, reading o = Sᵀq (Yang et al. 2024,
arXiv:2412.06464, eq. 5-6; Kimi Linear, arXiv:2510.26692, §2). Gated
DeltaNet's decay g is one scalar per head and token, KDA's one per channel.
Parameters as transformers 5.24 builds them (``Qwen3NextGatedDeltaNet``,
``Qwen3_5GatedDeltaNet``: same count, fused or split projections;
``KimiLinearDeltaAttention``).

FLOPs, per head and chunked as transformers' torch kernels run a prefill
(``torch_chunk_gated_delta_rule``, ``chunk_kimi_delta_attention``: chunk
C = 64, Tp = tokens rounded up to C): the matmuls ``FlopCounterMode`` sees.
A decode step is the recurrent update (``torch_recurrent_gated_delta_rule``):
read Sᵀk, write k·δᵀ, read Sᵀq, each ``d_k × d_v`` multiply-adds; the decay
multiply is element-wise and not counted.
"""

from __future__ import annotations

from dataclasses import dataclass

from archcmp.kinds import state
from archcmp.kinds.base import CachePart, FlopOptions, Tensor, matrix_macs

C = "linear_mixer"


@dataclass(frozen=True)
class GatedDeltaNetMixer(state.StateMixer):
    hidden: int
    num_key_heads: int
    key_head_dim: int
    num_value_heads: int
    value_head_dim: int
    conv_kernel: int
    state_dtype: str | None = None
    kind = "gated_deltanet"

    @property
    def key_width(self) -> int:
        return self.num_key_heads * self.key_head_dim

    @property
    def value_width(self) -> int:
        return self.num_value_heads * self.value_head_dim

    @property
    def conv_channels(self) -> int:
        """q, k and v go through the conv; the output gate z does not."""
        return 2 * self.key_width + self.value_width

    @property
    def state_shape(self) -> tuple[int, int, int]:
        return self.num_value_heads, self.key_head_dim, self.value_head_dim

    def tensors(self) -> tuple[Tensor, ...]:
        h, v, heads = self.hidden, self.value_width, self.num_value_heads
        return (
            Tensor("in_proj_qkv", C, (self.conv_channels, h)),
            Tensor("in_proj_z", C, (v, h)),  # the output gate
            Tensor("in_proj_b", C, (heads, h)),  # beta, the write strength
            Tensor("in_proj_a", C, (heads, h)),  # the decay's input
            Tensor("conv1d", C, (self.conv_channels, 1, self.conv_kernel)),
            Tensor("dt_bias", C, (heads,)),
            Tensor("A_log", C, (heads,)),
            Tensor("norm", C, (self.value_head_dim,)),  # gated RMSNorm, shared by the heads
            Tensor("out_proj", C, (h, v)),
        )

    def macs(self) -> dict[str, int]:
        return matrix_macs(self.tensors())

    def cache(self, convention: str) -> tuple[CachePart, ...]:
        return (state.conv_state(self.conv_channels, self.conv_kernel, convention),
                state.recurrent_state(self.state_shape, self.state_dtype, convention))

    def mha_equivalent_elements(self) -> int:
        """What the same heads would cache per token as softmax attention:
        a key (repeated to every value head, as the kernel repeats it) and a
        value per value head."""
        return self.num_value_heads * (self.key_head_dim + self.value_head_dim)

    def expanded_cache(self, convention: str) -> tuple[CachePart, ...] | None:
        return None

    def prefill_core_flops(self, tokens: int, options: FlopOptions) -> int:
        """2·Hv·Tp·(2·C·dk + C·dv + 3·dk·dv) (k_β·kᵀ and q·kᵀ in each chunk,
        their product with the new values, and three state products), plus
        the conv. The two triangular solves per chunk (≈ Hv·Tp·(C−1)·(dk+dv))
        are not matmuls and not counted. The causal mask is inside the chunk
        kernel: ``options.attention`` does not apply."""
        dk, dv, c = self.key_head_dim, self.value_head_dim, state.CHUNK
        chunked = 2 * self.num_value_heads * state.padded(tokens, c) * (2 * c * dk + c * dv + 3 * dk * dv)
        return chunked + state.conv_flops(tokens, self.conv_channels, self.conv_kernel)

    def decode_core_flops(self, position: int, options: FlopOptions) -> int:
        """The same at every position: 3·dk·dv multiply-adds per value head, plus the conv."""
        recurrent = 2 * 3 * self.num_value_heads * self.key_head_dim * self.value_head_dim
        return recurrent + state.conv_flops(1, self.conv_channels, self.conv_kernel)


@dataclass(frozen=True)
class KimiDeltaMixer(state.StateMixer):
    hidden: int
    num_heads: int
    head_dim: int
    conv_kernel: int
    state_dtype: str | None = None
    kind = "kimi_delta_attention"

    @property
    def width(self) -> int:
        return self.num_heads * self.head_dim

    @property
    def conv_channels(self) -> int:
        return 3 * self.width

    def tensors(self) -> tuple[Tensor, ...]:
        h, w, d, heads = self.hidden, self.width, self.head_dim, self.num_heads
        return (
            Tensor("q_proj", C, (w, h)), Tensor("k_proj", C, (w, h)), Tensor("v_proj", C, (w, h)),
            Tensor("conv1d", C, (self.conv_channels, 1, self.conv_kernel)),  # q, k, v convs together
            Tensor("forget_gate.f_a_proj", C, (d, h)),  # the low-rank per-channel decay
            Tensor("forget_gate.f_b_proj", C, (w, d)),
            Tensor("forget_gate.dt_bias", C, (w,)),
            Tensor("forget_gate.A_log", C, (heads,)),
            Tensor("b_proj", C, (heads, h)),  # beta
            Tensor("g_a_proj", C, (d, h)),  # the low-rank output gate
            Tensor("g_b_proj", C, (w, d)),
            Tensor("o_norm", C, (d,)),
            Tensor("o_proj", C, (h, w)),
        )

    def macs(self) -> dict[str, int]:
        return matrix_macs(self.tensors())

    def cache(self, convention: str) -> tuple[CachePart, ...]:
        return (state.conv_state(self.conv_channels, self.conv_kernel, convention),
                state.recurrent_state((self.num_heads, self.head_dim, self.head_dim), self.state_dtype, convention))

    def mha_equivalent_elements(self) -> int:
        """A key and a value per head, as softmax attention would cache them."""
        return 2 * self.width

    def expanded_cache(self, convention: str) -> tuple[CachePart, ...] | None:
        return None

    def prefill_core_flops(self, tokens: int, options: FlopOptions) -> int:
        """2·H·Tp·(3·C·d + 3·d²), plus the conv: the matmuls FlopCounterMode
        sees. The intra-chunk k·k and q·k products with the per-channel decay
        are element-wise products summed over d in transformers (≈ 4·H·Tp·C·d,
        not seen, not counted), as is the forward substitution."""
        d, c = self.head_dim, state.CHUNK
        chunked = 2 * self.num_heads * state.padded(tokens, c) * (3 * c * d + 3 * d * d)
        return chunked + state.conv_flops(tokens, self.conv_channels, self.conv_kernel)

    def decode_core_flops(self, position: int, options: FlopOptions) -> int:
        recurrent = 2 * 3 * self.num_heads * self.head_dim * self.head_dim
        return recurrent + state.conv_flops(1, self.conv_channels, self.conv_kernel)
