from __future__ import annotations

import shutil

from testpaths import DATA


def test_alias_output_names_resolved_id(run):
    status, out, _ = run("params", "gemma3", "--format", "json")
    assert status == 0 and '"model": "gemma3-27b"' in out


def test_unknown_name_suggests(run):
    status, out, err = run("params", "deepseek-v5")
    assert status == 2 and out == ""
    assert err.strip() == "error: unknown model 'deepseek-v5'; did you mean deepseek-v4, deepseek-v3, deepseek?"


def test_path_argument(run):
    status, out, _ = run("params", str(DATA / "tiny.yaml"), "--format", "csv")
    assert status == 0 and "total_params,12496" in out


def test_missing_path(run):
    status, _, err = run("params", "nowhere/model.yaml")
    assert status == 2 and "no such file" in err


def test_user_spec_dirs(run, tmp_path, monkeypatch):
    shutil.copy(DATA / "tiny.yaml", tmp_path / "my-model.yaml")
    assert run("params", "tiny", "--specs", str(tmp_path))[0] == 0  # found by its id
    assert run("params", "my-model", "--specs", str(tmp_path))[0] == 0  # found by file name
    assert run("params", "tiny")[0] == 2
    monkeypatch.setenv("ARCHCMP_SPECS", str(tmp_path))
    status = __import__("archcmp.cli", fromlist=["main"]).main(["params", "tiny", "--format", "json"])
    assert status == 0


def test_missing_specs_dir(run, tmp_path):
    status, _, err = run("list", "--specs", str(tmp_path / "none"))
    assert status == 2 and "does not exist" in err
