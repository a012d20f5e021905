"""``archcmp compare`` (side by side) and ``archcmp diff`` (two, in words)."""

from enum import Enum
from typing import Annotated

import typer

from archcmp.app import (
    ActiveExclEmbeddingOption,
    AttentionOption,
    ConventionOption,
    DtypeOption,
    FormatOption,
    SpecsOption,
    StateDtypeOption,
    app,
    check_choice,
    registry,
)
from archcmp.commands.deploy_options import GpuOnOption, HardwareOption, WeightsOption, catalog


def with_device_rows(comparison, chosen, gpu: str, weights: str, hardware):
    """The comparison with the fit and speed rows of ``--gpu`` added."""
    from dataclasses import replace

    from archcmp.analysis.on_device import compare_rows, on_device
    from archcmp.analysis.weight_formats import weight_format

    fleet, fmt = catalog(hardware).fleet(gpu), weight_format(weights)
    cache = {"convention": comparison.options.convention, "state_dtype": comparison.options.state_dtype}
    results = [on_device(spec, fleet, fmt, comparison.dtype, comparison.context, **cache) for spec in chosen]
    return replace(comparison, rows=comparison.rows + compare_rows(results))


class Layout(str, Enum):
    auto = "auto"
    columns = "columns"
    rows = "rows"


ContextOption = Annotated[str, typer.Option("--ctx", help="Context for the cost rows: 4096, 32k, 128k, 1M.")]


@app.command()
def compare(
    models: Annotated[list[str] | None, typer.Argument(help="Spec ids, aliases or paths.")] = None,
    family: Annotated[str | None, typer.Option("--family", help="Every bundled size of a family.")] = None,
    ctx: ContextOption = "32k",
    dtype: DtypeOption = "bf16",
    attention: AttentionOption = "causal",
    active_excl_embedding: ActiveExclEmbeddingOption = False,
    convention: ConventionOption = "vllm",
    state_dtype: StateDtypeOption = None,
    only_diff: Annotated[bool, typer.Option("--only-diff", help="Fold rows that are the same for all.")] = False,
    layout: Annotated[Layout, typer.Option("--layout", help="columns: a column per model; rows: "
                                           "a row per model; auto: columns, split to fit the terminal.")] = "auto",
    format: FormatOption = "table",
    specs: SpecsOption = None,
    gpu: GpuOnOption = None,
    weights: WeightsOption = "bf16",
    hardware: HardwareOption = None,
) -> None:
    """Two or more architectures side by side: size, attention, FFN, norms, cost."""
    from archcmp.analysis.catalog import smallest_first
    from archcmp.analysis.compare import compare as run_compare
    from archcmp.errors import ArchcmpError
    from archcmp.kinds.base import ATTENTION_MODES
    from archcmp.render import compare_view
    from archcmp.render.tabular import emit
    from archcmp.units import parse_context

    check_choice("--attention", attention, ATTENTION_MODES)
    _check_cache_options(convention, state_dtype)
    reg = registry(specs)
    chosen = [reg.resolve(name) for name in models or []]
    if family:
        chosen += smallest_first(reg.family(family))
    if len(chosen) < 2:
        raise ArchcmpError("compare needs two or more models (archcmp compare deepseek-v3 llama4-maverick) "
                           "or --family NAME; `archcmp show` describes one")
    comparison = run_compare(chosen, parse_context(ctx), dtype, attention, active_excl_embedding, convention,
                             state_dtype)
    if gpu:
        comparison = with_device_rows(comparison, chosen, gpu, weights, hardware)
    raw = format == "csv"

    def tables():
        if layout == "rows":
            return [compare_view.transposed_table(comparison, only_diff, raw)]
        return compare_view.compare_tables(comparison, only_diff, raw, split=layout == "auto")

    emit(tables, format, comparison.to_json)


@app.command()
def diff(
    a: Annotated[str, typer.Argument(help="The model to start from.")],
    b: Annotated[str, typer.Argument(help="The model to compare it with.")],
    ctx: ContextOption = "32k",
    dtype: DtypeOption = "bf16",
    attention: AttentionOption = "causal",
    convention: ConventionOption = "vllm",
    state_dtype: StateDtypeOption = None,
    format: FormatOption = "table",
    specs: SpecsOption = None,
) -> None:
    """What differs between two architectures, in words, and what it changes."""
    from archcmp.analysis.compare import compare as run_compare
    from archcmp.analysis.compare import diff as run_diff
    from archcmp.kinds.base import ATTENTION_MODES
    from archcmp.render import compare_view
    from archcmp.render.tabular import emit, print_lines
    from archcmp.units import parse_context

    check_choice("--attention", attention, ATTENTION_MODES)
    _check_cache_options(convention, state_dtype)
    reg = registry(specs)
    first, second = reg.resolve(a), reg.resolve(b)
    result = run_diff(run_compare([first, second], parse_context(ctx), dtype, attention, convention=convention,
                                  state_dtype=state_dtype))
    if format == "table":
        print_lines(compare_view.diff_lines(result))
        return
    emit([compare_view.diff_table(result, raw=format == "csv")], format, result.to_json)


def _check_cache_options(convention: str, state_dtype: str | None) -> None:
    from archcmp.kinds.base import CONVENTIONS
    from archcmp.schema.linear import STATE_DTYPES

    check_choice("--convention", convention, CONVENTIONS)
    if state_dtype is not None:
        check_choice("--state-dtype", state_dtype, STATE_DTYPES)
