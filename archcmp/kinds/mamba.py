"""The Mamba-2 mixer (Dao & Gu 2024, arXiv:2405.21060, §7-8), as Nemotron-H
and Nemotron 3 use it (transformers 5.24 ``NemotronHMamba2Mixer``).

Inner width d = heads × head_dim (the config's ``expand`` is not used).
``in_proj`` H → 2·d + 2·G·N + heads (the gate z, x, B, C and dt; G groups,
state size N); a depthwise conv over x, B and C (d + 2·G·N channels, with a
bias); ``dt_bias``, ``A_log`` and ``D``, one per head; a grouped gated
RMSNorm over d; ``out_proj`` d → H. The state is heads × head_dim × N.

FLOPs of a prefill: the SSD chunked form as transformers' torch fallback
``mamba2_chunk_scan`` computes it (chunk C = ``chunk_size``, nc chunks),
every einsum a matmul FlopCounterMode sees:
2·heads·(nc·C²·(N + P) + 2·nc·C·P·N + (nc + 1)²·P·N), P = head_dim. The
last term is the reference kernel's chunk-to-chunk recurrence written as
one (nc + 1) × (nc + 1) product, quadratic in the number of chunks; a fused
kernel (mamba_ssm) scans the chunks in sequence instead. A decode step
(``mamba2_selective_state_update``) writes dt·B·x into the state and reads
C·h: 2·P·N multiply-adds per head (the decay multiply is element-wise).
"""

from __future__ import annotations

from dataclasses import dataclass

from archcmp.kinds import state
from archcmp.kinds.base import CachePart, FlopOptions, Tensor, matrix_macs

C = "linear_mixer"


@dataclass(frozen=True)
class Mamba2Mixer(state.StateMixer):
    hidden: int
    num_heads: int
    head_dim: int
    state_size: int
    num_groups: int
    conv_kernel: int
    chunk_size: int
    conv_bias: bool = True
    proj_bias: bool = False
    state_dtype: str | None = None
    kind = "mamba2"

    @property
    def inner(self) -> int:
        return self.num_heads * self.head_dim

    @property
    def conv_channels(self) -> int:
        return self.inner + 2 * self.num_groups * self.state_size

    def tensors(self) -> tuple[Tensor, ...]:
        h, d, heads = self.hidden, self.inner, self.num_heads
        projection = d + self.conv_channels + heads
        parts = [Tensor("in_proj", C, (projection, h))]
        parts += [Tensor("in_proj.bias", C, (projection,))] if self.proj_bias else []
        parts.append(Tensor("conv1d", C, (self.conv_channels, 1, self.conv_kernel)))
        parts += [Tensor("conv1d.bias", C, (self.conv_channels,))] if self.conv_bias else []
        parts += [Tensor("dt_bias", C, (heads,)), Tensor("A_log", C, (heads,)), Tensor("D", C, (heads,)),
                  Tensor("gated_norm", C, (d,)), Tensor("out_proj", C, (h, d))]  # transformers: norm
        parts += [Tensor("out_proj.bias", C, (h,))] if self.proj_bias else []
        return tuple(parts)

    def macs(self) -> dict[str, int]:
        return matrix_macs(self.tensors())

    def cache(self, convention: str) -> tuple[CachePart, ...]:
        shape = (self.num_heads, self.head_dim, self.state_size)
        return (state.conv_state(self.conv_channels, self.conv_kernel, convention),
                state.recurrent_state(shape, self.state_dtype, convention))

    def mha_equivalent_elements(self) -> int:
        """B as a key and x as a value of every head, as softmax attention
        would cache them (SSD's attention form, arXiv:2405.21060 §6)."""
        return self.num_heads * (self.state_size + self.head_dim)

    def expanded_cache(self, convention: str) -> tuple[CachePart, ...] | None:
        return None

    def prefill_core_flops(self, tokens: int, options: FlopOptions) -> int:
        c, n, p = self.chunk_size, self.state_size, self.head_dim
        chunks = -(-tokens // c)
        ssd = chunks * c * c * (n + p) + 2 * chunks * c * p * n + (chunks + 1) ** 2 * p * n
        return 2 * self.num_heads * ssd + state.conv_flops(tokens, self.conv_channels, self.conv_kernel)

    def decode_core_flops(self, position: int, options: FlopOptions) -> int:
        recurrent = 2 * 2 * self.num_heads * self.head_dim * self.state_size
        return recurrent + state.conv_flops(1, self.conv_channels, self.conv_kernel)
