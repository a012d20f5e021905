"""Lay out fit results: one column per model, one row per figure (per GPU)."""

from __future__ import annotations

from archcmp.analysis.fit import FitResult
from archcmp.analysis.params import COMPONENTS
from archcmp.analysis.sharding import Layout
from archcmp.kinds.base import OPTIONAL_PARAM_COMPONENTS, with_optional
from archcmp.render.tabular import Table
from archcmp.units import MAX_CONTEXT, format_bytes, format_context

CAPTION = (
    "Per GPU, the heaviest one; bytes in binary units (1 GiB = 2³⁰ B), every figure exact. Sharding: attention, "
    "dense and shared MLP and vocabulary ÷ TP; routed experts ÷ EP (without EP, each split like an MLP); MLA "
    "down-projections, routers and norms whole on every rank; KV heads per GPU max(1, kv_heads // TP); an MLA "
    "latent whole on every rank. The reserve is yours to set (default 0)."
)


def fit_title(results: list[FitResult]) -> str:
    first = results[0]
    return (f"Fit on {first.gpus} × {first.device}: weights {first.weights} ({first.quant_scope}), "
            f"KV {first.kv_dtype}, context {format_context(first.context)}, batch {first.batch}")


def fit_table(results: list[FitResult], raw: bool = False, stated: str = "") -> Table:
    """``stated``: the device's memory as its vendor prints it (``141 GB``)."""
    first = results[0]
    columns = ["per GPU", *(r.model for r in results), "how"]
    # ids head their columns whole; no split, which would leave "how" to the last table
    table = Table(fit_title(results), columns, align=["left", *("right" for _ in results), "left"],
                  model_columns=True)
    b = lambda n: str(n) if raw else format_bytes(n)
    basis = first.budget.memory_basis
    rows = [
        ("layout", [_layout(r.layout) for r in results], "TP ranks × pipeline stages"),
        (f"memory ({basis})", [b(r.budget.memory_bytes) for r in results],
         f"the vendor's {stated or 'figure'}, decimal" if basis == "nominal" else "as a driver reported it"),
        ("usable", [b(r.usable_bytes_per_gpu) for r in results], f"memory × --mem-util {first.budget.mem_util}"),
        ("weights", [b(r.weights_bytes_per_gpu) for r in results], _weights_how(first)),
        ("KV cache", [b(r.kv_bytes_per_gpu) for r in results],
         f"{format_context(first.context)} tokens × batch {first.batch} (windowed layers capped)"),
        ("KV per token", [_per_token(r, raw) for r in results], "one more token on this GPU, growing layers"),
        ("fixed state", [b(r.state_bytes_per_gpu) for r in results], "recurrent states, once per sequence"),
        ("reserve", [b(r.budget.reserve_bytes) for r in results], "--reserve, for activations and the like"),
        ("total", [b(r.total_bytes_per_gpu) for r in results], "weights + KV + state + reserve"),
        ("fits", [_verdict(r, raw) for r in results], "total ≤ usable"),
        (f"max context at batch {first.batch}", [_max_context(r, raw) for r in results],
         "largest context that fits (exact search)"),
        (f"max batch at {format_context(first.context)}", [_count(r.max_batch, raw) for r in results],
         "largest batch that fits"),
        (f"fewest {first.device}", [_fewest(r, raw) for r in results], "fewest of this device that fit"),
        ("whole model weights", [b(r.model_weights_bytes) for r in results], "the checkpoint in this format, unsharded"),
    ]
    for name, cells, how in rows:
        table.add(name, *cells, how)
    _component_rows(table, results, b)
    _stage_rows(table, results, b)
    notes = [f"{r.model}: {n}" for r in results for n in r.notes]
    table.caption = CAPTION + ("" if not notes else " Notes: " + "; ".join(notes) + ".")
    return table


def _weights_how(result: FitResult) -> str:
    if result.weights in ("bf16", "fp16", "fp32"):
        return f"every tensor in {result.weights}, sharded"
    return f"{result.weights} on the {result.quant_scope} matrices, scales included, the rest 16-bit; sharded"


def _layout(layout: Layout) -> str:
    text = f"TP {layout.tp} × PP {layout.pp}"
    text += f", EP {layout.ep}" if layout.ep > 1 else ""
    return text + (f", {layout.dp} replicas" if layout.dp > 1 else "")


def _per_token(result: FitResult, raw: bool) -> str:
    n = result.kv_bytes_per_token_per_gpu
    return str(n) if raw else f"{n:,} B"


def _verdict(result: FitResult, raw: bool) -> str:
    if raw:
        return str(result.fits)
    margin = format_bytes(abs(result.margin_bytes))
    return f"yes, {margin} to spare" if result.fits else f"NO, {margin} short"


def _count(n: int, raw: bool) -> str:
    return str(n) if raw else f"{n:,}"


def _max_context(result: FitResult, raw: bool) -> str:
    tokens = result.max_context
    if raw:
        return str(tokens)
    if tokens == 0:
        return "0 (weights alone do not fit)" if result.weights_bytes_per_gpu > result.usable_bytes_per_gpu else "0"
    text = ("≥ " if tokens == MAX_CONTEXT else "") + f"{tokens:,}"
    limit = result.model_max_context
    return text + (f" (model max {format_context(limit)})" if limit is not None and tokens > limit else "")


def _fewest(result: FitResult, raw: bool) -> str:
    if result.min_gpus is None:
        return "" if raw else "none up to 1,024"
    return str(result.min_gpus) if raw else f"{result.min_gpus} ({_layout(result.min_gpus_layout)})"


def _component_rows(table: Table, results: list[FitResult], b) -> None:
    order = with_optional(dict.fromkeys(COMPONENTS + OPTIONAL_PARAM_COMPONENTS, 1), COMPONENTS, OPTIONAL_PARAM_COMPONENTS)
    names = [n for n in order if any(r.weights_by_component.get(n) for r in results)]
    table.groups[len(table.rows)] = "weights by component"
    for name in names:
        table.add(name, *(b(r.weights_by_component.get(name, 0)) for r in results), "")


def _stage_rows(table: Table, results: list[FitResult], b) -> None:
    if all(len(r.stages) == 1 for r in results):
        return
    table.groups[len(table.rows)] = "pipeline stages (total per GPU)"
    for i in range(max(len(r.stages) for r in results)):
        cells = []
        for r in results:
            stage = r.stages[i] if i < len(r.stages) else None
            cells.append("" if stage is None else
                         f"{b(stage.total_bytes)} (layers {stage.first_layer}–{stage.first_layer + stage.num_layers - 1})")
        table.add(f"stage {i}", *cells, "")
