"""Lay towers out side by side and draw them: data flows upward from the
token ids through the embedding, the folded blocks (residual branches on
the left, ``×N`` on the right) and the final norm to the output layer;
each tower's headline figures sit beneath it, on one line for all.

One box width for every box of every tower (the widest label's bound plus
padding), so towers compare at one scale; towers stand on one baseline.
"""

from __future__ import annotations

from archcmp.render.fontbound import MARGIN as MARGIN_OF_BOUND
from archcmp.render.fontbound import text_width
from archcmp.render.svg import INK, MUTED, Canvas
from archcmp.render.tower_model import Group, Label, Part, Stretch, Sublayer, Tower

TITLE, LINE, PITCH = 12.5, 11, 15
PAD_X, PAD_TOP = 10, 7
NORM_H, GAP, ADD, BRANCH = 24, 16, 22, 10
LANE, INSET, MARGIN = 14, 28, 10
BADGE_SIZE = 15
COLOURS = {  # fill, stroke
    "embedding": ("#fde2c4", "#c98a45"),
    "norm": ("#eceef1", "#9aa3ad"),
    "mixer": ("#d6e6f7", "#4a7ab0"),
    "local": ("#e4dcf5", "#7a5fb0"),
    "linear": ("#d8f0ee", "#3f9a92"),  # a linear-attention or Mamba layer: a fixed state, no KV cache
    "ffn": ("#dcefd6", "#5b9a4a"),
    "moe": ("#fff0c2", "#c29a2a"),
    "extra": ("#f1f1f1", "#9aa3ad"),
    "head": ("#f7d9d9", "#c06060"),
}
MARK = "#fff0a8"
EXPERT_ROW, SQUARE_STEP, MAX_SQUARES = 14, 12, 16


class TowerLayout:
    def __init__(self, towers: list[Tower]) -> None:
        self.towers = towers
        labels = [label for t in towers for label in t.labels()]
        widest = max(text_width(label.text, TITLE if label.key.endswith("title") else LINE, True)
                     for label in labels)
        self.part_w = max(240.0, widest + 2 * PAD_X)
        self.badge_w = text_width("×888", BADGE_SIZE, True) + 6
        self.width = MARGIN + LANE + INSET + self.part_w + MARGIN + 8 + self.badge_w + MARGIN + 8 + self.badge_w
        shared = set.intersection(*({(lb.key, lb.text) for lb in t.labels()} for t in towers))
        self.marked = (lambda label: (label.key, label.text) not in shared) if len(towers) > 1 else (lambda _: False)

    def centre(self, x: float) -> float:
        """The x of the column of boxes of a tower drawn from ``x``."""
        return x + MARGIN + LANE + INSET + self.part_w / 2

    # heights ------------------------------------------------------------
    @staticmethod
    def part_h(part: Part) -> float:
        strip = EXPERT_ROW if part.experts else 0
        return NORM_H if not part.lines else PAD_TOP + 17 + PITCH * len(part.lines) + 6 + strip

    def sublayer_h(self, sub: Sublayer) -> float:
        return (sum(self.part_h(p) for p in sub.parts) + GAP * (len(sub.parts) - 1)
                + (ADD if sub.residual else GAP) + BRANCH)

    def stretch_h(self, stretch: Stretch, header: bool) -> float:
        return (20 if header else 8) + sum(self.sublayer_h(s) for s in stretch.block.sublayers) + 4

    def group_h(self, group: Group) -> float:
        if len(group.stretches) == 1 and group.repeats == 1:
            return self.stretch_h(group.stretches[0], True)
        return 26 + sum(self.stretch_h(s, False) for s in group.stretches) + GAP * (len(group.stretches) - 1) + 8

    def tower_h(self, tower: Tower) -> float:
        parts = [*tower.below, *tower.above]
        return (24 + sum(self.part_h(p) for p in parts) + GAP * (len(parts) + len(tower.groups))
                + sum(self.group_h(g) for g in tower.groups) + 30)

    # drawing ------------------------------------------------------------
    def draw(self, canvas: Canvas, tower: Tower, x: float, bottom: float) -> None:
        self.x, self.cx = x, self.centre(x)
        self.canvas = canvas
        y = bottom - self.tower_h(tower)
        canvas.open("tower", model=tower.model)
        canvas.line(self.cx, y + 16, self.cx, bottom - 18, MUTED, 1.4)
        canvas.text(self.cx, y + 12, "next-token logits", LINE, "middle", fill=MUTED)
        y += 24
        canvas.arrow_up(self.cx, y, y - 7)
        for part in reversed(tower.above):
            y = self.part(part, y) + GAP
        for group in reversed(tower.groups):
            y = self.group(group, y) + GAP
        for part in reversed(tower.below):
            y = self.part(part, y) + GAP
        canvas.text(self.cx, bottom - 4, "token ids", LINE, "middle", fill=MUTED)
        canvas.close()

    def part(self, part: Part, y: float) -> float:
        """One box with its top at ``y``; returns its bottom."""
        fill, stroke = COLOURS[part.role]
        left, h = self.cx - self.part_w / 2, self.part_h(part)
        self.canvas.open(f"part {part.role}")
        self.canvas.rect(left, y, self.part_w, h, fill, stroke, rx=5, stroke_width=1.2)
        if not part.lines:
            self._label(part.title, y + 16.5, TITLE, True)
        else:
            self._label(part.title, y + PAD_TOP + 12, TITLE, True)
            for i, label in enumerate(part.lines):
                self._label(label, y + PAD_TOP + 12 + PITCH * (i + 1), LINE, False)
        if part.experts:
            self._experts(*part.experts, y + h - EXPERT_ROW - 3)
        self.canvas.close()
        self.canvas.arrow_up(self.cx, y + h + GAP - 1, y + h)
        return y + h

    def _experts(self, routed: int, active: int, shared: int, y: float) -> None:
        """The write-ups' strip of experts: shared ones first (always used),
        then routed ones, the first ``active`` dark; past ``MAX_SQUARES`` the
        row is cut with three dots (the labels above give the numbers)."""
        shown = min(routed, MAX_SQUARES)
        cut = routed > MAX_SQUARES
        count = min(shared, 4) + shown + (2 if cut else 0) + (1 if shared else 0)
        x = self.cx - (count * SQUARE_STEP - 3) / 2
        stroke = COLOURS["moe"][1]
        for _ in range(min(shared, 4)):
            self.canvas.rect(x, y, 9, 9, "#8a6d1a", rx=1.5, cls="expert shared")
            x += SQUARE_STEP
        x += SQUARE_STEP if shared else 0
        for i in range(shown):
            if cut and i == shown - 1:
                for dot in range(3):
                    self.canvas.rect(x + 2 + dot * 6, y + 4, 2.5, 2.5, stroke)
                x += 2 * SQUARE_STEP
            used = i < active if not (cut and i == shown - 1) else active >= routed
            self.canvas.rect(x, y, 9, 9, "#c29a2a" if used else "#ffffff", stroke, rx=1.5,
                             cls="expert active" if used else "expert")
            x += SQUARE_STEP

    def _label(self, label: Label, baseline: float, size: float, bold: bool) -> None:
        if self.marked(label):
            width = text_width(label.text, size, bold) / MARGIN_OF_BOUND  # the widest font's own width
            self.canvas.rect(self.cx - width / 2 - 3, baseline - 0.95 * size - 1, width + 6, 1.2 * size + 2,
                             MARK, rx=3, cls="differs")
        self.canvas.text(self.cx, baseline, label.text, size, "middle", bold=bold, fill=INK)

    def group(self, group: Group, y: float) -> float:
        if len(group.stretches) == 1 and group.repeats == 1:
            return self.stretch(group.stretches[0], y, header=True)
        height, left = self.group_h(group), self.x + MARGIN / 2
        right = self.x + self.width - self.badge_w - 14
        self.canvas.rect(left, y, right - left, height, "none", "#8c959f", rx=8, dash="5 4", cls="group")
        last = group.first + group.num_layers - 1
        cycle = sum(s.count for s in group.stretches)
        self.canvas.text(left + 8, y + 16, f"layers {group.first}–{last} = {group.repeats} × this cycle of {cycle}",
                         LINE, fill=MUTED, backdrop="#ffffff")
        self._badge(f"×{group.repeats}", right + 8, y + height / 2)
        top = y + 26
        for stretch in reversed(group.stretches):
            top = self.stretch(stretch, top, header=False) + GAP
        return y + height

    def stretch(self, stretch: Stretch, y: float, header: bool) -> float:
        height = self.stretch_h(stretch, header)
        left = self.x + MARGIN
        right = self.cx + self.part_w / 2 + 12
        self.canvas.open("stretch", layers=f"{stretch.first}-{stretch.first + stretch.count - 1}")
        self.canvas.rect(left, y, right - left, height, "#f6f8fa", "#c9ced6", rx=6)
        if header:
            last = stretch.first + stretch.count - 1
            span = f"layer {last}" if stretch.count == 1 else f"layers {stretch.first}–{last}"
            self.canvas.text(left + 8, y + 14, span, LINE, fill=MUTED, backdrop="#f6f8fa")
        if stretch.count > 1 or header:
            self._badge(f"×{stretch.count}", right + 8, y + height / 2)
        top = y + (20 if header else 8)
        self.canvas.line(self.cx, y, self.cx, y + height, MUTED, 1.4)
        for sub in reversed(stretch.block.sublayers):
            top = self.sublayer(sub, top)
        self.canvas.close()
        return y + height

    def sublayer(self, sub: Sublayer, y: float) -> float:
        """Top down: the ⊕ where the residual comes back, the boxes, the branch point."""
        bottom = y + self.sublayer_h(sub)
        top = y + (ADD if sub.residual else GAP)
        if sub.residual:
            lane, plus = self.x + MARGIN + LANE, y + ADD / 2 - 2
            branch = bottom - BRANCH / 2
            self.canvas.polyline([(self.cx, branch), (lane, branch), (lane, plus), (self.cx - 7, plus)], MUTED, 1.2)
            plus_sign(self.canvas, self.cx, plus)
        for part in reversed(sub.parts):
            top = self.part(part, top) + GAP
        return bottom

    def _badge(self, text: str, x: float, middle: float) -> None:
        self.canvas.text(x, middle + 5, text, BADGE_SIZE, bold=True, fill=INK, cls="count")


def plus_sign(canvas: Canvas, x: float, y: float) -> None:
    """⊕ drawn with lines: a glyph would depend on the font (and is missing from some)."""
    canvas.rect(x - 7, y - 7, 14, 14, "#ffffff", MUTED, rx=7, stroke_width=1.2)
    canvas.line(x - 4, y, x + 4, y, INK, 1.3)
    canvas.line(x, y - 4, x, y + 4, INK, 1.3)
