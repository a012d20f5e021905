"""Lay out parameter results: one column per model."""

from __future__ import annotations

from archcmp.analysis.params import COMPONENTS, ParamsResult
from archcmp.kinds.base import SPARSE_PARAM_COMPONENTS, with_optional
from archcmp.render.cells import value_text
from archcmp.render.tabular import Table


def params_table(results: list[ParamsResult], raw: bool = False) -> Table:
    table = Table("Parameters", ["", *(r.model for r in results)])
    table.caption = ("active: routed experts as experts_per_token of num_experts, all else in full; "
                     "a tied output head is counted once, in embedding")
    cell = lambda n: value_text(n, "params", raw)  # noqa: E731
    table.add("total_params", *(cell(r.total_params) for r in results))
    table.add("active_params", *(cell(r.active_params) for r in results))
    table.add("active_params_excl_embedding", *(cell(r.active_params_excl_embedding) for r in results))
    table.groups[len(table.rows)] = "components (total)"
    present = {name: 1 for r in results for name in r.components}  # COMPONENTS and the optional ones, in order
    for name in with_optional(present, COMPONENTS, SPARSE_PARAM_COMPONENTS):
        table.add(name, *(cell(r.components.get(name, 0)) for r in results))
    if any(r.total_params != r.active_params for r in results):
        table.groups[len(table.rows)] = "components (active per token)"
        for name in ("routed_experts",):
            table.add(f"{name} (active)", *(cell(r.active_components[name]) for r in results))
    modules = sorted({m for r in results for m in r.optional_modules})
    if modules:
        table.groups[len(table.rows)] = "optional modules (not in total)"
        for name in modules:
            table.add(name, *(cell(r.optional_modules.get(name, 0)) for r in results))
    return table
