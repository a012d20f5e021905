"""``kvcache --gpu``: one row per model and context, on the fleet."""

from __future__ import annotations

from archcmp.analysis.on_device import OnDevice
from archcmp.render.tabular import Table
from archcmp.units import format_bytes, format_context

CAPTION = ("Per GPU, TP over every GPU, vendor memory × 0.9, no reserve (archcmp fit for the options). "
           "decode ≤: tokens/s of one sequence at the row's context and batch, a roofline bound (archcmp speed).")


def on_device_table(results: list[OnDevice], raw: bool = False) -> Table:
    first = results[0]
    columns = ["model", "context", "layout", "weights", "KV cache", "total", "usable", "fits", "max context",
               "max batch", "decode ≤"]
    table = Table(f"On {first.fleet} (batch {first.batch})", columns, id_column=0)
    b = lambda n: str(n) if raw else format_bytes(n)
    for r in results:
        context = str(r.context) if raw else format_context(r.context)
        if r.fit is None:
            table.add(r.model, context, r.problem, *([""] * 8))
            continue
        f, layout = r.fit, r.fit.layout
        table.add(r.model, context, f"TP {layout.tp}", b(f.weights_bytes_per_gpu), b(f.kv_bytes_per_gpu),
                  b(f.total_bytes_per_gpu), b(f.usable_bytes_per_gpu), str(f.fits) if raw else ("yes" if f.fits else "no"),
                  str(f.max_context) if raw else f"{f.max_context:,}", str(f.max_batch) if raw else f"{f.max_batch:,}",
                  repr(r.speed.decode_tokens_per_s_bound) if raw else f"{r.speed.decode_tokens_per_s_bound:,.1f}")
    table.caption = CAPTION
    return table
