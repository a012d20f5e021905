"""One table model, four outputs: rich (the default), CSV, Markdown, JSON.

Renderers only lay out what they are given; numbers arrive computed, and
views (``archcmp.render.views``) decide how each is written.
"""

from __future__ import annotations

import csv
import io
import json
import os
import sys
from dataclasses import dataclass, field

FORMATS = ("table", "json", "csv", "md")


@dataclass
class Table:
    title: str
    columns: list[str]
    rows: list[list[str]] = field(default_factory=list)
    # Rows that open a group ("Size", "Attention", ...) in compare-style tables.
    groups: dict[int, str] = field(default_factory=dict)
    # Cells (row, column) that differ from their neighbours and should stand out.
    marked: set[tuple[int, int]] = field(default_factory=set)
    caption: str | None = None
    # "left" or "right" per column; by default names left, values right.
    align: list[str] | None = None

    def add(self, *cells: object) -> None:
        self.rows.append([str(c) for c in cells])


def to_csv(table: Table) -> str:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(table.columns)
    writer.writerows(table.rows)
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
    return json.dumps(data, indent=2) + "\n"


def console():
    """A rich console: colour only on a terminal without NO_COLOR; when piped,
    wide enough that tables are not squeezed."""
    from rich.console import Console

    tty = sys.stdout.isatty()
    width = None if tty else int(os.environ.get("COLUMNS", "200"))
    return Console(width=width, no_color=bool(os.environ.get("NO_COLOR")) or not tty, highlight=False)


def print_rich(table: Table) -> None:
    from rich import box
    from rich.table import Table as RichTable
    from rich.text import Text

    out = console()
    rich_table = RichTable(title=table.title, box=box.SIMPLE_HEAD, caption=table.caption, title_justify="left")
    for j, column in enumerate(table.columns):
        justify = table.align[j] if table.align else ("left" if j == 0 else "right")
        rich_table.add_column(column, justify=justify, overflow="fold")
    # Text objects, not markup strings: nothing in a cell is parsed as markup,
    # and rendering skips the markup and emoji passes.
    marker = "" if out.color_system else "*"  # without colour, a mark shows as a star
    for i, row in enumerate(table.rows):
        if i in table.groups:
            rich_table.add_row(Text(table.groups[i], style="bold"))
        rich_table.add_row(*(Text(c + marker, style="bold yellow") if (i, j) in table.marked else Text(c)
                             for j, c in enumerate(row)))
    out.print(rich_table)


def emit(tables: list[Table], fmt: str, json_data: object = None) -> None:
    """Write tables (or, for ``json``, the raw data) to standard output.
    ``fmt`` is a format name or the CLI's ``Format`` (a str enum)."""
    fmt = getattr(fmt, "value", fmt)
    if fmt == "json":
        sys.stdout.write(to_json(json_data))
    elif fmt == "csv":
        sys.stdout.write("\n".join(to_csv(t) for t in tables))
    elif fmt == "md":
        sys.stdout.write("\n".join(to_markdown(t) for t in tables))
    else:
        for t in tables:
            print_rich(t)
