"""What every softmax-attention kind shares: its place in the stack (span,
positions, whether it owns its cache), and attention FLOPs as a pair cost
times the keys each query sees (the kinds differ in ``pair_flops``)."""

from __future__ import annotations

from dataclasses import dataclass

from archcmp.kinds.base import FlopOptions, Tensor, matrix_macs
from archcmp.kinds.span import Span


@dataclass(frozen=True, kw_only=True)
class AttentionLayer:
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

    def prefill_core_parts(self, tokens: int, options: FlopOptions) -> dict[str, int]:
        """:meth:`prefill_core_flops` by FLOP component (a sparse layer puts
        its indexer's scoring apart)."""
        return {"attention_core": self.prefill_core_flops(tokens, options)}

    def decode_core_parts(self, position: int, options: FlopOptions) -> dict[str, int]:
        return {"attention_core": self.decode_core_flops(position, options)}
