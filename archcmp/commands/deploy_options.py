"""Options shared by ``gpus``, ``fit`` and ``speed`` (and ``--gpu`` on
``compare`` and ``kvcache``), and their parsing into analyzer inputs."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

if TYPE_CHECKING:  # decimal costs ~7 ms to import; commands that do not need it should not pay
    from decimal import Decimal

HardwareOption = Annotated[list[Path] | None, typer.Option(
    "--hardware", help="Extra directory of hardware files (repeatable; also ARCHCMP_HARDWARE).")]
GpuOption = Annotated[str, typer.Option(
    "--gpu", help="Device id, N of them as IDxN: h100-sxm, h200-sxmx8, mi300xx8, or a hardware YAML file.")]
GpuOnOption = Annotated[str | None, typer.Option(
    "--gpu", help="Also fit and speed on this device (IDxN for N): weights, KV, fits, max context, bounds.")]
TpOption = Annotated[int | None, typer.Option("--tp", help="Tensor-parallel ranks (default: every GPU of a stage).")]
PpOption = Annotated[int | None, typer.Option("--pp", help="Pipeline stages (default 1).")]
EpOption = Annotated[int | None, typer.Option(
    "--ep", help="Expert-parallel ranks: experts spread whole over them (default 1: experts split like MLPs).")]
WeightsOption = Annotated[str, typer.Option("--weights", help=(
    "Weight format: bf16, fp16, fp32, fp8, fp8-block, int8, int4-g128[-zp] (g32, g64), awq, gptq, mxfp4, "
    "nvfp4, q8_0, q6_k, q5_k, q4_k, q4_0."))]
ScopeOption = Annotated[str, typer.Option("--quant-scope", help=(
    "Which matrices take --weights: linear (block matrices but routers), experts (routed experts only), "
    "all (embeddings, head and routers too)."))]
KvDtypeOption = Annotated[str, typer.Option("--dtype", help="KV-cache dtype: bf16, fp16, fp32, fp8, int8, int4.")]
BatchOption = Annotated[str, typer.Option("--batch", help="Sequences held at once (per data-parallel replica).")]
SpeedBatchOption = Annotated[str, typer.Option("--batch", help=(
    "Sequences decoded together (per data-parallel replica), or max: the most that fit at --ctx."))]
MemUtilOption = Annotated[str, typer.Option(
    "--mem-util", help="Fraction of each GPU's memory the engine may use (vLLM --gpu-memory-utilization).")]
ReserveOption = Annotated[str, typer.Option(
    "--reserve", help="Bytes per GPU kept for activations, CUDA graphs, ...: 0, 2GiB, 1.5GB.")]
BasisOption = Annotated[str, typer.Option(
    "--memory-basis", help="nominal: the vendor's decimal figure (default, conservative); reported: the driver's.")]


def catalog(hardware: list[Path] | None):
    from archcmp.hardware.catalog import Catalog

    return Catalog(hardware)


def decimal_option(text: str, name: str) -> Decimal:
    from decimal import Decimal, InvalidOperation

    from archcmp.errors import ArchcmpError

    try:
        value = Decimal(text.strip())
    except InvalidOperation:
        raise ArchcmpError(f"bad {name} {text!r}: expected a number such as 0.9") from None
    if not value.is_finite():
        raise ArchcmpError(f"bad {name} {text!r}: expected a finite number")
    return value


def memory_args(basis: str, mem_util: str, reserve: str) -> tuple[str, Decimal, int]:
    """(basis, mem_util, reserve bytes); a plain tuple, as a dataclass here
    would cost every command its creation at start-up."""
    from archcmp.units import parse_bytes

    reserve_bytes = 0 if reserve.strip() in ("0", "0B") else parse_bytes(reserve, "--reserve")
    return basis, decimal_option(mem_util, "--mem-util"), reserve_bytes


def cache_args(convention: str, state_dtype: str | None) -> dict:
    """``--convention`` and ``--state-dtype`` checked, as ``kvcache`` takes
    them, for the analyzers' keyword arguments of the same names."""
    from archcmp.app import check_choice
    from archcmp.kinds.base import CONVENTIONS
    from archcmp.schema.linear import STATE_DTYPES

    check_choice("--convention", convention, CONVENTIONS)
    if state_dtype is not None:
        check_choice("--state-dtype", state_dtype, STATE_DTYPES)
    return {"convention": convention, "state_dtype": state_dtype}
