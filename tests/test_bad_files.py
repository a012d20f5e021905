"""Whatever a user names as an input — a FIFO, a device, a directory, a huge
file, a name the system refuses — ends in one located line and exit status
2 (1 from validate), within a second, never a hang or a traceback."""

from __future__ import annotations

import os
import shutil
import sys

import pytest
from testpaths import DATA
from timelimit import time_limit

TINY = DATA / "tiny.yaml"
LONG = "x" * 300  # over the 255-byte limit of a file name
unix = pytest.mark.skipif(sys.platform == "win32", reason="FIFOs and /dev/zero are Unix")


@pytest.fixture
def fifo(tmp_path):
    """A FIFO nobody writes to: opening it for reading in the ordinary way blocks for ever."""
    path = tmp_path / "pipe.yaml"
    os.mkfifo(path)
    return path


def quick(run, *argv):
    with time_limit(10):
        status, out, err = run(*argv)
    assert "Traceback" not in out + err
    return status, out, err


@unix
@pytest.mark.parametrize("command", [["params"], ["show"], ["validate"], ["kvcache"], ["export"]])
def test_a_fifo_as_a_spec_is_refused(run, fifo, command):
    status, out, err = quick(run, *command, str(fifo))
    assert status == (1 if command == ["validate"] else 2)
    assert f"{fifo}: is a FIFO (named pipe), not a regular file" in out + err


@unix
def test_a_fifo_inside_a_spec_directory_neither_hangs_nor_hides(run, fifo):
    shutil.copy(TINY, fifo.parent / "tiny.yaml")
    assert quick(run, "list", "--specs", str(fifo.parent))[0] == 0
    assert quick(run, "params", "tiny", "--specs", str(fifo.parent))[0] == 0
    status, out, _ = quick(run, "validate", str(fifo.parent))
    assert status == 1 and f"{fifo}: is a FIFO" in out


@unix
def test_a_fifo_or_device_as_an_import_config_is_refused(run, fifo):
    for path in (fifo, "/dev/zero"):
        status, _, err = quick(run, "import", str(path))
        assert status == 2 and "not a regular file" in err and str(path) in err


@unix
def test_dev_zero_is_never_read(run):
    status, _, err = quick(run, "params", "/dev/zero")
    assert (status, err) == (2, "/dev/zero: is a character device, not a regular file\n")


def test_a_directory_is_not_a_spec(run, tmp_path):
    (tmp_path / "d.yaml").mkdir()
    status, _, err = quick(run, "params", str(tmp_path / "d.yaml"))
    assert (status, err) == (2, f"{tmp_path / 'd.yaml'}: is a directory, not a regular file\n")


def test_a_huge_file_is_refused_unread(run, tmp_path):
    path = tmp_path / "huge.yaml"
    path.write_bytes(b"# " + b"x" * 2_000_000)
    status, _, err = quick(run, "params", str(path))
    assert (status, err) == (2, f"{path}: file is larger than 1,000,000 bytes; not a spec or config\n")


@pytest.mark.parametrize("argv", [["params", LONG], ["params", LONG + ".yaml"], ["validate", LONG],
                                  ["import", LONG + ".json"], ["show", "--specs", LONG, "tiny"],
                                  ["export", str(TINY), "-o", LONG + ".json"]])
def test_names_over_255_bytes(run, tmp_path, monkeypatch, argv):
    monkeypatch.chdir(tmp_path)
    status, out, err = quick(run, *argv)
    assert status == 2 and out == "" and err.count("\n") == 1
    assert not list(tmp_path.iterdir())  # nothing half-written


@pytest.mark.parametrize("value", ["/dev/null", "nowhere"])
def test_archcmp_specs_must_name_directories(run, monkeypatch, value):
    monkeypatch.setenv("ARCHCMP_SPECS", value)
    status = __import__("archcmp.cli", fromlist=["main"]).main(["list"])
    assert status == 2


def test_an_alias_bomb_in_a_spec_directory_does_not_hang_lookups(run, tmp_path):
    shutil.copy(TINY, tmp_path / "tiny.yaml")
    shutil.copy(DATA / "bad" / "alias_bomb.yaml", tmp_path / "bomb.yaml")
    assert quick(run, "params", "tiny", "--specs", str(tmp_path))[0] == 0
    status, _, err = quick(run, "params", "no-such-alias", "--specs", str(tmp_path))
    assert status == 2 and "unknown model" in err
    assert quick(run, "list", "--specs", str(tmp_path))[0] == 0


@pytest.mark.parametrize("raw, where", [(b"id: tiny\x00\n", "1:9"), (b"id: ok\nname: caf\xe9\n", "2:10")])
def test_bad_bytes_are_located(run, tmp_path, raw, where):
    path = tmp_path / "bytes.yaml"
    path.write_bytes(raw)
    status, out, _ = quick(run, "validate", str(path))
    assert status == 1 and out.startswith(f"{path}:{where}: not ")
