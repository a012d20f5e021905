"""The fifth output of a :class:`~archcmp.render.tabular.Table`: an HTML
table, cell for cell the text the rich, CSV and Markdown outputs show, so a
report carries exactly the CLI's numbers."""

from __future__ import annotations

from html import escape

from archcmp.render.tabular import Table


def _cell(text: str) -> str:
    return "<br>".join(escape(line) for line in text.split("\n"))


def to_html(table: Table, table_id: str | None = None) -> str:
    """``marked`` cells get class ``marked`` (and a visible mark for
    readers who print in black and white); group rows span the table."""
    align = table.align or ["left"] + ["right"] * (len(table.columns) - 1)
    ident = f' id="{escape(table_id)}"' if table_id else ""
    lines = [f'<table class="data"{ident}>', f"<caption>{escape(table.title)}</caption>", "<thead><tr>"]
    lines += [f'<th scope="col" class="{a}">{_cell(c)}</th>' for c, a in zip(table.columns, align)]
    lines.append("</tr></thead><tbody>")
    for i, row in enumerate(table.rows):
        if i in table.groups:
            lines.append(f'<tr class="group"><th colspan="{len(table.columns)}" scope="colgroup">'
                         f"{escape(table.groups[i])}</th></tr>")
        cells = []
        for j, text in enumerate(row):
            classes = align[j] + (" marked" if (i, j) in table.marked else "")
            tag = "th" if j == 0 else "td"
            scope = ' scope="row"' if j == 0 else ""
            cells.append(f'<{tag}{scope} class="{classes}">{_cell(text)}</{tag}>')
        lines.append("<tr>" + "".join(cells) + "</tr>")
    lines.append("</tbody></table>")
    if table.caption:
        lines.append(f'<p class="note">{escape(table.caption)}</p>')
    return "\n".join(lines)
