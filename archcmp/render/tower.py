"""``archcmp draw``: models as towers of blocks, side by side at one scale,
with what differs between them marked and the headline figures beneath."""

from __future__ import annotations

from archcmp.analysis.kvcache import KVCacheResult
from archcmp.analysis.params import ParamsResult
from archcmp.render.fontbound import text_width
from archcmp.render.svg import MUTED, Canvas
from archcmp.render.tower_labels import tower
from archcmp.render.tower_model import Tower
from archcmp.render.tower_svg import MARK, TowerLayout, plus_sign
from archcmp.schema import ModelSpec

SIDE = 24  # margin left and right of the figure
SPACING = 36  # between towers
CAPTION_PITCH = 17


def draw_towers(specs: list[ModelSpec], headlines: list[tuple[ParamsResult, KVCacheResult]]) -> str:
    return render_towers([tower(spec, params, kv) for spec, (params, kv) in zip(specs, headlines)])


def render_towers(towers: list[Tower]) -> str:
    layout = TowerLayout(towers)
    width = 2 * SIDE + len(towers) * layout.width + (len(towers) - 1) * SPACING
    title_width = 2 * SIDE + text_width(_title(towers), 17, bold=True)  # a long id and name need the room
    canvas = Canvas(max(width, title_width))
    top = _header(canvas, towers, layout)
    bottom = top + max(layout.tower_h(t) for t in towers)
    caption_lines = max(len(t.caption) for t in towers)
    for i, item in enumerate(towers):
        x = SIDE + i * (layout.width + SPACING)
        layout.draw(canvas, item, x, bottom)
        _caption(canvas, item, layout.centre(x), bottom + 30)  # under the boxes, not the badges
    canvas.height = bottom + 30 + CAPTION_PITCH * (caption_lines + 1) + 20
    return canvas.svg("Architecture: " + " vs ".join(t.model for t in towers))


def _title(towers: list[Tower]) -> str:
    return " vs ".join(t.model for t in towers) if len(towers) > 1 else f"{towers[0].model}: {towers[0].name}"


def _header(canvas: Canvas, towers: list[Tower], layout: TowerLayout) -> float:
    canvas.text(SIDE, 28, _title(towers), 17, bold=True)
    box = canvas.text(SIDE, 48, "Data flows upward;", 11.5, fill=MUTED)
    plus_sign(canvas, box.right + 10, 44)
    canvas.text(box.right + 20, 48, "adds the residual branch back;", 11.5, fill=MUTED)
    canvas.text(SIDE, 66, "×N: the block repeats N times.", 11.5, fill=MUTED)
    if len(towers) > 1:
        canvas.rect(SIDE, 76, 26, 14, MARK, rx=3)
        canvas.text(SIDE + 32, 87, "a label not shared by every model drawn", 11.5, fill=MUTED)
        return 106
    return 86


def _caption(canvas: Canvas, item: Tower, middle: float, y: float) -> None:
    canvas.open("caption", model=item.model)
    canvas.text(middle, y, item.model, 15, "middle", bold=True)
    canvas.text(middle, y + CAPTION_PITCH, item.name, 11.5, "middle", fill=MUTED)
    for i, label in enumerate(item.caption, start=2):
        canvas.text(middle, y + CAPTION_PITCH * i, label.text, 11.5, "middle")
    canvas.close()
