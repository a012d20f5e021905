"""Paths and reference data shared by tests (import as `from testpaths import ...`)."""

from __future__ import annotations

import json
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
DATA = REPO / "tests" / "data"
SPECS = REPO / "specs"
# CI clones the repo into another folder with a copy of shared/ beside it.
REFERENCE = REPO.parent / "shared" / "reference"


def bundled_ids() -> list[str]:
    return sorted(p.stem for p in SPECS.glob("*.yaml"))


def expected_params() -> dict:
    path = REFERENCE / "expected_params.json"
    return json.loads(path.read_text()) if path.exists() else {}
