"""``archcmp draw``, ``archcmp plot`` and ``archcmp report``: the pictures.

Every renderer and its dependencies (resvg for PNG, plotext for terminal
plots) are imported inside the commands, so the other commands start as
fast as they did before these existed.
"""

import math
import sys
from enum import Enum
from itertools import pairwise
from pathlib import Path
from typing import Annotated

import typer

from archcmp.app import AttentionOption, DtypeOption, ModelsArgument, SpecsOption, app, resolve_all

OutputOption = Annotated[str | None, typer.Option(
    "--output", "-o", help="FILE.svg or FILE.png (written atomically), or - for standard output.")]
RequiredOutputOption = Annotated[str, typer.Option(
    "--output", "-o", help="FILE.svg or FILE.png (written atomically), or - for standard output.")]
ForceOption = Annotated[bool, typer.Option("--force", help="Overwrite an existing output file.")]


class Picture(str, Enum):
    svg = "svg"
    png = "png"


class PlotKind(str, Enum):
    kvcache = "kvcache"
    params = "params"
    flops = "flops"


PictureFormatOption = Annotated[Picture | None, typer.Option(
    "--format", "-f", help="svg or png (default: from the file name; svg for -).")]
RangeOption = Annotated[str, typer.Option("--ctx", help="Context range on the x axis: 1k..1M (doubling), "
                                                        "or a list 4k,32k,128k.")]
KV_POINTS_PER_DOUBLING = 4  # KV bytes are piecewise linear in the context: a few points draw the curve exactly


@app.command()
def draw(
    models: ModelsArgument,
    output: RequiredOutputOption,
    format: PictureFormatOption = None,
    dtype: DtypeOption = "bf16",
    force: ForceOption = False,
    specs: SpecsOption = None,
) -> None:
    """Each model drawn as a tower of blocks (embedding, repeated blocks, head), side by side at one scale."""
    from archcmp.analysis.kvcache import dtype_bits, kv_cache
    from archcmp.analysis.params import count_params
    from archcmp.render.tower import draw_towers

    dtype_bits(dtype)
    chosen = resolve_all(specs, models)
    headlines = [(count_params(spec), kv_cache(spec, 1, 1, dtype)) for spec in chosen]
    write_picture(draw_towers(chosen, headlines), output, format, force)


@app.command()
def plot(
    what: Annotated[PlotKind, typer.Argument(help="kvcache, params or flops.")],
    models: ModelsArgument,
    ctx: RangeOption = "1k..1M",
    dtype: DtypeOption = "bf16",
    batch: Annotated[str, typer.Option("--batch", help="Sequences cached at once (kvcache).")] = "1",
    attention: AttentionOption = "causal",
    output: OutputOption = None,
    format: PictureFormatOption = None,
    force: ForceOption = False,
    specs: SpecsOption = None,
) -> None:
    """KV cache or FLOPs per token against context (log axes), or parameters by component.
    Without -o, a plot in the terminal."""
    from archcmp.units import parse_contexts, parse_count

    chosen = resolve_all(specs, models)
    contexts = parse_contexts(ctx)
    sequences = parse_count(batch, "batch")
    if what != PlotKind.params and len(contexts) < 2:
        from archcmp.errors import ArchcmpError

        raise ArchcmpError(f"bad --ctx {ctx!r}: a plot against context needs a range such as 1k..128k")
    data = plot_data(what, chosen, contexts, dtype, sequences, attention)
    if output is None:
        from archcmp.render.tabular import console
        from archcmp.render.terminal_plot import terminal_plot

        out = console()
        out.print(terminal_plot(what.value, data, min(out.width, 120)), soft_wrap=True)
        return
    from archcmp.render import plots

    svg = {"kvcache": plots.kvcache_plot, "flops": plots.flops_plot, "params": plots.params_plot}[what.value](data)
    write_picture(svg, output, format, force)


def plot_data(what: PlotKind, chosen, contexts: list[int], dtype: str, batch: int, attention: str):
    """The analysis results a plot shows: per model, one result per sampled context."""
    from archcmp.analysis.flops import count_flops
    from archcmp.analysis.kvcache import dtype_bits, kv_cache
    from archcmp.analysis.params import count_params

    if what == PlotKind.params:
        return [count_params(spec) for spec in chosen]
    if what == PlotKind.flops:
        return [[count_flops(spec, context, attention) for context in contexts] for spec in chosen]
    dtype_bits(dtype)
    series = []
    for spec in chosen:
        bends = {layer.window for layer in kv_cache(spec, contexts[-1], 1, dtype).layers if layer.window}
        bends |= {spec.max_context} if spec.max_context else set()  # a point of its own, for the plot's ring
        series.append([kv_cache(spec, context, batch, dtype) for context in kv_contexts(contexts, bends)])
    return series


def kv_contexts(contexts: list[int], windows: set[int]) -> list[int]:
    """The chosen contexts, points between them, and ``windows`` inside the
    range (where a sliding layer stops growing and the curve bends)."""
    points = set(contexts) | {w for w in windows if contexts[0] < w < contexts[-1]}
    for low, high in pairwise(contexts):
        steps = math.ceil(KV_POINTS_PER_DOUBLING * math.log2(high / low))
        points |= {round(low * (high / low) ** (k / steps)) for k in range(1, steps)}
    return sorted(points)


def write_picture(svg: str, output: str, fmt: Picture | None, force: bool) -> None:
    """``svg`` as SVG text or rendered to PNG, to ``output`` or standard output."""
    from archcmp.errors import ArchcmpError

    if fmt is None:
        suffix = "svg" if output == "-" else Path(output).suffix.lower().lstrip(".")
        if suffix not in ("svg", "png"):
            raise ArchcmpError(f"{output}: expected a file name ending in .svg or .png, or --format svg|png")
        fmt = Picture(suffix)
    data = svg.encode("utf-8")
    if fmt == Picture.png:
        from archcmp.render.raster import svg_to_png

        data = svg_to_png(svg)
    if output == "-":
        sys.stdout.buffer.write(data)
        sys.stdout.flush()
        return
    from archcmp.hf.files import write_atomic_bytes

    write_atomic_bytes(Path(output), data, force)


@app.command()
def report(
    models: ModelsArgument,
    output: RequiredOutputOption,
    ctx: Annotated[str, typer.Option("--ctx", help="Context of the compare, FLOP and KV tables.")] = "32k",
    kv_ctx: Annotated[str, typer.Option("--kv-ctx", help="More contexts for the KV table: 4k,32k,128k.")] = "4k,128k",
    plot_ctx: RangeOption = "1k..1M",
    dtype: DtypeOption = "bf16",
    attention: AttentionOption = "causal",
    force: ForceOption = False,
    specs: SpecsOption = None,
) -> None:
    """One self-contained HTML file: drawings, compare table, diffs in words, plots, KV/FLOP tables, sources."""
    from archcmp.analysis.compare import compare as run_compare
    from archcmp.analysis.compare import diff as run_diff
    from archcmp.analysis.flops import count_flops
    from archcmp.analysis.kvcache import dtype_bits, kv_cache
    from archcmp.analysis.params import count_params
    from archcmp.render import plots
    from archcmp.render.report import ReportData, report_html
    from archcmp.render.tower import draw_towers
    from archcmp.units import parse_context, parse_contexts

    dtype_bits(dtype)
    chosen = resolve_all(specs, models)
    context, ranges = parse_context(ctx), parse_contexts(plot_ctx)
    table_contexts = sorted({context, *parse_contexts(kv_ctx)})
    comparison = run_compare(chosen, context, dtype, attention)
    pairs = [run_compare([chosen[0], other], context, dtype, attention) for other in chosen[1:]]
    params = [count_params(spec) for spec in chosen]
    data = ReportData(
        specs=chosen,
        comparison=comparison,
        diffs=[run_diff(pair) for pair in pairs],
        kv=[kv_cache(spec, c, 1, dtype) for spec in chosen for c in table_contexts],
        flops=[count_flops(spec, context, attention) for spec in chosen],
        params=params,
        towers_svg=draw_towers(chosen, [(p, kv_cache(s, 1, 1, dtype)) for s, p in zip(chosen, params)]),
        kv_svg=plots.kvcache_plot(plot_data(PlotKind.kvcache, chosen, ranges, dtype, 1, attention)),
        flops_svg=plots.flops_plot(plot_data(PlotKind.flops, chosen, ranges, dtype, 1, attention)),
        params_svg=plots.params_plot(params),
    )
    html = report_html(data)
    if output == "-":
        sys.stdout.write(html)
        return
    from archcmp.hf.files import write_atomic

    write_atomic(Path(output), html, force)
