"""The report's one stylesheet, inlined: system fonts only (nothing is
fetched), readable on screen, and on paper with figures kept whole and
table headers repeated on every page."""

CSS = """
:root { --ink: #1f2328; --muted: #57606a; --rule: #d0d7de; --mark: #fff0a8; --band: #f6f8fa; }
* { box-sizing: border-box; }
html { font-family: system-ui, -apple-system, "Segoe UI", Helvetica, Arial, "Liberation Sans",
       "DejaVu Sans", sans-serif; color: var(--ink); background: #ffffff; line-height: 1.45; }
body { margin: 0 auto; padding: 24px 28px 48px; max-width: 1400px; }
h1 { font-size: 1.7rem; margin: 0 0 4px; }
h2 { font-size: 1.3rem; margin: 36px 0 10px; padding-top: 8px; border-top: 2px solid var(--rule); }
h3 { font-size: 1.05rem; margin: 20px 0 6px; }
p.lead, p.note, footer { color: var(--muted); }
p.note { font-size: 0.85rem; max-width: 70rem; }
nav ol { columns: 2; max-width: 40rem; padding-left: 1.4rem; }
a { color: #0550ae; }
figure { margin: 12px 0 20px; overflow-x: auto; }
figure svg { display: block; max-width: 100%; height: auto; }
figcaption { color: var(--muted); font-size: 0.85rem; margin-top: 4px; }
.scroll { overflow-x: auto; }
table.data { border-collapse: collapse; font-size: 0.82rem; margin: 8px 0 4px;
             font-variant-numeric: tabular-nums; }
table.data caption { text-align: left; font-weight: 600; padding: 4px 0; }
table.data th, table.data td { border-bottom: 1px solid var(--rule); padding: 3px 10px; vertical-align: top; }
table.data thead th { border-bottom: 2px solid var(--ink); white-space: nowrap; }
table.data .left { text-align: left; }
table.data .right { text-align: right; }
table.data tbody th { font-weight: normal; white-space: nowrap; }
table.data tr.group th { background: var(--band); font-weight: 600; text-align: left; }
table.data td.marked { background: var(--mark); font-weight: 600; }
table.data td.marked::after { content: " *"; color: var(--muted); font-weight: normal; }
ul.diff { padding-left: 1.2rem; }
ul.diff li { margin: 2px 0; }
dl.sources dt { font-weight: 600; margin-top: 10px; }
dl.sources dd { margin: 2px 0 2px 1.2rem; overflow-wrap: anywhere; }
@media print {
  @page { size: A4 landscape; margin: 12mm; }
  html { font-size: 10pt; }
  body { max-width: none; padding: 0; }
  nav { display: none; }
  h2 { break-after: avoid; }
  figure, table.data tr, ul.diff li { break-inside: avoid; }
  figure { overflow: visible; }
  table.data thead { display: table-header-group; }
  .scroll { overflow: visible; }
  * { print-color-adjust: exact; -webkit-print-color-adjust: exact; }
  a { color: inherit; text-decoration: none; }
}
"""
