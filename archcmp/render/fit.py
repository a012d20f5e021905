"""Fitting tables to a terminal: how many model columns a table holds, and
which columns can be kept from wrapping, so that an id never breaks and a
value ("274.5 MiB") stays on one line wherever the width allows."""

from __future__ import annotations

from collections.abc import Iterable

# Columns are two characters apart (a space of padding and the box's blank
# separator) and the table has no edges: n columns of content w cost
# sum(w) + GAP·(n − 1). print_rich builds its tables so.
GAP = 2
# The row-name column wraps its words, but is not squeezed below this; it
# keeps up to NAME_KEEP while value columns (say, of URLs) can give way.
NAME_FLOOR = 20
NAME_KEEP = 40
# A cell this long is kept on one line when the width allows: numbers with
# their unit, contexts, ratios, "671.0B (671,026,404,352)*".
KEEP_CELL = 26
# A value column keeps words up to this long whole ("(671,026,404,352)*");
# longer ones (URLs) fold anyway and must not force a split.
WORD_FLOOR = 18


def _longest_word(cells: Iterable[str]) -> int:
    return max((len(word) for cell in cells for word in cell.split()), default=0)


def _longest(cells: Iterable[str]) -> int:
    return max((len(cell) for cell in cells), default=0)


def _cells(table, j: int, marker: int) -> list[str]:
    """Column ``j``'s cells as drawn: a marked cell carries ``marker`` more."""
    return [row[j] + "*" * marker if (i, j) in table.marked else row[j] for i, row in enumerate(table.rows)]


def hard_width(table, j: int) -> int:
    """What column ``j`` must have: an id, whole (0 for no such need)."""
    if j == table.id_column:
        return _longest(row[j] for row in table.rows)
    return len(table.columns[j]) if table.model_columns and j > 0 else 0


def _least(table, j: int, marker: int) -> int:
    """The narrowest column ``j`` is drawn at without folding words short
    enough to keep (the row-name column at least NAME_FLOOR or its longest)."""
    cells = _cells(table, j, marker)
    if table.model_columns and j == 0:
        names = cells + list(table.groups.values())
        return min(NAME_FLOOR, _longest(names))
    word = min(WORD_FLOOR, max(_longest_word(cells), _longest_word([table.columns[j]])))
    return max(hard_width(table, j), word)


def column_groups(table, width: int, marker: int = 0) -> list[list[int]]:
    """Column indices of each table a ``split`` table splits into at
    ``width`` characters, each starting with the ``table.lead`` columns it
    repeats (the row names, or the ids and contexts of one row per model);
    in a table of one row per model, a number and its unit ("303.2 MiB")
    count as one word, kept whole."""
    lead = list(range(table.lead))
    # a table of one row per model holds single values: each kept whole
    whole = (lambda j: _longest_quantity(_cells(table, j, marker))) if not table.model_columns else (lambda j: 0)
    budget = width - sum(_least(table, j, marker) for j in lead) - GAP * (len(lead) - 1)
    groups: list[list[int]] = []
    current: list[int] = []
    used = 0
    for j in range(table.lead, len(table.columns)):
        need = GAP + max(_least(table, j, marker), whole(j))
        if current and used + need > budget:
            groups.append(current)
            current, used = [], 0
        current.append(j)
        used += need
    groups.append(current)
    return [[*lead, *group] for group in groups]


def _longest_quantity(cells: list[str]) -> int:
    """The longest word, a number and its unit being one."""
    import re

    from archcmp.render.tabular import UNIT_SPACE

    return _longest_word(re.sub(UNIT_SPACE, "\0", cell) for cell in cells)


def _keep_floors(table, columns: list[int], least: dict[int, int], spare: int, marker: int) -> dict[int, int]:
    """Floors that keep whole lines while ``spare`` characters last: value
    cells up to KEEP_CELL long first, the cheapest first, then the row names
    up to NAME_KEEP."""
    floors = dict(least)
    wants = []
    for j in columns:
        if table.model_columns and j == 0:
            continue
        target = min(KEEP_CELL, _longest(_cells(table, j, marker)))
        if target > least[j]:
            wants.append((target - least[j], j, target))
    if table.model_columns and 0 in columns:
        target = min(NAME_KEEP, _longest(row[0] for row in table.rows))
        wants.append((float("inf"), 0, max(target, least[0])))  # last
    for _, j, target in sorted(wants):
        extra = target - floors[j]
        if extra > spare:
            continue
        spare -= extra
        floors[j] = target
    return floors


def widths(table, columns: list[int], width: int, marker: int = 0) -> dict[int, int]:
    """Each column's width when the table would be wider than ``width``
    (empty when it fits as it is). The widest columns give way first, down
    to floors that keep short lines whole, then words, then ids alone."""
    natural = {j: max(_longest(_cells(table, j, marker)), len(table.columns[j]), 1) for j in columns}
    room = width - GAP * (len(columns) - 1)
    if sum(natural.values()) <= room:
        return {}
    least = {j: _least(table, j, marker) for j in columns}
    hard = {j: max(hard_width(table, j), 1) for j in columns}
    chosen = dict(natural)
    for floors in (_keep_floors(table, columns, least, room - sum(least.values()), marker), least, hard):
        floors = {j: min(floors[j], natural[j]) for j in columns}
        excess = sum(chosen.values()) - room
        while excess > 0:
            over = [j for j in columns if chosen[j] > floors[j]]
            if not over:
                break
            widest = max(over, key=lambda j: chosen[j])
            chosen[widest] -= 1
            excess -= 1
        if excess <= 0:
            break
    return chosen
