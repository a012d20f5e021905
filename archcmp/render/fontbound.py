"""An upper bound on how wide a line of text is in any font of our stack.

SVG renderers pick different fonts for the same ``font-family`` list (Chromium
may take Liberation Sans, rsvg-convert DejaVu Sans, a Mac Helvetica), and a
layout measured with one font's metrics collides in another. So text is laid
out by the widest advance any of them gives each character: the maximum of
DejaVu Sans (the widest common sans) and Liberation Sans (Arial's and
Helvetica's metrics), regular and bold, read from their ``hmtx`` tables with
fontTools, in thousandths of an em, rounded up; then ``MARGIN`` for kerning
differences and fonts we did not measure.
"""

from __future__ import annotations

# Outer quotes are single so the stack can sit inside a double-quoted attribute.
FONT_STACK = "Helvetica, Arial, 'Liberation Sans', 'DejaVu Sans', sans-serif"

# Vertical extent of a line relative to its baseline, in em: the largest
# hhea ascent/descent of the same fonts (DejaVu: 0.928 / 0.236).
ASCENT = 0.95
DESCENT = 0.25
MARGIN = 1.08

# Characters 32 (space) to 126 (~), in order.
_REGULAR = (
    318, 401, 460, 838, 637, 951, 780, 275, 391, 391, 500, 838, 318, 361, 318, 337, 637, 637, 637, 637,
    637, 637, 637, 637, 637, 637, 337, 337, 838, 838, 838, 557, 1016, 685, 687, 723, 771, 667, 611, 778,
    752, 295, 500, 667, 558, 863, 749, 788, 667, 788, 723, 667, 611, 732, 685, 989, 686, 667, 686, 391,
    337, 391, 838, 557, 500, 613, 635, 550, 635, 616, 353, 635, 634, 278, 278, 580, 278, 975, 634, 612,
    635, 635, 412, 521, 393, 634, 592, 818, 592, 592, 525, 637, 337, 637, 838,
)
_BOLD = (
    349, 457, 521, 838, 696, 1002, 873, 307, 458, 458, 523, 838, 380, 416, 380, 366, 696, 696, 696, 696,
    696, 696, 696, 696, 696, 696, 400, 400, 838, 838, 838, 611, 1000, 774, 763, 734, 831, 684, 684, 821,
    837, 373, 557, 775, 638, 996, 837, 851, 733, 851, 771, 721, 683, 813, 774, 1104, 771, 725, 726, 458,
    366, 458, 838, 557, 500, 675, 716, 593, 716, 679, 436, 716, 712, 343, 343, 666, 343, 1042, 712, 688,
    716, 716, 494, 596, 479, 712, 652, 924, 646, 652, 583, 712, 366, 712, 838,
)
# The few non-ASCII characters the figures use, bold and regular alike (bold
# widths, the larger); anything else counts as a full em and a bit.
_OTHER = {"×": 838, "→": 1000, "←": 1000, "↑": 838, "·": 380, "—": 1000, "–": 557, "≈": 838, "…": 1000,
          "²": 438, "³": 438, "½": 1035, "≤": 838, "≥": 838, "−": 838, "⋯": 1000, "’": 380}
_UNKNOWN = 1100


def text_width(text: str, size: float, bold: bool = False) -> float:
    """An upper bound, in user units, on the advance of ``text`` at ``size``."""
    table = _BOLD if bold else _REGULAR
    total = 0
    for char in text:
        code = ord(char)
        total += table[code - 32] if 32 <= code < 127 else _OTHER.get(char, _UNKNOWN)
    return total / 1000 * size * MARGIN
