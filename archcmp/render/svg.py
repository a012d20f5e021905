"""A minimal SVG canvas that refuses to let two pieces of text overlap.

Every text element reserves the box its widest possible rendering could
cover (:mod:`archcmp.render.fontbound`), anchored where the text is
anchored; :meth:`Canvas.svg` fails if two reserved boxes intersect. So a
figure that renders at all has no label on top of another in any renderer
whose font is no wider than the bound. Plain strings, no library: the
figures use a handful of elements, and owning them keeps the output small,
script-free and identical across platforms.
"""

from __future__ import annotations

from html import escape

from archcmp.record import record
from archcmp.render.fontbound import ASCENT, DESCENT, FONT_STACK, text_width

INK = "#1f2328"
MUTED = "#57606a"


class LayoutError(AssertionError):
    """A figure's layout put two labels on top of each other: a bug in a renderer."""


@record
class Box:
    x: float
    y: float
    w: float
    h: float

    @property
    def right(self) -> float:
        return self.x + self.w

    @property
    def bottom(self) -> float:
        return self.y + self.h

    def overlaps(self, other: Box) -> bool:
        return (self.x < other.right and other.x < self.right
                and self.y < other.bottom and other.y < self.bottom)


def _n(value: float) -> str:
    return f"{value:.1f}".rstrip("0").rstrip(".")


def text_box(x: float, y: float, text: str, size: float, anchor: str = "start", bold: bool = False) -> Box:
    """The box ``text`` may cover with its baseline at ``y``, anchored at ``x``."""
    width = text_width(text, size, bold)
    left = {"start": x, "middle": x - width / 2, "end": x - width}[anchor]
    return Box(left, y - ASCENT * size, width, (ASCENT + DESCENT) * size)


class Canvas:
    def __init__(self, width: float, height: float = 0) -> None:
        self.width, self.height = width, height
        self._parts: list[str] = []
        self._texts: list[tuple[Box, str]] = []

    def rect(self, x: float, y: float, w: float, h: float, fill: str = "none", stroke: str = "none",
             rx: float = 0, stroke_width: float = 1, dash: str | None = None, cls: str | None = None) -> None:
        attrs = f' rx="{_n(rx)}"' if rx else ""
        attrs += f' stroke="{stroke}" stroke-width="{_n(stroke_width)}"' if stroke != "none" else ""
        attrs += f' stroke-dasharray="{dash}"' if dash else ""
        attrs += f' class="{cls}"' if cls else ""
        self._parts.append(f'<rect x="{_n(x)}" y="{_n(y)}" width="{_n(w)}" height="{_n(h)}" '
                           f'fill="{fill}"{attrs}/>')

    def line(self, x1: float, y1: float, x2: float, y2: float, stroke: str = INK, width: float = 1,
             dash: str | None = None) -> None:
        extra = f' stroke-dasharray="{dash}"' if dash else ""
        self._parts.append(f'<line x1="{_n(x1)}" y1="{_n(y1)}" x2="{_n(x2)}" y2="{_n(y2)}" '
                           f'stroke="{stroke}" stroke-width="{_n(width)}"{extra}/>')

    def polyline(self, points: list[tuple[float, float]], stroke: str, width: float = 2,
                 dash: str | None = None, cls: str | None = None) -> None:
        coords = " ".join(f"{_n(x)},{_n(y)}" for x, y in points)
        extra = (f' stroke-dasharray="{dash}"' if dash else "") + (f' class="{cls}"' if cls else "")
        self._parts.append(f'<polyline points="{coords}" fill="none" stroke="{stroke}" '
                           f'stroke-width="{_n(width)}" stroke-linejoin="round"{extra}/>')

    def polygon(self, points: list[tuple[float, float]], fill: str) -> None:
        coords = " ".join(f"{_n(x)},{_n(y)}" for x, y in points)
        self._parts.append(f'<polygon points="{coords}" fill="{fill}"/>')

    def arrow_up(self, x: float, y_from: float, y_to: float, stroke: str = MUTED) -> None:
        """A vertical arrow pointing up, drawn without markers (no ids to
        clash when several figures share one HTML page)."""
        self.line(x, y_from, x, y_to + 5, stroke, 1.4)
        self.polygon([(x - 4, y_to + 6), (x + 4, y_to + 6), (x, y_to)], stroke)

    def text(self, x: float, y: float, text: str, size: float = 12, anchor: str = "start",
             bold: bool = False, fill: str = INK, cls: str | None = None, backdrop: str | None = None) -> Box:
        """``text`` with its baseline at ``y``; returns the box it reserves.
        ``backdrop``: a fill behind the text, to lift it off lines it crosses."""
        box = text_box(x, y, text, size, anchor, bold)
        if backdrop:
            self.rect(box.x - 2, box.y, box.w + 4, box.h, backdrop, rx=2)
        self._texts.append((box, text))
        attrs = f' text-anchor="{anchor}"' if anchor != "start" else ""
        attrs += ' font-weight="bold"' if bold else ""
        attrs += f' class="{cls}"' if cls else ""
        self._parts.append(f'<text x="{_n(x)}" y="{_n(y)}" font-size="{_n(size)}" fill="{fill}"{attrs}>'
                           f'{escape(text, quote=False)}</text>')
        return box

    def open(self, cls: str, **data: str) -> None:
        attrs = "".join(f' data-{k.replace("_", "-")}="{escape(v)}"' for k, v in data.items())
        self._parts.append(f'<g class="{cls}"{attrs}>')

    def close(self) -> None:
        self._parts.append("</g>")

    def check(self) -> None:
        """Raise :class:`LayoutError` if two reserved text boxes intersect or
        one leaves the canvas."""
        boxes = sorted(self._texts, key=lambda item: item[0].y)
        for i, (box, text) in enumerate(boxes):
            if box.x < 0 or box.y < 0 or box.right > self.width or box.bottom > self.height:
                raise LayoutError(f"text {text!r} leaves the {self.width}×{self.height} canvas at {box}")
            for other, other_text in boxes[i + 1:]:
                if other.y >= box.bottom:
                    break
                if box.overlaps(other):
                    raise LayoutError(f"texts {text!r} and {other_text!r} overlap")

    def svg(self, title: str) -> str:
        self.check()
        head = (f'<svg xmlns="http://www.w3.org/2000/svg" width="{_n(self.width)}" height="{_n(self.height)}" '
                f'viewBox="0 0 {_n(self.width)} {_n(self.height)}" font-family="{FONT_STACK}" role="img">')
        background = f'<rect width="{_n(self.width)}" height="{_n(self.height)}" fill="#ffffff"/>'
        return "\n".join([head, f"<title>{escape(title, quote=False)}</title>", background,
                          *self._parts, "</svg>"]) + "\n"
