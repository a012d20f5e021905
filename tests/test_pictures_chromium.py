"""The drawings, plots and report opened from disk in headless Chromium, as
a reader would: nothing logged to the console, nothing fetched, every model
id and headline figure present as text, and no two labels' boxes (read
from the DOM) overlapping - in the font Chromium picks and in the widest
of the stack. The report also prints to PDF with every figure on the page."""

from __future__ import annotations

import re

import pytest
from chromium import browser, layout_problems, visit
from testpaths import bundled_ids

from archcmp.analysis.kvcache import kv_cache
from archcmp.analysis.params import count_params
from archcmp.registry import Registry
from archcmp.render.cells import value_text
from archcmp.units import format_bytes

REPORT_MODELS = ["deepseek-v3", "llama4-maverick", "qwen3-235b-a22b"]


@pytest.fixture(scope="module")
def chrome():
    with browser() as launched:
        yield launched


def headline_figures(model: str) -> list[str]:
    spec = Registry().resolve(model)
    counts, kv = count_params(spec), kv_cache(spec, 1)
    return [model, value_text(counts.total_params, "params"), value_text(counts.active_params, "params"),
            format_bytes(kv.kv_bytes_per_token_all_layers)]


def check_page(chrome, path, models, viewport=(1400, 900)):
    for font in (None, "DejaVu Sans"):
        with visit(chrome, path, viewport, font) as (page, seen):
            assert seen.console == [] and seen.errors == [], (seen.console, seen.errors)
            assert seen.requests == []
            text = page.evaluate("() => document.documentElement.textContent")
            for model in models:
                for figure in headline_figures(model):
                    assert figure in text, (model, figure)
            assert layout_problems(page) == []


def _size(path):
    head = path.read_text()[:300]
    return tuple(int(float(v)) + 1 for v in re.search(r'width="([\d.]+)" height="([\d.]+)"', head).groups())


def test_the_dom_check_sees_a_collision(chrome, tmp_path):
    """Labels placed by hand on top of each other, or out of their box, are caught."""
    page = tmp_path / "bad.svg"
    page.write_text('<svg xmlns="http://www.w3.org/2000/svg" width="300" height="80">'
                    '<g class="part"><rect x="5" y="5" width="60" height="30"/>'
                    '<text x="10" y="30" font-size="14">total 671.0B</text></g>'
                    '<text x="60" y="34" font-size="14">active 37.6B</text></svg>')
    with visit(chrome, page, (300, 80)) as (loaded, _):
        problems = layout_problems(loaded)
    assert any("overlaps" in p for p in problems) and any("leaves its box" in p for p in problems)


def test_deepseek_beside_maverick(chrome, run, tmp_path):
    out = tmp_path / "cmp.svg"
    assert run("draw", "deepseek-v3", "llama4-maverick", "-o", str(out))[0] == 0
    check_page(chrome, out, ["deepseek-v3", "llama4-maverick"], _size(out))


@pytest.mark.parametrize("model", bundled_ids())
def test_every_bundled_drawing(chrome, run, tmp_path, model):
    out = tmp_path / f"{model}.svg"
    assert run("draw", model, "-o", str(out))[0] == 0
    check_page(chrome, out, [model], _size(out))


def test_kvcache_plot(chrome, run, tmp_path):
    out = tmp_path / "kv.svg"
    assert run("plot", "kvcache", "gemma3-27b", "llama3.1-8b", "deepseek-v3", "--ctx", "1k..128k",
               "-o", str(out))[0] == 0
    with visit(chrome, out, _size(out)) as (page, seen):
        assert seen.console == [] and seen.requests == [] and layout_problems(page) == []
        lines = page.evaluate("() => [...document.querySelectorAll('g.series polyline')].map("
                              "p => [p.getAttribute('stroke-dasharray'), p.getBoundingClientRect().width])")
        assert len(lines) == 6 and sum(1 for dash, _ in lines if dash) == 3
        assert all(width > 100 for _, width in lines)


@pytest.fixture(scope="module")
def report(tmp_path_factory):
    from archcmp.cli import main

    out = tmp_path_factory.mktemp("report") / "r.html"
    assert main(["report", *REPORT_MODELS, "-o", str(out)]) == 0
    return out


def test_report_opens_offline_and_reads_right(chrome, report):
    html = report.read_text()
    assert "<script" not in html and "@import" not in html and "url(" not in html
    assert not re.search(r'\bsrc=', html)
    check_page(chrome, report, REPORT_MODELS)
    with visit(chrome, report) as (page, _):
        sections = page.evaluate("() => [...document.querySelectorAll('section')].map(s => "
                                 "[s.id, s.querySelectorAll('svg').length, s.querySelectorAll('table').length])")
        # kvcache: the per-model table and what each layer kind holds, a table of its own
        assert sections == [["architectures", 1, 0], ["compare", 0, 1], ["diff", 0, 0], ["kvcache", 1, 2],
                            ["flops", 1, 1], ["params", 1, 1], ["sources", 0, 0]]


def _md_rows(markdown: str) -> list[list[str]]:
    """Body rows of ``--format md`` tables, marks and escapes undone, group rows left out."""
    rows = []
    for line in markdown.splitlines():
        if not line.startswith("| ") or line.startswith("|---"):
            continue
        cells = [c.strip().replace("\\|", "|") for c in re.split(r"(?<!\\)\|", line)[1:-1]]
        cells = [re.sub(r"^\*\*(.*)\*\*$", r"\1", c).replace("<br>", "\n") for c in cells]
        if all(c == "" for c in cells[1:]) and len(cells) > 1:
            continue
        rows.append(cells)
    return rows


def _html_rows(page, table_id: str) -> list[list[str]]:
    return page.evaluate("""id => [...document.querySelectorAll('#' + id + ' tr')]
        .filter(tr => !tr.classList.contains('group'))
        .map(tr => [...tr.children].map(c => c.innerText.replace(/\\u00a0/g, ' ')))""", table_id)


def test_report_numbers_are_the_clis(chrome, report, run):
    cli = {
        "compare-table": run("compare", *REPORT_MODELS, "--format", "md")[1],
        "kvcache-table": run("kvcache", *REPORT_MODELS, "--ctx", "4k,32k,128k", "--format", "md")[1],
        "flops-table": run("flops", *REPORT_MODELS, "--ctx", "32k", "--format", "md")[1],
        "params-table": run("params", *REPORT_MODELS, "--format", "md")[1],
    }
    with visit(chrome, report) as (page, _):
        for table_id, markdown in cli.items():
            expected = _md_rows(markdown)
            shown = _html_rows(page, table_id)
            assert shown == expected, table_id


def test_report_prints_with_every_figure_on_the_page(chrome, report):
    with visit(chrome, report) as (page, _):
        page.emulate_media(media="print")
        widths = page.evaluate("() => [document.body.getBoundingClientRect().width, "
                               "...[...document.querySelectorAll('figure svg')].map(s => s.getBoundingClientRect().right)]")
        body, *figures = widths
        assert figures and all(right <= body + 1 for right in figures)
        pdf = page.pdf(format="A4", landscape=True)
        assert pdf.startswith(b"%PDF") and pdf.count(b"/Type /Page") > 3
