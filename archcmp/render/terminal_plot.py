"""The plots in a terminal: lines in braille dots (2 × 4 per character),
bars in block characters, axes labelled exactly as in the SVG plots.

Written here rather than taken from a terminal-plot library because the
axes must say ``8 GiB`` and ``128k`` (powers of two, exactly), which the
libraries' decimal tick labels cannot.
"""

from __future__ import annotations

import math
from itertools import pairwise

from rich.text import Text

from archcmp.analysis.params import COMPONENTS
from archcmp.render import chart
from archcmp.render.bars import FILLS
from archcmp.render.cells import value_text
from archcmp.units import format_bytes, format_context, format_flops

HEIGHT = 18  # rows of the plot area
_DOTS = ((0x01, 0x08), (0x02, 0x10), (0x04, 0x20), (0x40, 0x80))  # braille bit of (row, column) in a cell


def terminal_plot(what: str, data, width: int = 100) -> Text:
    if what == "params":
        return _bars(data, width)
    if what == "kvcache":
        lines = [(r[-1].model, [(x.context, x.kv_bytes) for x in r], False) for r in data]
        lines += [(f"{r[-1].model} MHA equivalent", [(x.context, x.mha_equivalent_bytes) for x in r], True)
                  for r in data]
        notes = [f"{r[-1].model}: {format_bytes(r[-1].kv_bytes)} at {format_context(r[-1].context)}, "
                 f"MHA equivalent {format_bytes(r[-1].mha_equivalent_bytes)}" for r in data]
        title = f"KV cache against context ({data[0][0].dtype}, batch {data[0][0].batch}); dotted: MHA equivalent"
        return _lines(title, lines, "bytes", width, notes, len(data))
    lines = [(f"{r[-1].model} prefill", [(x.context, x.prefill_flops_per_token) for x in r], False) for r in data]
    lines += [(f"{r[-1].model} decode", [(x.context, x.decode.total) for x in r], True) for r in data]
    notes = [f"{r[-1].model}: prefill {format_flops(r[-1].prefill_flops_per_token)} per token, decode "
             f"{format_flops(r[-1].decode.total)} at {format_context(r[-1].context)}" for r in data]
    return _lines("FLOPs per token against context; solid: prefill, dotted: decode", lines, "flops",
                  width, notes, len(data))


def _lines(title: str, lines, kind: str, width: int, notes: list[str], models: int) -> Text:
    base = 2 if kind == "bytes" else 10
    low_y, high_y = chart.padded_range([y for _, points, _ in lines for _, y in points], base)
    exponents = chart.power_ticks(low_y, high_y, base, 6)
    label = chart.power_of_two_bytes if kind == "bytes" else chart.decade_flops
    ticks = {e: label(e) for e in exponents}
    margin = max(len(t) for t in ticks.values()) + 1
    columns = max(20, min(width, 120) - margin - 1)
    low_x, high_x = lines[0][1][0][0], lines[0][1][-1][0]
    x_axis = chart.LogAxis(low_x, high_x, 0, columns * 2 - 1)
    y_axis = chart.LogAxis(low_y, high_y, HEIGHT * 4 - 1, 0)
    cells: dict[tuple[int, int], list] = {}
    for i, (_, points, dotted) in enumerate(lines):
        dots = [(round(x_axis(x)), round(y_axis(y))) for x, y in points]
        for step, (dx, dy) in enumerate(_segments(dots)):
            if dotted and step % 4 >= 2:
                continue
            cell = cells.setdefault((dy // 4, dx // 2), [0, i % models])
            cell[0] |= _DOTS[dy % 4][dx % 2]
            cell[1] = i % models
    out = Text(title + "\n", style="bold")
    tick_rows = {round(y_axis(base**e)) // 4: text for e, text in ticks.items()}
    for row in range(HEIGHT):
        out.append(tick_rows.get(row, "").rjust(margin) + "┤" if row in tick_rows else " " * margin + "│")
        for column in range(columns):
            bits, series = cells.get((row, column), (0, 0))
            out.append(chr(0x2800 + bits) if bits else " ", style=chart.colour(series) if bits else None)
        out.append("\n")
    out.append(" " * margin + "└" + "─" * columns + "\n")
    out.append(_x_labels(low_x, high_x, columns, margin) + "\n")
    out.append(" " * margin + "context (tokens; k = 1024), log scales\n")
    for i, note in enumerate(notes):
        out.append("━━ ", style=chart.colour(i))
        out.append(note + "\n")
    return out


def _segments(dots: list[tuple[int, int]]):
    """Every dot on the straight segments between consecutive points."""
    yield dots[0]
    for (x0, y0), (x1, y1) in pairwise(dots):
        steps = max(abs(x1 - x0), abs(y1 - y0), 1)
        for k in range(1, steps + 1):
            yield round(x0 + (x1 - x0) * k / steps), round(y0 + (y1 - y0) * k / steps)


def _x_labels(low: int, high: int, columns: int, margin: int) -> str:
    line = [" "] * (columns + 8)
    axis = chart.LogAxis(low, high, 0, columns - 1)
    free = 0
    for exponent in range(math.ceil(math.log2(low)), math.floor(math.log2(high)) + 1):
        text = format_context(2**exponent)
        start = max(0, round(axis(2**exponent)) - len(text) // 2)
        if start >= free:
            line[start:start + len(text)] = text
            free = start + len(text) + 2
    return " " * (margin + 1) + "".join(line).rstrip()


def _bars(results, width: int) -> Text:
    values = [value_text(n, "params") for r in results for n in (r.total_params, r.active_params)]
    label = max(len(r.model) for r in results) + 8
    span = max(10, min(width, 120) - label - max(len(v) for v in values) - 2)
    scale = span / max(r.total_params for r in results)
    out = Text("Parameters by component: total and active per token, one scale\n", style="bold")
    for result in results:
        for kind, parts, total in (("total", result.components, result.total_params),
                                   ("active", result.active_components, result.active_params)):
            out.append(f"{result.model if kind == 'total' else '':<{label - 7}} {kind:>6} ")
            used = 0
            for name in COMPONENTS:
                cells = round((used + parts.get(name, 0)) * scale) - round(used * scale)
                out.append("█" * cells, style=FILLS[name][0])
                used += parts.get(name, 0)
            out.append(" " + value_text(total, "params") + "\n")
    for name in COMPONENTS:
        out.append("█ ", style=FILLS[name][0])
        out.append(name + "  ")
    return out.append("\n")
