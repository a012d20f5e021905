"""The figures through a second renderer (rsvg-convert): no label's ink
leaves the room its layout reserved or meets another label, whether rsvg
picks its own font from the stack or is handed the widest one."""

from __future__ import annotations

import pytest
from rsvg import ink_problems, require_rsvg

FIGURES = {
    "draw-deepseek-maverick": ("draw", "deepseek-v3", "llama4-maverick"),
    "draw-gemma": ("draw", "gemma3-27b", "gemma3n-e4b", "gpt2"),
    "plot-kvcache": ("plot", "kvcache", "gemma3-27b", "llama3.1-8b", "deepseek-v3", "--ctx", "1k..128k"),
    "plot-params": ("plot", "params", "deepseek-v3", "llama4-maverick", "qwen3-235b-a22b"),
    "plot-flops": ("plot", "flops", "deepseek-v3", "llama4-maverick", "qwen3-235b-a22b"),
}


@pytest.fixture(scope="module", autouse=True)
def _rsvg():
    require_rsvg()


@pytest.mark.parametrize("font", [None, "DejaVu Sans", "Liberation Sans"])
@pytest.mark.parametrize("name", sorted(FIGURES))
def test_labels_keep_their_room_in_rsvg(name, font, run, tmp_path):
    out = tmp_path / f"{name}.svg"
    assert run(*FIGURES[name], "-o", str(out))[0] == 0
    assert ink_problems(out.read_text(), font) == []


def test_the_check_sees_a_collision(tmp_path):
    """Two labels drawn on top of each other (not through our canvas) are caught."""
    svg = ('<svg xmlns="http://www.w3.org/2000/svg" width="300" height="60" font-family="DejaVu Sans">'
           '<text x="10" y="30" font-size="14">total 671.0B</text>'
           '<text x="60" y="34" font-size="14">active 37.6B</text></svg>')
    problems = ink_problems(svg)
    assert any("overlap" in p for p in problems) or any("leaves" in p for p in problems)
