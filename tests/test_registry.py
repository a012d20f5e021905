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


def test_list_reads_and_parses_each_spec_file_once(monkeypatch):
    """The index (ids and aliases) and the validated specs share one read
    and one parse of every file: `list` used to parse each twice."""
    from archcmp import registry as registry_module
    from archcmp import yamlload
    from archcmp.registry import Registry

    reads, parses = [], []
    real_read, real_parse = registry_module.inputs.read_text, yamlload.load_yaml
    monkeypatch.setattr(registry_module.inputs, "read_text", lambda path: reads.append(path) or real_read(path))
    monkeypatch.setattr(registry_module, "load_yaml", lambda text, name: parses.append(name) or real_parse(text, name))
    specs = Registry(use_env=False).all()
    assert len(specs) == len(set(reads)) == len(reads) == len(parses) > 20
    assert {spec.id for spec in specs} >= {"deepseek-v3", "llama4-maverick"}


def test_a_spec_resolved_after_the_index_is_validated(tmp_path):
    """A document kept from the index is still validated, its problems located."""
    import pytest

    from archcmp.errors import SpecError
    from archcmp.registry import Registry

    text = (DATA / "tiny.yaml").read_text().replace("hidden_size: ", "hidden_size: -", 1)
    (tmp_path / "broken.yaml").write_text(text)
    registry = Registry([tmp_path], use_env=False)
    with pytest.raises(SpecError) as caught:
        registry.all()
    assert any(p.file.endswith("broken.yaml") and p.line and p.field == "hidden_size" for p in caught.value.problems)
