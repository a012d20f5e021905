"""Look at a figure through a second renderer, rsvg-convert (librsvg, with
Pango's font choice), and find where each label's ink really lands
(import as ``from rsvg import ...``).

Labels are rendered a few at a time, each batch holding only labels far
apart, on a transparent canvas; the ink found around a label's own place is
that label's. A label whose ink leaves the box its layout reserved, or
meets another label's ink, would collide in this renderer.
"""

from __future__ import annotations

import io
import shutil
import subprocess
import xml.etree.ElementTree as ET
from dataclasses import dataclass

import pytest
from chromium import IN_CI

from archcmp.render.svg import Box, text_box

SVG_NS = "http://www.w3.org/2000/svg"


def require_rsvg() -> str:
    path = shutil.which("rsvg-convert")
    problem = None if path else "no rsvg-convert on PATH (apt-get install librsvg2-bin)"
    try:
        import PIL  # noqa: F401
    except ImportError:
        problem = "Pillow is not installed (pip install -e '.[test]')"
    if problem:
        if IN_CI:
            pytest.fail(f"CI needs the second-renderer checks: {problem}", pytrace=False)
        pytest.skip(problem)
    return path


@dataclass(frozen=True)
class Ink:
    text: str
    reserved: Box  # what the layout reserved for it
    ink: Box | None  # where rsvg drew it; None if it drew nothing


def _labels(root: ET.Element) -> list[tuple[ET.Element, Box]]:
    found = []
    for element in root.iter(f"{{{SVG_NS}}}text"):
        a = element.attrib
        box = text_box(float(a["x"]), float(a["y"]), element.text or "", float(a["font-size"]),
                       a.get("text-anchor", "start"), a.get("font-weight") == "bold")
        found.append((element, box))
    return found


def _grown(box: Box, size: float) -> Box:
    return Box(box.x - size, box.y - size / 2, box.w + 2 * size, box.h + size)


def _batches(labels: list[tuple[ET.Element, Box]]) -> list[list[tuple[ET.Element, Box]]]:
    batches: list[list] = []
    for element, box in labels:
        size = float(element.attrib["font-size"])
        area = _grown(box, size)
        for batch in batches:
            if not any(area.overlaps(_grown(other, float(e.attrib["font-size"]))) for e, other in batch):
                batch.append((element, box))
                break
        else:
            batches.append([(element, box)])
    return batches


def inks(svg: str, font: str | None = None) -> list[Ink]:
    """Every label of ``svg`` with its reserved box and its ink as rsvg draws
    it; ``font`` replaces the figure's font stack (e.g. the widest font)."""
    from PIL import Image

    root = ET.fromstring(svg)
    width, height = float(root.attrib["width"]), float(root.attrib["height"])
    zoom = 2 if width * height < 1e6 else 1  # rsvg-convert spends its time on pixels
    found = []
    for batch in _batches(_labels(root)):
        alone = ET.Element(root.tag, {k: v for k, v in root.attrib.items()})
        if font:
            alone.set("font-family", font)
        for element, _ in batch:
            alone.append(element)
        png = subprocess.run([require_rsvg(), "-z", str(zoom), "-f", "png"], input=ET.tostring(alone),
                             capture_output=True, check=True).stdout
        alpha = Image.open(io.BytesIO(png)).getchannel("A")
        for element, box in batch:
            area = _grown(box, float(element.attrib["font-size"]))
            crop = tuple(round(v * zoom) for v in (max(area.x, 0), max(area.y, 0),
                                                   min(area.right, width), min(area.bottom, height)))
            bbox = alpha.crop(crop).getbbox()
            ink = None if bbox is None else Box(crop[0] / zoom + bbox[0] / zoom, crop[1] / zoom + bbox[1] / zoom,
                                                (bbox[2] - bbox[0]) / zoom, (bbox[3] - bbox[1]) / zoom)
            found.append(Ink(element.text or "", box, ink))
    return found


def ink_problems(svg: str, font: str | None = None, slack: float = 1.0) -> list[str]:
    problems = []
    labels = inks(svg, font)
    for label in labels:
        if label.ink is None:
            if label.text.strip():
                problems.append(f"{label.text!r}: rsvg drew nothing (no font?)")
            continue
        r, i = label.reserved, label.ink
        if i.x < r.x - slack or i.right > r.right + slack or i.y < r.y - slack or i.bottom > r.bottom + slack:
            problems.append(f"{label.text!r}: ink {i} leaves its reserved box {r}")
    drawn = [label for label in labels if label.ink]
    for n, a in enumerate(drawn):
        for b in drawn[n + 1:]:
            if a.ink.overlaps(b.ink):
                problems.append(f"{a.text!r} and {b.text!r} overlap in rsvg")
    return problems
