"""``archcmp speed``: roofline bounds on decode and prefill on named hardware."""

from typing import Annotated

import typer

from archcmp.app import ConventionOption, FormatOption, ModelsArgument, SpecsOption, StateDtypeOption, app
from archcmp.commands.deploy_options import (
    BasisOption,
    EpOption,
    GpuOption,
    HardwareOption,
    KvDtypeOption,
    MemUtilOption,
    PpOption,
    ReserveOption,
    ScopeOption,
    SpeedBatchOption,
    TpOption,
    WeightsOption,
    cache_args,
    decimal_option,
)
from archcmp.commands.fit import CtxOption, plan_inputs


@app.command()
def speed(
    models: ModelsArgument,
    gpu: GpuOption,
    tp: TpOption = None, pp: PpOption = None, ep: EpOption = None,
    weights: WeightsOption = "bf16",
    quant_scope: ScopeOption = "linear",
    dtype: KvDtypeOption = "bf16",
    prompt: Annotated[str, typer.Option("--prompt", help="Prompt tokens for the prefill bound.")] = "1k",
    ctx: CtxOption = "4k",
    batch: SpeedBatchOption = "1",
    compute_dtype: Annotated[str | None, typer.Option("--compute-dtype", help=(
        "Matmul dtype whose peak bounds compute (default from --weights: weight-only int4 runs at bf16)."))] = None,
    peak_tflops: Annotated[str | None, typer.Option(
        "--peak-tflops", help="Your own dense peak, for a device that publishes none.")] = None,
    memory_only: Annotated[bool, typer.Option("--memory-only", help="Bandwidth bounds only, no compute.")] = False,
    bw_eff: Annotated[str, typer.Option("--bw-eff", help="Fraction of peak bandwidth reached (default 1).")] = "1",
    flops_eff: Annotated[str, typer.Option("--flops-eff", help="Fraction of peak FLOPs reached (default 1).")] = "1",
    moe_experts: Annotated[str, typer.Option("--moe-experts", help=(
        "Experts a decode step reads: uniform (expected under uniform routing) or all."))] = "uniform",
    convention: ConventionOption = "vllm",
    state_dtype: StateDtypeOption = None,
    mem_util: MemUtilOption = "0.9",
    reserve: ReserveOption = "0",
    memory_basis: BasisOption = "nominal",
    format: FormatOption = "table",
    specs: SpecsOption = None,
    hardware: HardwareOption = None,
) -> None:
    """Roofline bounds: decode step time and tokens/s, time to first token, and what bounds them."""
    from archcmp.analysis.deployment import Deployment, ModelTensors
    from archcmp.analysis.fit import fit as run_fit
    from archcmp.analysis.sharding import resolve_layout
    from archcmp.analysis.speed import device_peak
    from archcmp.analysis.speed import speed as run_speed
    from archcmp.errors import ArchcmpError
    from archcmp.render.speed_view import speed_table
    from archcmp.render.tabular import emit
    from archcmp.units import parse_context, parse_count

    chosen, fleet, fmt, room = plan_inputs(specs, models, gpu, hardware, tp, pp, ep, weights, quant_scope, dtype,
                                           memory_basis, mem_util, reserve)
    tokens, context = parse_context(prompt), parse_context(ctx)
    full_load = batch.strip().lower() == "max"
    sequences = 1 if full_load else parse_count(batch, "--batch")
    override = None if peak_tflops is None else decimal_option(peak_tflops, "--peak-tflops")
    peak = device_peak(fleet.device, compute_dtype or fmt.compute_dtype, override, memory_only)
    bw, fl = decimal_option(bw_eff, "--bw-eff"), decimal_option(flops_eff, "--flops-eff")
    cache = cache_args(convention, state_dtype)
    results = []
    for spec in chosen:  # the fit says whether it fits and, for --batch max, how many sequences do
        tensors = ModelTensors(spec)  # one plan per model, shared by the layout check, the fit and the roofline
        layout = resolve_layout(spec, fleet.count, tp, pp, ep, tensors.plan)
        plan = run_fit(spec, fleet.device, fleet.count, layout, fmt, quant_scope, dtype, context, sequences, room,
                       tensors, **cache)
        if full_load and plan.max_batch == 0:
            raise ArchcmpError(f"--batch max: not one sequence of {ctx} tokens fits {spec.id} on {fleet.label}")
        size = plan.max_batch if full_load else sequences
        deployment = Deployment(spec, layout, fmt, quant_scope, dtype, tensors, **cache)
        results.append(run_speed(deployment, fleet.device, peak, tokens, context, size, bw, fl,
                                 moe_experts, plan.fits or full_load))
    emit([speed_table(results, raw=format == "csv")], format, lambda: [r.to_json() for r in results])
