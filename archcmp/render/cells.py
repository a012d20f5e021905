"""How one value is written in a cell: the single place numbers get units."""

from __future__ import annotations

from archcmp.units import format_bytes, format_flops, format_params


def value_text(value: object, unit: str = "", raw: bool = False) -> str:
    """``raw`` (CSV) keeps exact values; otherwise counts get a short form,
    bytes binary units, FLOPs a metric prefix, and integral floats commas."""
    if value is None:
        return "" if raw else "—"
    if raw or isinstance(value, str | bool):
        return str(value)
    if isinstance(value, float):
        return f"{int(value):,}" if value.is_integer() else f"{value:g}"
    if unit == "params":
        return f"{format_params(value)} ({value:,})" if value >= 1000 else f"{value:,}"
    if unit == "bytes":
        return format_bytes(value)
    if unit == "flops":
        return format_flops(value)
    return f"{value:,}"
