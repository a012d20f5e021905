"""draw / plot / report without a browser: what the figures say, how towers
fold, output files, and that compare never loads any of it."""

from __future__ import annotations

import json
import subprocess
import sys
import xml.etree.ElementTree as ET

import pytest
from testpaths import REPO, bundled_ids

from archcmp.analysis.kvcache import kv_cache
from archcmp.analysis.params import count_params
from archcmp.registry import Registry
from archcmp.render.svg import Canvas, LayoutError
from archcmp.render.tower_labels import tower
from archcmp.render.tower_model import BlockDrawing, Label, Part, Sublayer, fold
from archcmp.units import format_bytes

SVG = "{http://www.w3.org/2000/svg}"


def texts(svg: str) -> list[str]:
    return [t.text or "" for t in ET.fromstring(svg).iter(f"{SVG}text")]


def build(model: str):
    spec = Registry().resolve(model)
    return spec, tower(spec, count_params(spec), kv_cache(spec, 1))


def test_canvas_refuses_labels_that_meet_or_leave_it():
    canvas = Canvas(200, 50)
    canvas.text(10, 20, "total parameters")
    canvas.text(60, 24, "active")
    with pytest.raises(LayoutError, match="overlap"):
        canvas.svg("x")
    canvas = Canvas(100, 50)
    canvas.text(90, 20, "runs off the right")
    with pytest.raises(LayoutError, match="leaves"):
        canvas.svg("x")


def test_fold_makes_stretches_then_cycles():
    a, b, c = (BlockDrawing((Sublayer((Part("mixer", Label("k", name)),)),)) for name in "abc")
    groups = fold([a, a, a, a, a, b] * 3 + [a, a])
    assert [(g.repeats, [(s.count, s.first) for s in g.stretches]) for g in groups] == [
        (3, [(5, 0), (1, 5)]), (1, [(2, 18)])]
    assert [(g.repeats, len(g.stretches)) for g in fold([c, c, c, b] + [a, b] * 4)] == [(1, 1), (4, 2), (1, 1)]


def _shape(model: str) -> list[tuple[int, list[tuple[int, str]]]]:
    """Per group: repeats and, per stretch, its count and its mixer and FFN titles and spans."""
    _, drawn = build(model)
    out = []
    for group in drawn.groups:
        stretches = []
        for s in group.stretches:
            parts = [p for sub in s.block.sublayers for p in sub.parts if p.role not in ("norm", "extra")]
            words = " / ".join(p.lines[0].text if p.role in ("mixer", "local") else p.title.text for p in parts)
            stretches.append((s.count, words))
        out.append((group.repeats, stretches))
    return out


def test_heterogeneous_stacks_are_drawn_as_they_are():
    assert _shape("gemma3-27b") == [
        (10, [(5, "sliding window 1,024 / Feed forward (GeGLU (tanh))"),
              (1, "global (full context) / Feed forward (GeGLU (tanh))")]),
        (1, [(2, "sliding window 1,024 / Feed forward (GeGLU (tanh))")])]
    chunked = "chunked, 8,192-token chunks"
    assert _shape("llama4-maverick") == [(12, [
        (1, f"{chunked} / Feed forward (SwiGLU)"), (1, f"{chunked} / Mixture of experts (SwiGLU)"),
        (1, f"{chunked} / Feed forward (SwiGLU)"), (1, "global (full context) / Mixture of experts (SwiGLU)")])]
    assert _shape("deepseek-v3") == [(1, [(3, "full context / Feed forward (SwiGLU)")]),
                                     (1, [(58, "full context / Mixture of experts (SwiGLU)")])]


def test_maverick_says_nope_every_fourth_layer_and_its_experts():
    _, drawn = build("llama4-maverick")
    (group,) = drawn.groups
    mixers = [p for s in group.stretches for sub in s.block.sublayers for p in sub.parts if p.role in ("mixer", "local")]
    assert [m.lines[-1].text for m in mixers] == ["RoPE θ 500,000"] * 3 + ["NoPE (no position encoding)"]
    moe = next(p for s in group.stretches for sub in s.block.sublayers for p in sub.parts if p.role == "moe")
    assert [label.text for label in moe.lines] == [
        "128 routed experts, top-1", "expert size 8,192", "1 shared expert", "sigmoid router"]


def test_gemma3n_shared_kv_layers_say_whose_cache_they_read():
    _, drawn = build("gemma3n-e4b")
    assert [(g.first, g.repeats, g.num_layers) for g in drawn.groups] == [(0, 4, 20), (20, 3, 15)]
    labels = {label.text for label in drawn.labels()}
    assert {"reads the KV cache of layer 18", "reads the KV cache of layer 19", "+ per-layer embeddings (PLE)",
            "AltUp: 4 residual streams", "LAuReL residual, rank 64"} <= labels


@pytest.mark.parametrize("model", bundled_ids())
def test_every_bundled_spec_draws_with_its_exact_headline_figures(model, run, tmp_path):
    out = tmp_path / "t.svg"
    assert run("draw", model, "-o", str(out))[0] == 0
    spec, drawn = build(model)
    assert sum(g.num_layers for g in drawn.groups) == spec.num_layers
    words = texts(out.read_text())
    counts, kv = count_params(spec), kv_cache(spec, 1)
    assert model in words
    assert any(w.startswith("total ") and f"({counts.total_params:,})" in w for w in words)
    assert any(w.startswith("active ") and f"({counts.active_params:,})" in w for w in words)
    assert f"KV cache per token (bf16) {format_bytes(kv.kv_bytes_per_token_all_layers)}" in words


def test_maverick_beside_deepseek_has_the_true_figures(run, tmp_path):
    out = tmp_path / "cmp.svg"
    assert run("draw", "deepseek-v3", "llama4-maverick", "-o", str(out)) == (0, "", "")
    words = texts(out.read_text())
    for expected in ("total 400.7B (400,711,848,960)", "active 17.2B (17,184,691,200)",
                     "total 671.0B (671,026,404,352)", "active 37.6B (37,552,282,624)",
                     "KV cache per token (bf16) 68.6 KiB", "KV cache per token (bf16) 192.0 KiB",
                     "chunked, 8,192-token chunks", "NoPE (no position encoding)", "×12", "×58", "×3",
                     "q rank 1,536 · KV rank 512", "256 routed experts, top-8"):
        assert expected in words, expected


def test_png_is_the_figure_at_twice_its_size_and_not_blank(run, tmp_path):
    from PIL import Image

    svg, png = tmp_path / "a.svg", tmp_path / "a.png"
    assert run("draw", "llama3.1-8b", "-o", str(svg))[0] == 0
    assert run("draw", "llama3.1-8b", "-o", str(png))[0] == 0
    root = ET.fromstring(svg.read_text())
    image = Image.open(png)
    assert image.size == (round(2 * float(root.attrib["width"])), round(2 * float(root.attrib["height"])))
    pixels = image.convert("RGB").resize((image.width // 4, image.height // 4))
    colours = pixels.getcolors(maxcolors=1 << 20)
    inked = sum(n for n, rgb in colours if rgb != (255, 255, 255)) / (pixels.width * pixels.height)
    assert inked > 0.05 and len(colours) > 50


def test_standard_output_and_no_overwrite_without_force(run, tmp_path):
    status, out, _ = run("plot", "params", "gpt2", "-o", "-")
    assert status == 0 and out.startswith("<svg") and out.rstrip().endswith("</svg>")
    target = tmp_path / "p.svg"
    target.write_text("keep")
    status, _, err = run("plot", "params", "gpt2", "-o", str(target))
    assert status == 2 and "already exists; pass --force" in err and target.read_text() == "keep"
    assert run("plot", "params", "gpt2", "-o", str(target), "--force")[0] == 0
    assert target.read_text().startswith("<svg")
    status, _, err = run("draw", "gpt2", "-o", str(tmp_path / "x.pdf"))
    assert status == 2 and "expected a file name ending in .svg or .png" in err


def test_png_to_standard_output(tmp_path):
    done = subprocess.run([sys.executable, "-m", "archcmp", "plot", "params", "gpt2", "-o", "-", "-f", "png"],
                          capture_output=True, cwd=REPO, check=True)
    assert done.stdout.startswith(b"\x89PNG\r\n\x1a\n")


def test_kvcache_plot_shows_each_model_its_mha_equivalent_and_the_cli_numbers(run, tmp_path):
    out = tmp_path / "kv.svg"
    models = ["gemma3-27b", "llama3.1-8b", "deepseek-v3"]
    assert run("plot", "kvcache", *models, "--ctx", "1k..128k", "-o", str(out))[0] == 0
    root = ET.fromstring(out.read_text())
    series = [g.attrib["data-name"] for g in root.iter(f"{SVG}g") if g.attrib.get("class") == "series"]
    assert sorted(series) == sorted([f"{m} kv" for m in models] + [f"{m} mha" for m in models])
    _, cli, _ = run("kvcache", *models, "--ctx", "128k", "--format", "json")
    words = texts(out.read_text())
    for row in json.loads(cli):
        assert f"{format_bytes(row['kv_bytes'])} at 128k" in words
        assert f"MHA equivalent {format_bytes(row['mha_equivalent_bytes'])}" in words
    assert {"1k", "128k", "1 GiB"} <= set(words)


def test_flops_plot_and_a_context_range_is_required(run, tmp_path):
    out = tmp_path / "f.svg"
    assert run("plot", "flops", "deepseek-v3", "llama3.1-8b", "--ctx", "4k..64k", "-o", str(out))[0] == 0
    assert "FLOPs per token against context" in texts(out.read_text())
    status, _, err = run("plot", "kvcache", "gpt2", "--ctx", "4k", "-o", str(out), "--force")
    assert status == 2 and "needs a range" in err


def test_terminal_plot_without_output(run):
    status, out, _ = run("plot", "kvcache", "gemma3-27b", "llama3.1-8b", "--ctx", "1k..128k")
    assert status == 0 and "128k" in out and "GiB" in out
    assert any(0x2800 < ord(c) <= 0x28FF for c in out)  # braille dots
    status, out, _ = run("plot", "params", "deepseek-v3")
    assert status == 0 and "671.0B (671,026,404,352)" in out and "█" in out


def test_compare_loads_none_of_the_picture_code():
    code = ("import sys, io, contextlib\nfrom archcmp.cli import main\n"
            "with contextlib.redirect_stdout(io.StringIO()):\n    main(['compare', 'deepseek-v3', 'llama4-maverick'])\n"
            "print([m for m in sys.modules if m.startswith(('resvg_py', 'PIL', 'playwright', 'archcmp.render.svg',"
            " 'archcmp.render.tower', 'archcmp.render.report', 'archcmp.render.plots', 'archcmp.render.terminal'))])")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=REPO, check=True)
    assert done.stdout.strip() == "[]"
