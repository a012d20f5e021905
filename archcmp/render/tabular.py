"""One table model, four outputs: rich (the default), CSV, Markdown, JSON.

Renderers only lay out what they are given; numbers arrive computed, and
views (``archcmp.render.views``) decide how each is written.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Callable

FORMATS = ("table", "json", "csv", "md")


class Table:
    """A table to render. A plain class (mutable: views add rows), not a
    dataclass: ``dataclass`` costs 5 M instructions to define it, in every
    command that prints a table."""

    def __init__(self, title: str, columns: list[str], rows: list[list[str]] | None = None, *,
                 groups: dict[int, str] | None = None, marked: set[tuple[int, int]] | None = None,
                 caption: str | None = None, align: list[str] | None = None, column_keys: list[str] | None = None,
                 keys: dict[int, str] | None = None, model_columns: bool = False, split: bool = False,
                 id_column: int | None = None, lead: int = 1):
        self.title, self.columns = title, columns
        self.rows: list[list[str]] = [] if rows is None else rows
        # Rows that open a group ("Size", "Attention", ...) in compare-style tables.
        self.groups: dict[int, str] = {} if groups is None else groups
        # Cells (row, column) that differ from their neighbours and should stand out.
        self.marked: set[tuple[int, int]] = set() if marked is None else marked
        # An explanation, printed below the table (left-aligned, wrapped).
        self.caption = caption
        # "left" or "right" per column; by default names left, values right.
        self.align = align
        # Machine names for CSV: the header row's (``column_keys``) and each row's
        # first cell (``keys``, by row); tables show the words in their place.
        self.column_keys = column_keys
        self.keys: dict[int, str] = {} if keys is None else keys
        # Columns from the second on are one per model, headed by its id, which a
        # rich table never breaks.
        self.model_columns = model_columns
        # A rich table too wide for the terminal splits its columns from the
        # second on into several tables of as many as fit, each repeating column
        # 0 (the row names, or the ids of a table of one row per model).
        self.split = split
        # A column whose cells are model ids: never wrapped.
        self.id_column = id_column
        # How many leading columns every table of a split repeats.
        self.lead = lead

    def add(self, *cells: object, key: str | None = None) -> None:
        if key is not None:
            self.keys[len(self.rows)] = key
        self.rows.append([str(c) for c in cells])


def to_csv(table: Table) -> str:
    """Keys, not words, where the table has them: CSV is read by programs."""
    import csv
    import io

    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(table.column_keys or table.columns)
    writer.writerows([table.keys[i], *row[1:]] if i in table.keys else row for i, row in enumerate(table.rows))
    return out.getvalue()


def to_markdown(table: Table) -> str:
    def line(cells: list[str]) -> str:
        return "| " + " | ".join(c.replace("|", "\\|").replace("\n", "<br>") for c in cells) + " |"

    lines = [f"**{table.title}**", "", line(table.columns), "|" + "---|" * len(table.columns)]
    for i, row in enumerate(table.rows):
        if i in table.groups:
            lines.append(line([f"**{table.groups[i]}**"] + [""] * (len(row) - 1)))
        cells = [f"**{c}**" if (i, j) in table.marked else c for j, c in enumerate(row)]
        lines.append(line(cells))
    if table.caption:
        lines += ["", table.caption]
    return "\n".join(lines) + "\n"


def to_json(data: object) -> str:
    import json

    return json.dumps(data, indent=2) + "\n"


def terminal_width() -> int:
    """The terminal's width (``COLUMNS`` first); when piped, ``COLUMNS`` or
    200, wide enough that tables are not squeezed."""
    if sys.stdout.isatty():
        import shutil

        return shutil.get_terminal_size().columns
    columns = os.environ.get("COLUMNS", "")
    return int(columns) if columns.isdigit() and int(columns) > 0 else 200


def console():
    """A rich console at :func:`terminal_width`: colour only on a terminal
    without NO_COLOR."""
    from rich.console import Console

    tty = sys.stdout.isatty()
    return Console(width=terminal_width(), no_color=bool(os.environ.get("NO_COLOR")) or not tty, highlight=False)


# A number and its unit ("630.0 GFLOP", "2.1 GiB") stay on one line.
UNIT_SPACE = r"(?<=\d) (?=[KMGTPE]?i?B\b|[KMGTPE]?FLOP\b)"


def print_lines(lines: list[str]) -> None:
    """Plain lines wrapped at the terminal's width, a wrapped line indented
    four more than its first part; ids (``deepseek-v3``) are never split."""
    import re
    import textwrap

    width = terminal_width()
    for line in lines:
        if len(line) > width:
            indent = " " * (len(line) - len(line.lstrip()) + 4)
            line = textwrap.fill(re.sub(UNIT_SPACE, "\0", line), width, subsequent_indent=indent,
                                 break_long_words=False, break_on_hyphens=False).replace("\0", " ")
        print(line)


def print_rich(table: Table) -> None:
    from rich.text import Text

    from archcmp.render.fit import column_groups, widths

    out = console()
    marker = "" if out.color_system else "*"  # without colour, a mark shows as a star
    groups = column_groups(table, out.width, len(marker)) if table.split else None
    for columns in groups or [list(range(len(table.columns)))]:
        out.print(_rich_table(table, columns, marker, widths(table, columns, out.width, len(marker))))
    if table.caption:  # below the table, left-aligned, wrapped at the terminal's width
        out.print(Text(table.caption), justify="left")


def _rich_table(table: Table, columns: list[int], marker: str, widths: dict[int, int]):
    """The rich table of ``columns`` (indices into ``table.columns``), at
    the ``widths`` :mod:`archcmp.render.fit` chose (none: as wide as needed)."""
    from rich import box
    from rich.table import Table as RichTable
    from rich.text import Text

    # No edges, one space of padding on the right: columns two apart, the
    # layout render.fit counts with.
    rich_table = RichTable(title=table.title, box=box.SIMPLE_HEAD, title_justify="left", show_edge=False,
                           pad_edge=False, padding=(0, 1, 0, 0))
    for j in columns:
        justify = table.align[j] if table.align else ("left" if j == 0 else "right")
        rich_table.add_column(table.columns[j], justify=justify, overflow="fold", width=widths.get(j))
    # Text objects, not markup strings: nothing in a cell is parsed as markup,
    # and rendering skips the markup and emoji passes.
    for i, row in enumerate(table.rows):
        if i in table.groups:
            rich_table.add_row(Text(table.groups[i], style="bold"))
        rich_table.add_row(*(Text(row[j] + marker, style="bold yellow") if (i, j) in table.marked else Text(row[j])
                             for j in columns))
    return rich_table


def emit(tables: list[Table] | Callable[[], list[Table]], fmt: str,
         json_data: object | Callable[[], object] = None) -> None:
    """Write tables (or, for ``json``, the raw data) to standard output.
    ``fmt`` is a format name or the CLI's ``Format`` (a str enum). Either
    may come as a function that builds it: only the one written is built."""
    fmt = getattr(fmt, "value", fmt)
    if fmt == "json":
        sys.stdout.write(to_json(json_data() if callable(json_data) else json_data))
        return
    tables = tables() if callable(tables) else tables
    if fmt == "csv":
        sys.stdout.write("\n".join(to_csv(t) for t in tables))
    elif fmt == "md":
        sys.stdout.write("\n".join(to_markdown(t) for t in tables))
    else:
        for t in tables:
            print_rich(t)
