"""The plots of ``archcmp plot`` and the report, from analysis results.

Each function takes what the analyzers returned, one list of results per
model over the sampled contexts, and only chooses how to show it.
"""

from __future__ import annotations

from archcmp.analysis.flops import FlopsResult
from archcmp.analysis.kvcache import KVCacheResult
from archcmp.analysis.params import ParamsResult
from archcmp.render import bars, chart
from archcmp.render.lines import LegendCell, Line, LineChart, render_line_chart
from archcmp.units import format_bytes, format_context, format_flops

DASH = "7 5"


def kvcache_plot(series: list[list[KVCacheResult]]) -> str:
    """KV cache against context, one colour per model; dashed, the same model
    if every layer cached full multi-head K and V for the whole context."""
    first = series[0][0]
    plot = LineChart(
        title="KV cache against context",
        subtitle=[(f"{first.dtype}, batch {first.batch}, vLLM's allocation: a sliding or chunked layer holds at "
                   "most its window, a KV-shared layer nothing."),
                  ("Dashed: the MHA equivalent (every layer caching all heads' K and V for the whole context). "
                   "A ring: the model's max context."),
                  "Log–log; 1 KiB = 1024 B."],
        y_title=f"KV cache per batch ({first.dtype})",
        x_title="context (tokens; k = 1024)",
        y_kind="bytes",
        x_range=(series[0][0].context, series[0][-1].context),
    )
    for i, results in enumerate(series):
        colour, last = chart.colour(i), results[-1]
        plot.lines.append(Line([(r.context, r.mha_equivalent_bytes) for r in results], colour, DASH,
                               name=f"{last.model} mha"))
        rings = tuple((r.context, r.kv_bytes) for r in results if r.context == r.model_max_context)
        plot.lines.append(Line([(r.context, r.kv_bytes) for r in results], colour, name=f"{last.model} kv",
                               rings=rings))
        at = format_context(last.context)
        plot.legend.append([
            LegendCell(last.model, colour, bold=True),
            LegendCell(f"{format_bytes(last.kv_bytes)} at {at}"),
            LegendCell(f"MHA equivalent {format_bytes(last.mha_equivalent_bytes)}", colour, DASH),
            LegendCell(f"{last.mha_equivalent_ratio:.1f}× the KV cache"),
            LegendCell(f"max context {format_context(last.model_max_context)}" if last.model_max_context else ""),
        ])
    return render_line_chart(plot)


def flops_plot(series: list[list[FlopsResult]]) -> str:
    """FLOPs per token against context: prefill (the prompt's FLOPs divided
    by its length) solid, one decode step at that position dashed."""
    first = series[0][0]
    plot = LineChart(
        title="FLOPs per token against context",
        subtitle=[(f"Solid: prefill of the whole context divided by its length; dashed: one decode step after "
                   f"it. {first.attention.capitalize()} attention."),
                  ("A multiply-add is 2 FLOPs; weights and attention scores/values counted, norms and "
                   "activations not. Points at powers of two.")],
        y_title="FLOPs per token",
        x_title="context (tokens; k = 1024)",
        y_kind="flops",
        x_range=(series[0][0].context, series[0][-1].context),
    )
    for i, results in enumerate(series):
        colour, last = chart.colour(i), results[-1]
        plot.lines.append(Line([(r.context, r.prefill_flops_per_token) for r in results], colour,
                               markers=True, name=f"{last.model} prefill"))
        plot.lines.append(Line([(r.context, r.decode.total) for r in results], colour, DASH,
                               markers=True, name=f"{last.model} decode"))
        at = format_context(last.context)
        plot.legend.append([
            LegendCell(last.model, colour, bold=True),
            LegendCell(f"prefill {format_flops(last.prefill_flops_per_token)} per token at {at}"),
            LegendCell(f"decode {format_flops(last.decode.total)} at {at}", colour, DASH),
        ])
    return render_line_chart(plot)


def params_plot(results: list[ParamsResult]) -> str:
    """Total beside active parameters, stacked by component."""
    return bars.render_bars(results)
