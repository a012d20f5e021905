"""Lay out architecture cards (``show``) and the model list (``list``)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from archcmp.render.cells import value_text
from archcmp.render.facts_text import fact_words, layout_text
from archcmp.render.tabular import Table
from archcmp.units import format_params

if TYPE_CHECKING:  # list needs no facts
    from archcmp.analysis.facts import Fact


def card_table(model: str, facts: list[Fact], raw: bool = False) -> Table:
    """Rows in compare's words, keyed (CSV) by fact name."""
    table = Table(model, ["", "value"], align=["left", "left"])
    group = None
    for fact in facts:
        if fact.value is None:  # a row that does not apply to this model
            continue
        if fact.group != group:
            group = fact.group
            table.groups[len(table.rows)] = group
        table.add(fact_words(fact.name), value_text(fact.value, fact.unit, raw), key=fact.name)
    return table


def list_table(rows: list[dict], raw: bool = False, active_excl_embedding: bool = False) -> Table:
    active = "active (excl. embeddings)" if active_excl_embedding else "active"
    table = Table("Models", ["id", "family", "total", active, "attention", "release"], id_column=0,
                  align=["left", "left", "right", "right", "left", "left"])
    table.column_keys = ["id", "family", "total_params", "active_params", "attention", "release_date"]
    for row in rows:
        total, active = (str(row[k]) if raw else format_params(row[k]) for k in ("total_params", "active_params"))
        table.add(row["id"], row["family"], total, active, layout_text(row["attention"]), row["release_date"] or "")
    return table
