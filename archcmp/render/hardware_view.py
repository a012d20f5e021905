"""Lay out the accelerator catalog (``gpus``): one row per device."""

from __future__ import annotations

from archcmp.hardware.schema import Device
from archcmp.render.tabular import Table
from archcmp.units import format_bytes

PEAK_COLUMNS = ("bf16", "fp8", "fp4", "int8")
CAPTION = (
    "memory: the vendor's figure (decimal GB, as stated) and in GiB; driver: the total a driver reported, where "
    "known. bandwidth: vendor peak, decimal TB/s. peaks: dense TFLOPS (TOPS for int8), never the "
    "sparsity-doubled headline; — = none published. fit uses the vendor figure unless --memory-basis reported."
)


def gpus_table(devices: list[Device], raw: bool = False) -> Table:
    columns = ["id", "name", "memory", "driver", "bandwidth", *PEAK_COLUMNS, "interconnect", "confidence"]
    align = ["left", "left", "right", "right", "right", *("right" for _ in PEAK_COLUMNS), "left", "left"]
    table = Table("Accelerators (per device)", columns, align=align, id_column=0)
    for device in devices:
        memory = device.memory
        table.add(
            device.id,
            device.name,
            str(memory.bytes_nominal) if raw else f"{memory.stated} ({format_bytes(memory.bytes_nominal)})",
            _optional_bytes(memory.bytes_reported, raw),
            str(device.memory_bandwidth_bytes_per_s) if raw else f"{device.memory_bandwidth_bytes_per_s / 1e12:g} TB/s",
            *(_peak(device.peak_tflops(dtype), raw) for dtype in PEAK_COLUMNS),
            device.interconnect.type if device.interconnect else "",
            device.confidence,
        )
    table.caption = CAPTION
    return table


def _optional_bytes(value: int | None, raw: bool) -> str:
    if value is None:
        return "" if raw else "—"
    return str(value) if raw else format_bytes(value)


def _peak(value: float | None, raw: bool) -> str:
    if value is None:
        return "" if raw else "—"
    return f"{value:g}"


def device_json(device: Device) -> dict:
    return device.model_dump(mode="json", exclude_none=True)
