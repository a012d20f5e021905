"""-o files: written whole or not at all, never over an existing file without
--force, and with the mode an ordinary write gives (the umask for a new
file, the file's own mode when overwritten), not mkstemp's 0600."""

from __future__ import annotations

import os
import stat
import sys

import pytest

from archcmp.errors import ArchcmpError
from archcmp.hf.files import write_atomic

pytestmark = pytest.mark.skipif(sys.platform == "win32", reason="POSIX permission bits")


@pytest.fixture
def umask():
    previous = os.umask(0o022)
    yield lambda mask: os.umask(mask)
    os.umask(previous)


def mode(path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


@pytest.mark.parametrize("mask", [0o022, 0o027, 0o077, 0o002])
def test_a_new_file_follows_the_umask(tmp_path, umask, mask):
    umask(mask)
    write_atomic(tmp_path / "out.json", "{}\n")
    assert mode(tmp_path / "out.json") == 0o666 & ~mask


@pytest.mark.parametrize("existing", [0o644, 0o640, 0o600, 0o664])
def test_force_keeps_the_files_mode(tmp_path, umask, existing):
    umask(0o077)
    target = tmp_path / "out.json"
    target.write_text("old\n")
    target.chmod(existing)
    write_atomic(target, "new\n", force=True)
    assert (target.read_text(), mode(target)) == ("new\n", existing)


def test_no_overwrite_and_no_leftovers(tmp_path):
    target = tmp_path / "out.json"
    target.write_text("old\n")
    with pytest.raises(ArchcmpError, match="already exists; pass --force"):
        write_atomic(target, "new\n")
    assert target.read_text() == "old\n" and sorted(p.name for p in tmp_path.iterdir()) == ["out.json"]


def test_a_name_near_the_limit_still_writes(tmp_path):
    target = tmp_path / ("y" * 250 + ".json")  # 255 bytes: the temporary name must be shorter
    write_atomic(target, "{}\n")
    assert sorted(p.name for p in tmp_path.iterdir()) == [target.name]


def test_export_cli_mode(run, tmp_path, umask):
    umask(0o027)
    out = tmp_path / "config.json"
    assert run("export", "gpt2", "-o", str(out))[0] == 0
    assert mode(out) == 0o640
