"""Axes, ticks and legends shared by the plots: log scales in powers of two
for contexts and bytes, decades for FLOPs, round steps for parameter counts.

Tick labels are written exactly (``8 GiB`` is 2³³ bytes, ``128k`` is 131072
tokens), and a tick keeps its label only where the label's widest possible
rendering has room.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from itertools import pairwise

from archcmp.record import record
from archcmp.render.fontbound import text_width
from archcmp.render.svg import MUTED, Canvas
from archcmp.units import format_context

# Okabe & Ito's palette, distinguishable with the common colour-vision deficiencies.
PALETTE = ("#0072b2", "#d55e00", "#009e73", "#cc79a7", "#e69f00", "#56b4e9", "#000000", "#999933")
GRID = "#d8dee4"
TICK_SIZE = 11
_BYTE_UNITS = ("B", "KiB", "MiB", "GiB", "TiB", "PiB", "EiB")
_FLOP_UNITS = ("FLOP", "kFLOP", "MFLOP", "GFLOP", "TFLOP", "PFLOP", "EFLOP")


def colour(i: int) -> str:
    return PALETTE[i % len(PALETTE)]


def power_of_two_bytes(exponent: int) -> str:
    """2³³ → ``8 GiB``: exact, because ticks sit on powers of two."""
    unit = min(exponent // 10, len(_BYTE_UNITS) - 1)
    return f"{2 ** (exponent - 10 * unit):,} {_BYTE_UNITS[unit]}"


def decade_flops(exponent: int) -> str:
    """10¹¹ → ``100 GFLOP``."""
    unit = min(exponent // 3, len(_FLOP_UNITS) - 1)
    return f"{10 ** (exponent - 3 * unit):,} {_FLOP_UNITS[unit]}"


def round_params(value: int) -> str:
    """Axis labels for parameter counts: 200000000000 → ``200B``."""
    for suffix, scale in (("T", 10**12), ("B", 10**9), ("M", 10**6), ("K", 10**3)):
        if value >= scale:
            return f"{value / scale:g}{suffix}"
    return str(value)


@record
class LogAxis:
    """A logarithmic axis from ``low`` to ``high`` (data units) onto pixels
    ``start`` to ``end`` (``end`` < ``start`` for a y axis that grows upward)."""

    low: float
    high: float
    start: float
    end: float

    def __call__(self, value: float) -> float:
        span = math.log(self.high) - math.log(self.low)
        share = (math.log(value) - math.log(self.low)) / span if span else 0.5
        return self.start + share * (self.end - self.start)


def padded_range(values: list[float], base: int) -> tuple[float, float]:
    """The smallest ``base``-power interval that holds every value (at least one step wide)."""
    low = base ** math.floor(math.log(min(values), base) + 1e-9)
    high = base ** math.ceil(math.log(max(values), base) - 1e-9)
    return low, high if high > low else low * base


def power_ticks(low: float, high: float, base: int, max_ticks: int = 9) -> list[int]:
    """Exponents of ``base`` between low and high, thinned to at most ``max_ticks``."""
    first, last = math.ceil(math.log(low, base) - 1e-9), math.floor(math.log(high, base) + 1e-9)
    exponents = list(range(first, last + 1))
    step = 1
    while len(exponents[::step]) > max_ticks:
        step += 1
    return exponents[::step]


def context_ticks(low: int, high: int, start: float, end: float) -> list[tuple[int, str]]:
    """Powers of two within [low, high], as many as fit labelled side by side."""
    axis = LogAxis(low, high, start, end)
    exponents = power_ticks(low, high, 2, max_ticks=64)
    for step in range(1, len(exponents) + 1):
        picked = exponents[::step]
        labels = [(2**e, format_context(2**e)) for e in picked]
        room = [axis(b[0]) - axis(a[0]) for a, b in pairwise(labels)]
        widest = max(text_width(text, TICK_SIZE) for _, text in labels)
        if all(gap > widest + 8 for gap in room):
            return labels
    return labels[:1]


def nice_step(high: int, max_ticks: int = 7) -> int:
    """A 1, 2 or 5 × 10ᵏ step that divides [0, high] into at most ``max_ticks`` parts."""
    magnitude = 10 ** max(0, int(math.log10(max(high, 1))) - 1)
    while True:
        for factor in (1, 2, 5):
            if high / (factor * magnitude) <= max_ticks:
                return factor * magnitude
        magnitude *= 10


def y_axis(canvas: Canvas, axis: LogAxis, ticks: list[tuple[float, str]], left: float, right: float) -> None:
    for value, label in ticks:
        y = axis(value)
        canvas.line(left, y, right, y, GRID, 1)
        canvas.text(left - 6, y + 4, label, TICK_SIZE, "end", fill=MUTED)


def x_axis(canvas: Canvas, axis: LogAxis | Callable[[float], float], ticks: list[tuple[float, str]],
           top: float, bottom: float) -> None:
    for value, label in ticks:
        x = axis(value)
        canvas.line(x, top, x, bottom, GRID, 1)
        canvas.text(x, bottom + 20, label, TICK_SIZE, "middle", fill=MUTED)


def line_sample(canvas: Canvas, x: float, y: float, stroke: str, dash: str | None = None) -> None:
    """The short stroke in a legend that shows what a line looks like."""
    canvas.line(x, y - 4, x + 26, y - 4, stroke, 2.5, dash)


def header(canvas: Canvas, x: float, title: str, subtitle_lines: list[str]) -> float:
    """Title and subtitle at the top left; returns the y below them."""
    canvas.text(x, 26, title, 16, bold=True)
    y = 26
    for line in subtitle_lines:
        y += 17
        canvas.text(x, y, line, 11.5, fill=MUTED)
    return y + 14
