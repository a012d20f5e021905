"""How one value is written in a cell: the single place values get words
and numbers get units."""

from __future__ import annotations

from typing import Any

from archcmp.units import format_bytes, format_flops, format_params

# Units whose exact form (CSV) is the number itself, not the words.
_RAW_NUMBERS: dict[str, Any] = {
    "share": str, "q_lora": str, "sizes": lambda v: ", ".join(map(str, v)) if isinstance(v, tuple) else str(v)}


def value_text(value: Any, unit: str = "", raw: bool = False) -> str:
    """``raw`` (CSV) keeps exact values; otherwise counts get a short form,
    bytes binary units, FLOPs a metric prefix, integral floats commas, and
    structured facts their words (:mod:`archcmp.render.facts_text`)."""
    if value is None:
        return "" if raw else "—"
    if raw and unit in _RAW_NUMBERS:
        return _RAW_NUMBERS[unit](value)
    if unit and unit not in ("params", "bytes", "flops"):
        from archcmp.render.facts_text import TEXT

        return TEXT[unit](value)
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
