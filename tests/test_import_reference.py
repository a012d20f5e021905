"""`archcmp import` of every reference config, then `archcmp params`, equals
tests/data/reference/expected_params.json exactly (no torch needed)."""

from __future__ import annotations

import json

import pytest
from testpaths import REFERENCE, expected_params

from archcmp.analysis.params import count_params
from archcmp.hf.importer import import_file
from archcmp.registry import Registry

EXPECTED = expected_params()
CONFIGS = REFERENCE / "configs"


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_imported_counts_equal_reference(name):
    want = EXPECTED[name]
    got = count_params(import_file(CONFIGS / f"{name}.json").spec)
    assert got.total_params == want["total_params"]
    assert got.active_params == want["active_params"]
    assert got.active_params_excl_embedding == want["active_params_excl_embedding"]
    assert got.components == want["components"]


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_import_then_params_on_the_command_line(run, tmp_path, name):
    out = tmp_path / f"{name}.yaml"
    status, _, err = run("import", str(CONFIGS / f"{name}.json"), "-o", str(out))
    assert (status, err) == (0, "")
    status, text, _ = run("params", str(out), "--format", "json")
    assert status == 0
    assert json.loads(text)[0]["total_params"] == EXPECTED[name]["total_params"]


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_imported_architecture_equals_the_bundled_spec(name):
    """The bundled spec and the import of its published config describe the
    same layers (metadata aside)."""
    from archcmp.hf.sameness import differences

    bundled = Registry(use_env=False).resolve(name)
    assert differences(bundled, import_file(CONFIGS / f"{name}.json").spec) == []
