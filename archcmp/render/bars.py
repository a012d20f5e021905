"""Parameters as horizontal stacked bars: per model, total above active,
split by component, every bar on one scale and its exact count beside it."""

from __future__ import annotations

from archcmp.analysis.params import COMPONENTS, ParamsResult
from archcmp.render import chart
from archcmp.render.cells import value_text
from archcmp.render.fontbound import text_width
from archcmp.render.svg import INK, MUTED, Canvas
from archcmp.units import format_params

WIDTH = 920
BAR = 20
# fill, label colour: experts dark (they dominate MoE bars), the rest light.
FILLS = {
    "embedding": ("#f2b880", INK),
    "attention": ("#6a9fd4", INK),
    "dense_mlp": ("#8fcf9a", INK),
    "routed_experts": ("#2e7d4f", "#ffffff"),
    "shared_experts": ("#b9e0b2", INK),
    "router": ("#c9a0dc", INK),
    "norms": ("#9aa3ad", INK),
    "lm_head": ("#d98e63", INK),
    "other": ("#e8d06b", INK),
}
LABEL_SIZE = 11


def render_bars(results: list[ParamsResult]) -> str:
    canvas = Canvas(WIDTH)
    y = chart.header(canvas, 20, "Parameters by component", [
        ("Total beside active per token: routed experts as experts_per_token of num_experts, everything else "
         "in full;"),
        "a tied output head counts once, in embedding. One scale for every bar; exact counts at the right."])
    y = _legend(canvas, 20, y + 4)
    rows = [(r, "total", r.components, r.total_params) for r in results]
    values = [value_text(n, "params") for r in results for n in (r.total_params, r.active_params)]
    left = 20 + text_width("active", LABEL_SIZE + 1) + 12
    right = WIDTH - 24 - max(text_width(v, LABEL_SIZE + 1) for v in values) - 10
    high = max(r.total_params for r, *_ in rows)
    step = chart.nice_step(high)
    top_of_axis = -(-high // step) * step
    scale = (right - left) / top_of_axis
    ticks = [(k * step, chart.round_params(k * step) if k else "0") for k in range(top_of_axis // step + 1)]
    axis_y = y + 26
    body_top = axis_y + 10
    body_bottom = body_top + len(results) * (3 * BAR + 34)
    for value, label in ticks:
        x = left + value * scale
        canvas.line(x, body_top - 4, x, body_bottom, chart.GRID)
        canvas.text(x, axis_y, label, chart.TICK_SIZE, "middle" if value else "start", fill=MUTED)
    y = body_top
    for result in results:
        y += 18
        canvas.text(20, y, result.model, 13, bold=True)
        y += 8
        _bar(canvas, "total", result.components, result.total_params, left, y, scale, result.model)
        y += BAR + 6
        _bar(canvas, "active", result.active_components, result.active_params, left, y, scale, result.model)
        y += BAR + 14
    canvas.height = y + 16
    return canvas.svg("Parameters by component: " + ", ".join(r.model for r in results))


def _legend(canvas: Canvas, x: float, y: float) -> float:
    """Swatches with component names, wrapped to the canvas width."""
    left, y = x, y + 14
    for name in COMPONENTS:
        width = 18 + text_width(name, LABEL_SIZE)
        if left + width > canvas.width - 20:
            left, y = x, y + 18
        canvas.rect(left, y - 10, 12, 12, fill=FILLS[name][0])
        canvas.text(left + 16, y, name, LABEL_SIZE)
        left += width + 16
    return y


def _bar(canvas: Canvas, label: str, parts: dict[str, int], total: int, left: float, y: float,
         scale: float, model: str) -> None:
    canvas.text(left - 10, y + 14, label, LABEL_SIZE + 1, "end", fill=MUTED)
    canvas.open("bar", model=model, kind=label, total=str(total))
    x = left
    for name in COMPONENTS:
        width = parts.get(name, 0) * scale
        if width <= 0:
            continue
        fill, ink = FILLS[name]
        canvas.rect(x, y, width, BAR, fill=fill, cls=f"part {name}")
        short = format_params(parts[name])
        for text in (f"{name} {short}", short):
            if text_width(text, LABEL_SIZE) + 8 <= width:
                canvas.text(x + width / 2, y + 14, text, LABEL_SIZE, "middle", fill=ink)
                break
        x += width
    canvas.close()
    canvas.text(x + 8, y + 14, value_text(total, "params"), LABEL_SIZE + 1)
