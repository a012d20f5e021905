"""Paths and reference data shared by tests (import as `from testpaths import ...`)."""

from __future__ import annotations

import json
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
DATA = REPO / "tests" / "data"
SPECS = REPO / "specs"
# Published configs and exact counts, copied from ../shared/reference with
# their provenance (tests/data/reference/PROVENANCE.md): no test reads ../shared.
REFERENCE = DATA / "reference"


def bundled_ids() -> list[str]:
    return sorted(p.stem for p in SPECS.glob("*.yaml"))


def expected_params() -> dict:
    return json.loads((REFERENCE / "expected_params.json").read_text())


def reference_names() -> list[str]:
    """The reference configs (``configs/<name>.json``), one per bundled model."""
    return sorted(p.stem for p in (REFERENCE / "configs").glob("*.json"))
