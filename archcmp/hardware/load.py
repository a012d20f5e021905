"""Read a hardware file into a validated :class:`Device`, or fail with every
problem located as ``file:line:col: field: message`` (the spec loader's
machinery: :mod:`archcmp.yamlload` and :func:`archcmp.load.model_problems`)."""

from __future__ import annotations

from pathlib import Path

from pydantic import ValidationError

from archcmp import inputs
from archcmp.errors import Problem, SpecError
from archcmp.hardware.schema import PEAK_DTYPES, Device
from archcmp.load import located_problems, model_problems
from archcmp.validator_cache import prepared
from archcmp.yamlload import load_yaml

# A dense figure as large as the sparse one is the sparsity-doubled headline
# entered as dense. Dense is usually half of it, but not always (Blackwell
# Ultra's FP4: 15 PF dense, 20 PF sparse), so only that mistake is refused.
# Vendors round each figure on its own, hence a tolerance.
SPARSE_TOLERANCE = 0.01


def load_device_file(path: Path) -> Device:
    return parse_device(inputs.read_text(path), str(path))


def parse_device(text: str, filename: str) -> Device:
    located = load_yaml(text, filename)
    if not isinstance(located.data, dict):
        kind = type(located.data).__name__
        raise SpecError([Problem(filename, 1, 1, None, f"top level must be a mapping of fields, found {kind}")])
    try:
        device = prepared(Device).model_validate(located.data)
    except ValidationError as exc:
        raise SpecError(model_problems(exc, located, filename, Device)) from None
    findings = check(device)
    if findings:
        raise SpecError(located_problems(located, filename, findings))
    return device


def check(device: Device) -> list[tuple[tuple, str]]:
    """Rules that relate several fields, as (field path, message)."""
    findings: list[tuple[tuple, str]] = []
    memory = device.memory
    if memory.bytes_reported is not None and memory.reported_source is None:
        findings.append((("memory", "reported_source"), "required: say where bytes_reported was seen"))
    sparse = device.datasheet_sparse_tflops
    if sparse is not None and device.datasheet_quotes_sparsity_doubled:
        for dtype in PEAK_DTYPES:
            dense, doubled = device.peak_tflops(dtype), getattr(sparse, dtype)
            if dense is not None and doubled is not None and dense >= (1 - SPARSE_TOLERANCE) * doubled:
                findings.append((("dense_tflops", dtype),
                                 f"{dense:g} is the datasheet's sparsity-doubled figure ({doubled:g}); "
                                 "give the dense peak (usually half)"))
    return findings
