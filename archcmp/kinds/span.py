"""Which earlier tokens a softmax-attention layer sees: all of them
(:class:`FullSpan`), a sliding window (:class:`SlidingSpan`), or the tokens
of its own chunk (:class:`ChunkedSpan`). Each says how many keys a query
sees under the causal mask (transformers ``sliding_window_overlay`` /
``chunked_overlay``) and how many tokens a layer keeps in its cache."""

from __future__ import annotations

from archcmp.kinds.base import Held
from archcmp.record import record


@record
class FullSpan:
    kind = "full"
    window = None

    def keys_seen(self, position: int) -> int:
        """Keys a query at 1-based ``position`` sees: every earlier one and itself."""
        return position

    def keys_seen_total(self, tokens: int) -> int:
        """Sum of :meth:`keys_seen` over positions 1..tokens."""
        return tokens * (tokens + 1) // 2

    def held(self, convention: str) -> Held:
        return Held()


@record
class SlidingSpan:
    window: int
    kind = "sliding"

    def keys_seen(self, position: int) -> int:
        return min(position, self.window)

    def keys_seen_total(self, tokens: int) -> int:
        ramp = min(self.window, tokens)  # positions that still see all earlier keys
        return ramp * (ramp + 1) // 2 + (tokens - ramp) * self.window

    def held(self, convention: str) -> Held:
        """``window`` tokens under vLLM (``SlidingWindowSpec``), ``window - 1``
        under transformers (``DynamicSlidingWindowLayer`` keeps what the next
        query needs besides itself)."""
        return Held(cap=self.window - 1 if convention == "transformers" else self.window)


@record
class ChunkedSpan:
    window: int  # the chunk size
    kind = "chunked"

    def keys_seen(self, position: int) -> int:
        return (position - 1) % self.window + 1

    def keys_seen_total(self, tokens: int) -> int:
        chunks, rest = divmod(tokens, self.window)
        return chunks * self.window * (self.window + 1) // 2 + rest * (rest + 1) // 2

    def held(self, convention: str) -> Held:
        """The chunk (vLLM ``ChunkedLocalAttentionSpec``)."""
        return Held(cap=self.window)


Span = FullSpan | SlidingSpan | ChunkedSpan


def span_for(label: str, window: int | None) -> Span:
    """The span of a ``layer_pattern`` label (``full``, ``sliding``,
    ``chunked``) with its window or chunk size."""
    if label == "full":
        return FullSpan()
    if window is None:
        raise ValueError(f"a {label} layer needs its window")
    spans: dict[str, type[SlidingSpan | ChunkedSpan]] = {"sliding": SlidingSpan, "chunked": ChunkedSpan}
    if label not in spans:
        raise ValueError(f"no span for layer label {label!r}")
    return spans[label](window)
