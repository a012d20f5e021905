"""``archcmp kvcache``: KV-cache bytes at a context, by layer kind, against MHA."""

from typing import Annotated

import typer

from archcmp.app import (
    ConventionOption,
    DtypeOption,
    FormatOption,
    ModelsArgument,
    SpecsOption,
    StateDtypeOption,
    app,
    check_choice,
    resolve_all,
)
from archcmp.commands.deploy_options import GpuOnOption, HardwareOption, WeightsOption, catalog

DEFAULT_CONTEXT = "128k"  # one context for every model, so rows compare; 128k is today's common long context

CtxOption = Annotated[str, typer.Option("--ctx", help=(
    "Context length(s): 4096, 32k, 128k, 1M (k = 1024); a list 4k,32k,128k or a doubling range 4k..128k."))]
BatchOption = Annotated[str, typer.Option("--batch", help="Sequences cached at once.")]
BudgetOption = Annotated[str | None, typer.Option("--budget", help=(
    "KV-cache memory such as 80GiB: shows the largest context (at --batch) and batch (at --ctx) that fit."))]


@app.command()
def kvcache(
    models: ModelsArgument,
    ctx: CtxOption = DEFAULT_CONTEXT,
    batch: BatchOption = "1",
    dtype: DtypeOption = "bf16",
    budget: BudgetOption = None,
    per_layer: Annotated[bool, typer.Option("--per-layer", help="Also a table of every layer.")] = False,
    convention: ConventionOption = "vllm",
    state_dtype: StateDtypeOption = None,
    format: FormatOption = "table",
    specs: SpecsOption = None,
    gpu: GpuOnOption = None,
    weights: WeightsOption = "bf16",
    hardware: HardwareOption = None,
) -> None:
    """KV-cache bytes per token and at a context: MHA, GQA, MQA, MLA, sliding, chunked and shared layers, and the
    fixed state of linear-attention and Mamba layers."""
    from archcmp.analysis.kvcache import dtype_bits, kv_cache
    from archcmp.kinds.base import CONVENTIONS
    from archcmp.plan import expand
    from archcmp.render.kvcache_view import by_kind_table, kvcache_table, layers_table, state_table
    from archcmp.render.tabular import emit
    from archcmp.schema.linear import STATE_DTYPES
    from archcmp.units import parse_bytes, parse_contexts, parse_count

    check_choice("--convention", convention, CONVENTIONS)
    contexts = parse_contexts(ctx)
    sequences = parse_count(batch, "batch")
    dtype_bits(dtype)
    if state_dtype is not None:
        check_choice("--state-dtype", state_dtype, STATE_DTYPES)
    budget_bytes = None if budget is None else parse_bytes(budget, "budget")
    plans = [(spec, expand(spec)) for spec in resolve_all(specs, models)]
    results = [kv_cache(spec, context, sequences, dtype, budget_bytes, convention, plan, state_dtype, strict=True)
               for spec, plan in plans for context in contexts]
    raw = format == "csv"
    tables, data = [kvcache_table(results, raw=raw)], [r.to_json() for r in results]
    if not raw:  # CSV has them in its by_kind column
        tables.append(by_kind_table(results))
    if gpu:
        from archcmp.analysis.on_device import on_device
        from archcmp.analysis.weight_formats import weight_format
        from archcmp.render.on_device_view import on_device_table

        fleet, fmt = catalog(hardware).fleet(gpu), weight_format(weights)
        placed = [on_device(spec, fleet, fmt, dtype, context, sequences, plan, convention=convention,
                            state_dtype=state_dtype) for spec, plan in plans for context in contexts]
        tables.append(on_device_table(placed, raw=raw))
        data = [entry | {"on_gpu": one.to_json()} for entry, one in zip(data, placed)]
    if per_layer:
        tables += [layers_table(result, raw=raw) for result in results]
        tables += [t for t in (state_table(result, raw=raw) for result in results) if t is not None]
    emit(tables, format, data)
