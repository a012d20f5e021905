"""The accelerator file format: one YAML file per device, unknown fields
forbidden, every figure as the vendor states it and where it comes from.

Conventions (``shared/reference/hardware.json``, whose figures the bundled
files carry):

* ``memory.bytes_nominal``: the vendor's capacity in decimal units (80 GB =
  80·10⁹ B; Google states TPU HBM in GiB, and the file says so). It is the
  default basis for ``fit``: where a driver total is known it is never
  larger, so a plan that fits on it fits on the device.
* ``memory.bytes_reported``: what a driver reported on a real device
  (``nvidia-smi``, CUDA, an engine log), with ``reported_source``.
* ``memory_bandwidth_bytes_per_s``: the vendor's peak, decimal, not derated.
* ``dense_tflops``: dense peak matrix throughput per dtype, 10¹² per second,
  never the 2:4-sparsity-doubled headline. ``null`` (or absent) means the
  device has no such rate or the vendor publishes none; ``speed`` then refuses
  that dtype rather than guess. GeForce parts list the FP32-accumulate rate
  under ``bf16``/``fp16`` and the FP16-accumulate rate under ``*_fp16acc``.
"""

from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field

Size = Annotated[int, Field(gt=0, strict=True)]
Rate = Annotated[float, Field(gt=0, allow_inf_nan=False)]

PEAK_DTYPES = ("bf16", "fp16", "fp16_fp16acc", "tf32", "fp8", "fp8_fp16acc", "fp6", "fp4", "int8", "int4")
CONFIDENCE = ("cross-checked", "vendor page", "user")


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, strict=False, defer_build=True)


class Source(Strict):
    """A datasheet, a vendor page, a repository file or a talk. ``url`` is
    left out only for sources with no stable address (a conference talk)."""

    url: str | None = Field(default=None, pattern=r"^https?://\S+$")
    what: str


class Memory(Strict):
    stated: str  # as the vendor prints it: "80 GB", "95 GiB"
    type: str | None = None
    bytes_nominal: Size
    bytes_reported: Size | None = None
    reported_source: str | None = None
    unit_note: str | None = None


class Peaks(Strict):
    """Dense peak TFLOPS (TOPS for integers) per dtype; see the module notes."""

    bf16: Rate | None = None
    fp16: Rate | None = None
    fp16_fp16acc: Rate | None = None
    tf32: Rate | None = None
    fp8: Rate | None = None
    fp8_fp16acc: Rate | None = None
    fp6: Rate | None = None
    fp4: Rate | None = None
    int8: Rate | None = None
    int4: Rate | None = None


class Interconnect(Strict):
    type: str
    bidirectional_bytes_per_s: Rate | None = None  # both directions summed, as vendors quote
    pcie: str | None = None


class Device(Strict):
    id: str = Field(pattern=r"^[a-z0-9][a-z0-9.-]*$")
    name: str
    vendor: str
    architecture: str
    form_factor: str
    aliases: list[str] = []
    memory: Memory
    memory_bandwidth_bytes_per_s: Size
    dense_tflops: Peaks
    # The sparsity-doubled figures the vendor prints, kept to check the dense
    # ones against: dense = sparse / 2 where the headline is doubled.
    datasheet_sparse_tflops: Peaks | None = None
    datasheet_quotes_sparsity_doubled: bool | None = None
    interconnect: Interconnect | None = None
    tdp_w: Size | None = None
    sources: list[Source] = Field(min_length=1)
    confidence: Literal["cross-checked", "vendor page", "user"]
    checked: str | None = None  # what was re-checked, against what
    notes: str | None = None

    def peak_tflops(self, dtype: str) -> float | None:
        return getattr(self.dense_tflops, dtype)
