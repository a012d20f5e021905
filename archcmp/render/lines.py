"""A log–log line chart with a legend beneath it, as the write-ups draw KV
cache and FLOPs against context: one colour per model, the line style says
which quantity (solid, dashed)."""

from __future__ import annotations

from dataclasses import dataclass, field

from archcmp.record import record
from archcmp.render import chart
from archcmp.render.fontbound import text_width
from archcmp.render.svg import INK, MUTED, Canvas

WIDTH = 920
PLOT_HEIGHT = 380
LEGEND_SIZE = 12
LEGEND_ROW = 20


@record
class Line:
    points: list[tuple[float, float]]  # (context, value), both > 0
    colour: str
    dash: str | None = None
    markers: bool = False
    name: str = ""  # for the svg's readers (class / data attributes)
    rings: tuple[tuple[float, float], ...] = ()  # points to circle (a model's max context)  # for the svg's readers (class / data attributes)


@record
class LegendCell:
    text: str
    colour: str | None = None  # a line sample before the text
    dash: str | None = None
    bold: bool = False


@dataclass
class LineChart:
    title: str
    subtitle: list[str]
    y_title: str
    x_title: str
    y_kind: str  # "bytes" (ticks at powers of two) or "flops" (decades)
    lines: list[Line] = field(default_factory=list)
    legend: list[list[LegendCell]] = field(default_factory=list)
    x_range: tuple[int, int] | None = None


def _y_ticks(chart_: LineChart, low: float, high: float) -> list[tuple[float, str]]:
    if chart_.y_kind == "bytes":
        return [(2.0**e, chart.power_of_two_bytes(e)) for e in chart.power_ticks(low, high, 2, 9)]
    return [(10.0**e, chart.decade_flops(e)) for e in chart.power_ticks(low, high, 10, 9)]


def _y_range(chart_: LineChart) -> tuple[float, float]:
    values = [y for line in chart_.lines for _, y in line.points]
    return chart.padded_range(values, 2 if chart_.y_kind == "bytes" else 10)


def render_line_chart(spec: LineChart) -> str:
    x_low, x_high = spec.x_range or (min(x for line in spec.lines for x, _ in line.points),
                                     max(x for line in spec.lines for x, _ in line.points))
    y_low, y_high = _y_range(spec)
    y_ticks = _y_ticks(spec, y_low, y_high)
    left = 24 + max(chart.text_width(label, chart.TICK_SIZE) for _, label in y_ticks)
    right = WIDTH - 28
    canvas = Canvas(WIDTH)
    top = chart.header(canvas, 20, spec.title, spec.subtitle)
    canvas.text(left, top + 6, spec.y_title, 12, fill=INK, bold=True)
    plot_top, plot_bottom = top + 22, top + 22 + PLOT_HEIGHT
    x_axis = chart.LogAxis(x_low, x_high, left, right)
    y_axis = chart.LogAxis(y_low, y_high, plot_bottom, plot_top)
    chart.y_axis(canvas, y_axis, y_ticks, left, right)
    chart.x_axis(canvas, x_axis, chart.context_ticks(x_low, x_high, left, right), plot_top, plot_bottom)
    canvas.rect(left, plot_top, right - left, plot_bottom - plot_top, stroke="#8c959f")
    for line in spec.lines:
        _draw_line(canvas, line, x_axis, y_axis)
    canvas.text((left + right) / 2, plot_bottom + 42, spec.x_title, 12, "middle", fill=MUTED)
    canvas.height = _legend(canvas, spec.legend, 20, plot_bottom + 66) + 16
    return canvas.svg(spec.title)


def _draw_line(canvas: Canvas, line: Line, x_axis: chart.LogAxis, y_axis: chart.LogAxis) -> None:
    points = [(x_axis(x), y_axis(y)) for x, y in line.points]
    canvas.open("series", name=line.name)
    canvas.polyline(points, line.colour, 2.5 if line.dash is None else 2, line.dash)
    if line.markers:
        for x, y in points:
            canvas.rect(x - 2.5, y - 2.5, 5, 5, fill=line.colour)
    for x, y in line.rings:
        canvas.rect(x_axis(x) - 6, y_axis(y) - 6, 12, 12, "#ffffff", line.colour, rx=6, stroke_width=2.5,
                    cls="ring")
    canvas.close()


def _legend(canvas: Canvas, rows: list[list[LegendCell]], x: float, y: float) -> float:
    """Rows of cells in columns as wide as their widest cell; returns the bottom."""
    columns = max((len(row) for row in rows), default=0)
    widths = [max((_cell_width(row[c]) for row in rows if c < len(row)), default=0) for c in range(columns)]
    for row in rows:
        y += LEGEND_ROW
        left = x
        for cell, width in zip(row, widths):
            text_x = left
            if cell.colour:
                chart.line_sample(canvas, left, y, cell.colour, cell.dash)
                text_x = left + 34
            canvas.text(text_x, y, cell.text, LEGEND_SIZE, bold=cell.bold)
            left += width + 22
    if x + sum(widths) + 22 * max(columns - 1, 0) > canvas.width:
        canvas.width = x + sum(widths) + 22 * max(columns - 1, 0) + 20
    return y + 8


def _cell_width(cell: LegendCell) -> float:
    return (34 if cell.colour else 0) + text_width(cell.text, LEGEND_SIZE, cell.bold)
