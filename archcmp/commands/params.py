"""``archcmp params``: total, active and per-component parameter counts."""

from archcmp.app import FormatOption, ModelsArgument, SpecsOption, app, resolve_all


@app.command()
def params(models: ModelsArgument, format: FormatOption = "table", specs: SpecsOption = None) -> None:
    """Total and active parameters per token, with a breakdown by component."""
    from archcmp.analysis.params import count_params
    from archcmp.render.params_view import params_table
    from archcmp.render.tabular import emit

    results = [count_params(spec) for spec in resolve_all(specs, models)]
    emit([params_table(results, raw=format == "csv")], format, lambda: [r.to_json() for r in results])
