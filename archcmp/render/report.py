"""``archcmp report``: one self-contained HTML file (inline SVG and CSS, no
script, nothing fetched) with the drawings, the compare table, the diffs in
words, the plots, the KV-cache, FLOP and parameter tables and the sources.

Tables go through the same views as the CLI's tables (``compare_view``,
``kvcache_view``, ``flops_view``, ``params_view``) and :func:`to_html`, so
every number reads as ``archcmp compare``, ``kvcache``, ``flops`` and
``params`` print it.
"""

from __future__ import annotations

from html import escape

from archcmp import __version__
from archcmp.analysis.compare import Comparison, Diff
from archcmp.analysis.flops import FlopsResult
from archcmp.analysis.kvcache import KVCacheResult
from archcmp.analysis.params import ParamsResult
from archcmp.record import record
from archcmp.render import compare_view
from archcmp.render.flops_view import flops_table
from archcmp.render.html_table import to_html
from archcmp.render.kvcache_view import by_kind_table, kvcache_table
from archcmp.render.params_view import params_table
from archcmp.render.report_style import CSS
from archcmp.schema import ModelSpec
from archcmp.units import format_context


@record
class ReportData:
    specs: list[ModelSpec]
    comparison: Comparison
    diffs: list[Diff]
    kv: list[KVCacheResult]  # one per model and table context
    flops: list[FlopsResult]  # one per model, at the comparison's context
    params: list[ParamsResult]
    towers_svg: str
    kv_svg: str
    flops_svg: str
    params_svg: str


SECTIONS = (("architectures", "Architectures"), ("compare", "Side by side"), ("diff", "What differs, in words"),
            ("kvcache", "KV cache"), ("flops", "FLOPs"), ("params", "Parameters"), ("sources", "Sources"))


def report_html(data: ReportData) -> str:
    models = [s.id for s in data.specs]
    title = " vs ".join(models) if len(models) > 1 else models[0]
    body = [
        f"<header><h1>{escape(title)}</h1>",
        (f'<p class="lead">Architectures compared with exact counts by archcmp {escape(__version__)}. '
         f"Cost rows at {escape(format_context(data.comparison.context))} tokens, KV cache in "
         f"{escape(data.comparison.dtype)}. Parameters as 671.0B (exact count in brackets); bytes in binary "
         "units (1 KiB = 1024 B); a multiply-add is 2 FLOPs; k = 1024 tokens.</p></header>"),
        _nav(),
        _section("architectures", _figure(data.towers_svg, "towers", "Each model as a tower of blocks, folded "
                 "from its per-layer plan. Marked labels are not shared by every model.")),
        _section("compare", "".join(f'<div class="scroll">{to_html(t, "compare-table")}</div>'
                                    for t in compare_view.compare_tables(data.comparison))),
        _section("diff", "".join(_diff(d) for d in data.diffs) or "<p>One model: nothing to compare.</p>"),
        _section("kvcache", _figure(data.kv_svg, "plot", "") +
                 f'<div class="scroll">{to_html(kvcache_table(data.kv), "kvcache-table")}</div>'
                 f'<div class="scroll">{to_html(by_kind_table(data.kv), "kvcache-table")}</div>'),
        _section("flops", _figure(data.flops_svg, "plot", "") +
                 f'<div class="scroll">{to_html(flops_table(data.flops), "flops-table")}</div>'),
        _section("params", _figure(data.params_svg, "plot", "") +
                 f'<div class="scroll">{to_html(params_table(data.params), "params-table")}</div>'),
        _section("sources", _sources(data.specs)),
        ("<footer><p>Made offline from the specs above: counts follow what a framework instantiates; "
         "the KV cache is vLLM's allocation (a sliding layer holds its window, a KV-shared layer nothing); "
         "see the archcmp README for every convention.</p></footer>"),
    ]
    return "\n".join([
        "<!DOCTYPE html>",
        '<html lang="en"><head><meta charset="utf-8">',
        '<meta name="viewport" content="width=device-width, initial-scale=1">',
        f"<title>{escape(title)} — archcmp report</title>",
        f"<style>{CSS}</style></head><body>",
        *body,
        "</body></html>",
    ]) + "\n"


def _nav() -> str:
    items = "".join(f'<li><a href="#{key}">{escape(words)}</a></li>' for key, words in SECTIONS)
    return f'<nav aria-label="Contents"><ol>{items}</ol></nav>'


def _section(key: str, inner: str) -> str:
    words = dict(SECTIONS)[key]
    return f'<section id="{key}"><h2>{escape(words)}</h2>\n{inner}\n</section>'


def _figure(svg: str, kind: str, caption: str) -> str:
    text = f"<figcaption>{escape(caption)}</figcaption>" if caption else ""
    return f'<figure class="{kind}">\n{svg}{text}</figure>'


def _diff(result: Diff) -> str:
    """The ``archcmp diff`` sentences, as lists."""
    head = f"<h3>{escape(result.before)} → {escape(result.after)}</h3>"
    if not result.architecture:
        head += f"<p>{escape(result.before)} and {escape(result.after)} have the same architecture.</p>"
    parts = [("", result.architecture), ("so:", result.consequences), ("also:", result.training)]
    for words, changes in parts:
        if not changes:
            continue
        items = "".join(f"<li>{escape(compare_view.change_text(c, result))}</li>" for c in changes)
        head += (f"<p>{escape(words)}</p>" if words else "") + f'<ul class="diff">{items}</ul>'
    return head


def _sources(specs: list[ModelSpec]) -> str:
    rows = []
    for spec in specs:
        rows.append(f"<dt>{escape(spec.id)} — {escape(spec.name)}</dt>")
        rows += [f'<dd>{escape(s.what)}: <a href="{escape(s.url)}">{escape(s.url)}</a></dd>' for s in spec.sources]
    return f'<dl class="sources">{"".join(rows)}</dl>'
