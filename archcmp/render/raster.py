"""SVG to PNG with resvg (a self-contained wheel: no system Cairo, no browser).

Rendered at twice the SVG's size, so the picture stays sharp on high-density
screens and in slides; the background is the figure's own white rectangle.
"""

from __future__ import annotations

ZOOM = 2


def svg_to_png(svg: str) -> bytes:
    import resvg_py

    return bytes(resvg_py.svg_to_bytes(svg_string=svg, zoom=ZOOM))
