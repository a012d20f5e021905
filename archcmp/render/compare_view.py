"""Lay out comparisons: one column per model (the rich renderer splits it
into several tables when they do not fit the terminal), or transposed, and
diffs as sentences."""

from __future__ import annotations

from archcmp.analysis.compare import Change, Comparison, Diff, Row
from archcmp.render.cells import value_text
from archcmp.render.facts_text import fact_words
from archcmp.render.tabular import Table
from archcmp.units import format_context


def _rows(comparison: Comparison, only_diff: bool) -> list[Row]:
    return [row for row in comparison.rows if not (only_diff and row.same)]


def compare_tables(comparison: Comparison, only_diff: bool = False, raw: bool = False,
                   split: bool = True) -> list[Table]:
    """Models as columns, rows keyed by fact name (CSV's first column). A
    rich table splits into as many as fit the terminal unless ``split`` is
    off (``--layout columns``)."""
    models = list(comparison.models)
    title = f"Comparison at {format_context(comparison.context)} tokens, KV cache in {comparison.dtype}"
    table = Table(title, ["", *models], model_columns=True, split=split)
    group = None
    for row in _rows(comparison, only_diff):
        if row.group != group:
            group = row.group
            table.groups[len(table.rows)] = group
        table.marked |= {(len(table.rows), c + 1) for c in range(len(models)) if row.differs_from_first(c)}
        table.add(_words(row.name, comparison), *(value_text(v, row.unit, raw) for v in row.values), key=row.name)
    table.caption = f"marked: differs from {models[0]}" if len(models) > 1 and not raw else None
    return [table]


def transposed_table(comparison: Comparison, only_diff: bool = False, raw: bool = False) -> Table:
    """Models as rows, facts as columns: for many models and few facts."""
    rows = _rows(comparison, only_diff)
    words = [_words(row.name, comparison) for row in rows]
    table = Table("Comparison", ["model", *words], align=["left"] * (len(rows) + 1), id_column=0)
    table.column_keys = ["model", *(row.name for row in rows)]
    for i, model in enumerate(comparison.models):
        table.add(model, *(value_text(row.values[i], row.unit, raw) for row in rows))
        table.marked |= {(i, j) for j, row in enumerate(rows, start=1) if row.differs_from_first(i)}
    return table


def _words(name: str, comparison: Comparison) -> str:
    return fact_words(name, comparison.dtype, comparison.options.active_excl_embedding)


def change_text(change: Change, result: Diff) -> str:
    before, after = value_text(change.before, change.unit), value_text(change.after, change.unit)
    words = fact_words(change.name, result.options.dtype)
    if change.before == change.after:
        return f"{words}: unchanged, {before}"
    relative = change.relative
    suffix = f" ({relative:+.1%})".replace("-", "−") if relative is not None else ""
    return f"{words}: {before} → {after}{suffix}"


def diff_lines(result: Diff) -> list[str]:
    if not result.architecture:
        lines = [f"{result.before} and {result.after} have the same architecture"]
    else:
        lines = [f"{result.before} → {result.after}"]
        lines += [f"  {change_text(c, result)}" for c in result.architecture]
    lines += ["so:"] + [f"  {change_text(c, result)}" for c in result.consequences]
    if result.training:
        lines += ["also:"] + [f"  {change_text(c, result)}" for c in result.training]
    return lines


def diff_table(result: Diff, raw: bool = False) -> Table:
    table = Table(f"{result.before} → {result.after}", ["what", "from", "to", "change"])
    for change in result.architecture + result.consequences + result.training:
        relative = change.relative
        table.add(fact_words(change.name, result.options.dtype), value_text(change.before, change.unit, raw),
                  value_text(change.after, change.unit, raw),
                  "" if relative is None else (f"{relative:.6f}" if raw else f"{relative:+.1%}"), key=change.name)
    return table
