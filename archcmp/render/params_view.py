"""Lay out parameter results: one column per model."""

from __future__ import annotations

from archcmp.analysis.params import COMPONENTS, ParamsResult
from archcmp.kinds.base import OPTIONAL_PARAM_COMPONENTS, with_optional
from archcmp.render.cells import value_text
from archcmp.render.facts_text import fact_words
from archcmp.render.tabular import Table

CAPTION = ("active: routed experts as experts_per_token of num_experts, all else in full; "
           "a tied output head is counted once, in embedding.")


def params_table(results: list[ParamsResult], raw: bool = False) -> Table:
    """Rows in words, keyed (CSV) by the JSON names: ``total_params``,
    ``embedding``, ``routed_experts (active)``, ``mtp``."""
    table = Table("Parameters", ["", *(r.model for r in results)], caption=CAPTION, model_columns=True, split=True)

    def add(key: str, counts: list[int], words: str | None = None) -> None:
        table.add(words or fact_words(key), *(value_text(n, "params", raw) for n in counts), key=key)

    for key in ("total_params", "active_params", "active_params_excl_embedding"):
        add(key, [getattr(r, key) for r in results])
    table.groups[len(table.rows)] = "components (total)"
    present = {name: 1 for r in results for name, n in r.components.items() if n}
    for name in with_optional(present, COMPONENTS, OPTIONAL_PARAM_COMPONENTS):  # an optional one only if any model has it
        add(name, [r.components.get(name, 0) for r in results])
    if any(r.total_params != r.active_params for r in results):
        table.groups[len(table.rows)] = "components (active per token)"
        for name in ("routed_experts",):
            add(f"{name} (active)", [r.active_components[name] for r in results], fact_words(name))
    modules = sorted({m for r in results for m in r.optional_modules})
    if modules:
        table.groups[len(table.rows)] = "optional modules (not in total)"
        for name in modules:
            add(name, [r.optional_modules.get(name, 0) for r in results])
    return table
