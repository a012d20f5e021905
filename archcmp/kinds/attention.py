"""What every softmax-attention kind shares: its place in the stack (span,
positions, whether it owns its cache), and attention FLOPs as a pair cost
times the keys each query sees (the kinds differ in ``pair_flops``)."""

from __future__ import annotations

from archcmp.kinds.base import FlopOptions, OneCoreComponent, Tensor, matrix_macs
from archcmp.kinds.span import Span
from archcmp.record import record


@record(kw_only=True)
class AttentionLayer(OneCoreComponent):
    hidden: int
    num_heads: int
    span: Span
    position: str  # "rope" | "nope" | "learned"
    rope_theta: float | None
    owns_cache: bool = True
    qkv_bias: bool = False
    out_bias: bool = False

    def tensors(self) -> tuple[Tensor, ...]:
        raise NotImplementedError

    def pair_flops(self, form: str = "expanded") -> int:
        """Score and value products of one query against one key, all heads."""
        raise NotImplementedError

    def macs(self) -> dict[str, int]:
        return matrix_macs(self.tensors())

    def prefill_core_flops(self, tokens: int, options: FlopOptions) -> int:
        keys = tokens * tokens if options.attention == "full" else self.span.keys_seen_total(tokens)
        return self.pair_flops() * keys

    def decode_core_flops(self, position: int, options: FlopOptions) -> int:
        keys = position if options.attention == "full" else self.span.keys_seen(position)
        return self.pair_flops(options.mla_decode) * keys
