from __future__ import annotations

import json
import subprocess
import sys

import pytest
from testpaths import bundled_ids


def test_list_json_has_every_bundled_model(run):
    status, out, _ = run("list", "--format", "json")
    assert status == 0
    assert sorted(row["id"] for row in json.loads(out)) == bundled_ids()


@pytest.mark.parametrize("fmt", ["table", "json", "csv", "md"])
def test_params_formats(run, fmt):
    status, out, err = run("params", "deepseek-v3", "qwen3-8b", "--format", fmt)
    assert status == 0 and err == ""
    if fmt == "json":
        data = json.loads(out)
        assert [d["model"] for d in data] == ["deepseek-v3", "qwen3-8b"]
        assert data[0]["total_params"] == 671_026_404_352
        assert set(data[0]["components"]) >= {"embedding", "attention", "routed_experts", "lm_head", "other"}
        assert data[0]["optional_modules"]["mtp"] > 0
    elif fmt == "csv":
        assert out.splitlines()[1] == "total_params,671026404352,8190735360"
    elif fmt == "md":
        assert "| total parameters | 671.0B (671,026,404,352) | 8.2B (8,190,735,360) |" in out  # words for people
    else:
        assert "671,026,404,352" in out and "\x1b[" not in out


def test_show_card(run):
    status, out, _ = run("show", "llama4-maverick")
    assert status == 0
    for text in ("chunked", "NoPE layers", "MoE layers", "sources"):  # compare's words, not the keys
        assert text in out
    assert "nope_layers" not in out
    status, out, _ = run("show", "llama4-maverick", "--format", "csv")
    rows = dict(line.split(",", 1) for line in out.splitlines()[1:] if "," in line)
    assert rows["nope_layers"] == "12 of 48 (every 4th from 3)"  # CSV: keys


def test_schema_is_json_and_shipped_copy_is_current(run):
    from testpaths import REPO

    status, out, _ = run("schema")
    assert status == 0
    assert json.loads(out)["title"] == "archcmp model spec"
    shipped = (REPO / "archcmp" / "spec.schema.json").read_text()
    assert json.loads(shipped) == json.loads(out), "regenerate: archcmp schema > archcmp/spec.schema.json"


def test_python_dash_m():
    done = subprocess.run([sys.executable, "-m", "archcmp", "list", "--format", "csv"],
                          capture_output=True, text=True, check=False)
    assert done.returncode == 0 and done.stdout.startswith("id,family")


def test_usage_error_exits_2(run):
    status, _, _ = run("params", "deepseek-v3", "--format", "xml")
    assert status == 2
