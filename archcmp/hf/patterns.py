"""Per-layer label lists to and from the spec's ``LayerPattern`` form."""

from __future__ import annotations

from archcmp.schema import LayerPattern


def compress(labels: list[str]) -> dict | list[str]:
    """The shortest ``first`` + ``repeat`` that reproduces ``labels``: the
    fewest labels written, then the shortest ``first``. A plain list (the
    schema's shorthand for ``{repeat: [...]}``) when ``first`` is empty. With
    no shorter cycle the whole list is the repeat, so this always succeeds."""
    n = len(labels)
    periods = _suffix_periods(labels)
    _, prefix = min((prefix + periods[n - prefix], prefix) for prefix in range(n))
    period = periods[n - prefix]
    repeat = labels[prefix : prefix + period]
    return {"first": labels[:prefix], "repeat": repeat} if prefix else repeat


def _suffix_periods(labels: list[str]) -> list[int]:
    """``periods[m]``: the shortest cycle that repeats through the last ``m``
    labels (it may stop part-way). A period of a sequence is one of its
    reverse, and the reversed suffixes are the prefixes of the reversed list,
    whose shortest periods the KMP failure function gives all at once: O(n)
    where trying every prefix and period was O(n³) (minutes at 10,000 layers)."""
    reverse = labels[::-1]
    border = [0] * len(reverse)  # border[i]: longest proper prefix of reverse[:i+1] that is also its suffix
    for i in range(1, len(reverse)):
        k = border[i - 1]
        while k and reverse[i] != reverse[k]:
            k = border[k - 1]
        border[i] = k + (reverse[i] == reverse[k])
    return [0] + [m - border[m - 1] for m in range(1, len(reverse) + 1)]


def expand(pattern: LayerPattern | None, num_layers: int, default: str) -> list[str]:
    if pattern is None:
        return [default] * num_layers
    return [pattern.label(i) for i in range(num_layers)]


def optional(labels: list[str], plain: str) -> dict | list[str] | None:
    """``None`` when every layer is ``plain`` (the field's default), else the pattern."""
    return None if all(label == plain for label in labels) else compress(labels)
