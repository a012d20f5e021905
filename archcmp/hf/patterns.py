"""Per-layer label lists to and from the spec's ``LayerPattern`` form."""

from __future__ import annotations

from archcmp.schema import LayerPattern


def compress(labels: list[str]) -> dict | list[str]:
    """The shortest ``first`` + ``repeat`` that reproduces ``labels``: the
    fewest labels written, then the shortest ``first``. A plain list (the
    schema's shorthand for ``{repeat: [...]}``) when ``first`` is empty. With
    no shorter cycle the whole list is the repeat, so this always succeeds."""
    n = len(labels)
    best: tuple[int, int, int] | None = None
    for prefix in range(n):
        for period in range(1, n - prefix + 1):
            if best is not None and prefix + period >= best[0]:
                break
            if all(labels[i] == labels[prefix + (i - prefix) % period] for i in range(prefix, n)):
                best = (prefix + period, prefix, period)
                break
    _, prefix, period = best
    repeat = labels[prefix : prefix + period]
    return {"first": labels[:prefix], "repeat": repeat} if prefix else repeat


def expand(pattern: LayerPattern | None, num_layers: int, default: str) -> list[str]:
    if pattern is None:
        return [default] * num_layers
    return [pattern.label(i) for i in range(num_layers)]


def optional(labels: list[str], plain: str) -> dict | list[str] | None:
    """``None`` when every layer is ``plain`` (the field's default), else the pattern."""
    return None if all(label == plain for label in labels) else compress(labels)
