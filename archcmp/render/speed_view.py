"""Lay out speed bounds: one column per model. Every figure is a bound
(no engine can do better on these datasheet figures), and says so."""

from __future__ import annotations

from archcmp.analysis.speed import SpeedResult
from archcmp.render.fit_view import _layout
from archcmp.render.tabular import Table
from archcmp.units import format_bytes, format_context, format_flops

CAPTION = (
    "Roofline bounds: a step takes at least max(bytes read / bandwidth, FLOPs / peak); real engines are slower "
    "(kernel launches, communication, imperfect overlap). decode reads the weights a step touches (of MoE "
    "experts, those the batch is routed to, expected under uniform routing) and the KV cache at the context; "
    "prefill does the causal FLOPs of the prompt and reads the weights once. Peaks are dense datasheet figures "
    "for the compute dtype; bandwidth the vendor's (decimal). Bytes in binary units."
)


def speed_title(results: list[SpeedResult]) -> str:
    r = results[0]
    peak = "no compute bound (--memory-only)" if r.peak.flops_per_s is None else (
        f"{r.peak.flops_per_s / 1e12:g} TFLOPS {r.compute_dtype}" + ("" if r.peak.stated else " (your figure)"))
    eff = "" if r.bw_eff == 1 and r.flops_eff == 1 else f", efficiency bw × {r.bw_eff}, FLOPs × {r.flops_eff}"
    return (f"Speed bounds on {r.layout['gpus']} × {r.device}: weights {r.weights}, KV {r.kv_dtype}, "
            f"{r.bandwidth_bytes_per_s / 1e12:g} TB/s, {peak}{eff}")


def speed_table(results: list[SpeedResult], raw: bool = False) -> Table:
    first = results[0]
    columns = ["", *(r.model for r in results), "how"]
    # model_columns: ids head their columns whole; no split, which would leave "how" to the last table
    table = Table(speed_title(results), columns, align=["left", *("right" for _ in results), "left"],
                  model_columns=True, split=False)

    def row(name: str, cells, how: str = "") -> None:
        table.add(name, *cells, how)

    row("layout", (_layout_of(r) for r in results), "TP ranks × pipeline stages")
    table.groups[len(table.rows)] = f"decode at context {format_context(first.context)}"
    row("batch", (str(r.batch) for r in results), "sequences decoded together (per replica)")
    row("step time ≥", (_seconds(r.decode.seconds, raw) for r in results), "max(memory time, compute time)")
    row("tokens/s per sequence ≤", (_rate(r.decode_tokens_per_s_bound, raw) for r in results), "1 / step time")
    row("tokens/s aggregate ≤", (_rate(r.decode_aggregate_tokens_per_s_bound, raw) for r in results),
        "batch × replicas / step time of the slowest stage")
    row("bound by", (r.decode.bound_by for r in results), "the larger of the two times")
    row("bytes read per GPU", (_bytes(r.decode.bytes_per_gpu, raw) for r in results),
        "weights touched (not the embedding table) + KV cache at the context")
    row("memory time", (_seconds(r.decode.memory_seconds, raw) for r in results), "bytes / bandwidth, stages in turn")
    row("FLOPs per step", (_flops(r.decode.flops, raw) for r in results), "batch × one decode step at the context")
    row("compute time", (_seconds(r.decode.compute_seconds, raw) for r in results), "FLOPs / (TP × peak)")
    table.groups[len(table.rows)] = f"prefill of {format_context(first.prompt)}-token prompts, one per sequence"
    row("time to first token ≥", (_seconds(r.prefill.seconds, raw) for r in results),
        "max(memory time, compute time)")
    row("prefill tokens/s ≤", (_rate(r.batch * r.prompt / r.prefill.seconds, raw) for r in results),
        "prompt tokens × batch / time to first token")
    row("bound by", (r.prefill.bound_by for r in results))
    row("FLOPs", (_flops(r.prefill.flops, raw) for r in results), "causal forward pass, head on the last token")
    row("bytes read per GPU", (_bytes(r.prefill.bytes_per_gpu, raw) for r in results),
        "weights once + the KV cache written")
    unfit = [r.model for r in results if not r.fits]
    table.caption = CAPTION + (f" Does not fit at this context and batch: {', '.join(unfit)}." if unfit else "")
    return table


def _layout_of(result: SpeedResult) -> str:
    from archcmp.analysis.sharding import Layout

    layout = result.layout
    return _layout(Layout(layout["tp"], layout["pp"], layout["ep"], layout["dp"]))


def _seconds(value: float | None, raw: bool) -> str:
    if value is None:
        return "" if raw else "—"
    if raw:
        return repr(value)
    for unit, scale in (("s", 1), ("ms", 1e-3), ("µs", 1e-6)):
        if value >= scale:
            return f"{value / scale:.3g} {unit}"
    return f"{value * 1e9:.3g} ns"


def _rate(value: float, raw: bool) -> str:
    return repr(value) if raw else f"{value:,.1f}"


def _bytes(n: int, raw: bool) -> str:
    return str(n) if raw else format_bytes(n)


def _flops(n: int, raw: bool) -> str:
    return str(n) if raw else format_flops(n)
