"""The kept validator (archcmp.validator_cache): a run that loads it
validates, refuses and dumps exactly as one that builds it, and a file it
cannot trust is never loaded. Each run is a fresh process, as a command is."""

from __future__ import annotations

import json
import os
import pickle
import subprocess
import sys
from pathlib import Path

import pytest
from testpaths import REPO

SPECS_DIR = REPO / "specs"

# A fresh process: every bundled spec as JSON, a bad spec's messages, and
# whether the validator was loaded (a kept one) or built.
SCRIPT = """
import json, sys
from pathlib import Path
from archcmp import schema
from archcmp.errors import SpecError
from archcmp.load import load_spec_file, parse_spec
specs = [load_spec_file(p).model_dump(mode="json") for p in sorted(Path(sys.argv[1]).glob("*.yaml"))]
loaded = type(schema.ModelSpec.__pydantic_validator__).__name__ == "SchemaValidator" \\
    and not schema.ModelSpec.__pydantic_complete__
try:
    parse_spec(sys.argv[2], "bad.yaml")
    problems = []
except SpecError as exc:
    problems = exc.lines()
print(json.dumps({"specs": specs, "problems": problems, "loaded": loaded}))
"""

BAD = (SPECS_DIR / "deepseek-v3.yaml").read_text().replace("num_layers: 61", "num_layers: 0") \
    .replace("hidden_size: 7168", "hidden_size: true")


def run(cache: Path | None, **env: str) -> dict:
    environ = {k: v for k, v in os.environ.items() if k not in ("ARCHCMP_CACHE_DIR", "ARCHCMP_NO_CACHE")}
    if cache is not None:
        environ["ARCHCMP_CACHE_DIR"] = str(cache)
    done = subprocess.run([sys.executable, "-c", SCRIPT, str(SPECS_DIR), BAD], capture_output=True, text=True,
                          check=True, env={**environ, **env})
    return json.loads(done.stdout)


def kept(cache: Path) -> list[Path]:
    return sorted(cache.glob("ModelSpec-*.pickle"))


@pytest.fixture(scope="module")
def built(tmp_path_factory) -> dict:
    """What a run that builds its validator itself gives (no cache at all)."""
    return run(None, ARCHCMP_NO_CACHE="1")


def test_a_kept_validator_validates_refuses_and_dumps_as_a_built_one(tmp_path, built):
    first = run(tmp_path)  # builds and keeps
    assert not first["loaded"] and len(kept(tmp_path)) == 1
    second = run(tmp_path)  # loads
    assert second["loaded"]
    assert not built["loaded"]
    assert len(built["specs"]) == len(list(SPECS_DIR.glob("*.yaml"))) > 40
    assert second["specs"] == first["specs"] == built["specs"]
    assert second["problems"] == first["problems"] == built["problems"]
    assert any("num_layers" in line for line in built["problems"])
    assert any("hidden_size" in line for line in built["problems"])


def test_the_cache_file_is_private(tmp_path):
    run(tmp_path / "cache")
    assert (tmp_path / "cache").stat().st_mode & 0o777 == 0o700
    assert kept(tmp_path / "cache")[0].stat().st_mode & 0o077 == 0


def test_no_cache_reads_and_writes_nothing(tmp_path, built):
    assert run(tmp_path, ARCHCMP_NO_CACHE="1") == built
    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize("spoil", ["garbage", "another pickle", "a pair of other things", "writable by others",
                                   "a symlink", "a directory"])
def test_a_file_it_cannot_trust_is_not_loaded(tmp_path, built, spoil):
    run(tmp_path)
    path = kept(tmp_path)[0]
    if spoil == "garbage":
        path.write_bytes(b"\x80\x05not a pickle")
    elif spoil == "another pickle":
        path.write_bytes(pickle.dumps(["something", "else"]))
    elif spoil == "a pair of other things":
        path.write_bytes(pickle.dumps(("a validator", "a serializer")))
    elif spoil == "writable by others":
        path.chmod(0o666)
    elif spoil == "a symlink":
        real = tmp_path / "real.pickle"
        path.rename(real)
        path.symlink_to(real)
    else:
        path.unlink()
        path.mkdir()
    again = run(tmp_path)
    assert not again["loaded"]
    assert again["specs"] == built["specs"] and again["problems"] == built["problems"]


def test_a_changed_schema_gets_its_own_file(tmp_path, monkeypatch):
    """The name digests the schema's sources and the library versions: a
    different schema can never load this one's file."""
    from archcmp import schema, validator_cache

    digest = validator_cache._digest(schema.ModelSpec)
    assert len(digest) == 32 and digest == validator_cache._digest(schema.ModelSpec)
    monkeypatch.setattr(sys, "version", sys.version + " changed")
    assert validator_cache._digest(schema.ModelSpec) != digest


def test_an_unwritable_cache_only_costs_the_build(tmp_path, built):
    blocked = tmp_path / "file-in-the-way"
    blocked.write_text("")
    assert run(blocked / "cache") == built


def test_the_cli_keeps_one_file_and_drops_older_ones(tmp_path):
    stale = tmp_path / "ModelSpec-0123456789abcdef0123456789abcdef.pickle"
    tmp_path.chmod(0o700)
    stale.write_bytes(b"old")
    env = {**os.environ, "ARCHCMP_CACHE_DIR": str(tmp_path)}
    subprocess.run([sys.executable, "-m", "archcmp", "params", "gpt2"], check=True, capture_output=True, env=env)
    names = [p.name for p in kept(tmp_path)]
    assert len(names) == 1 and names[0] != stale.name


def test_a_model_whose_sources_cannot_be_read_is_not_kept(monkeypatch):
    """A zipped install has no source files beside its modules: nothing to
    key a file by, so the validator is built each run and never kept."""
    import types

    from archcmp import schema, validator_cache

    monkeypatch.setitem(sys.modules, schema.ModelSpec.__module__, types.ModuleType("no_file"))
    assert validator_cache._digest(schema.ModelSpec) is None
