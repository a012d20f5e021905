"""``archcmp fit``: does a model fit on named hardware, and how much context
and batch does."""

from typing import Annotated

import typer

from archcmp.app import (
    ConventionOption,
    FormatOption,
    ModelsArgument,
    SpecsOption,
    StateDtypeOption,
    app,
    resolve_all,
)
from archcmp.commands.deploy_options import (
    BasisOption,
    BatchOption,
    EpOption,
    GpuOption,
    HardwareOption,
    KvDtypeOption,
    MemUtilOption,
    PpOption,
    ReserveOption,
    ScopeOption,
    TpOption,
    WeightsOption,
    cache_args,
    catalog,
    memory_args,
)

FIT_CONTEXT = "4k"  # a chat-length default; --ctx states the real one, and max context is always shown
CtxOption = Annotated[str, typer.Option("--ctx", help="Context per sequence: 4096, 32k, 128k, 1M (k = 1024).")]


def plan_inputs(specs, models, gpu, hardware, tp, pp, ep, weights, quant_scope, dtype, memory_basis,
                mem_util, reserve):
    """Models, the fleet, the weight format and the memory budget, parsed."""
    from archcmp.analysis.deployment import QUANT_SCOPES
    from archcmp.analysis.fit import budget
    from archcmp.analysis.kvcache import dtype_bits
    from archcmp.analysis.weight_formats import weight_format
    from archcmp.errors import ArchcmpError

    fleet = catalog(hardware).fleet(gpu)
    fmt = weight_format(weights)
    if quant_scope not in QUANT_SCOPES:
        raise ArchcmpError(f"bad --quant-scope {quant_scope!r}: expected one of {', '.join(QUANT_SCOPES)}")
    dtype_bits(dtype)
    room = budget(fleet.device, *memory_args(memory_basis, mem_util, reserve))
    return resolve_all(specs, models), fleet, fmt, room


@app.command()
def fit(
    models: ModelsArgument,
    gpu: GpuOption,
    tp: TpOption = None, pp: PpOption = None, ep: EpOption = None,
    weights: WeightsOption = "bf16",
    quant_scope: ScopeOption = "linear",
    dtype: KvDtypeOption = "bf16",
    convention: ConventionOption = "vllm",
    state_dtype: StateDtypeOption = None,
    ctx: CtxOption = FIT_CONTEXT,
    batch: BatchOption = "1",
    mem_util: MemUtilOption = "0.9",
    reserve: ReserveOption = "0",
    memory_basis: BasisOption = "nominal",
    format: FormatOption = "table",
    specs: SpecsOption = None,
    hardware: HardwareOption = None,
) -> None:
    """Does it fit: weights, KV cache, reserve against usable memory per GPU; max context, max batch, fewest GPUs."""
    from archcmp.analysis.deployment import ModelTensors
    from archcmp.analysis.fit import fit as run_fit
    from archcmp.analysis.sharding import resolve_layout
    from archcmp.render.fit_view import fit_table
    from archcmp.render.tabular import emit
    from archcmp.units import parse_context, parse_count

    chosen, fleet, fmt, room = plan_inputs(specs, models, gpu, hardware, tp, pp, ep, weights, quant_scope, dtype,
                                           memory_basis, mem_util, reserve)
    context, sequences = parse_context(ctx), parse_count(batch, "--batch")
    cache = cache_args(convention, state_dtype)
    results = []
    for spec in chosen:
        tensors = ModelTensors(spec)  # one plan per model, for the layout check and every layout the search tries
        layout = resolve_layout(spec, fleet.count, tp, pp, ep, tensors.plan)
        results.append(run_fit(spec, fleet.device, fleet.count, layout, fmt, quant_scope, dtype, context, sequences,
                               room, tensors, **cache))
    emit([fit_table(results, raw=format == "csv", stated=fleet.device.memory.stated)], format,
         lambda: [r.to_json() for r in results])
