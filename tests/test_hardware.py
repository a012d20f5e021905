"""The accelerator catalog: every bundled file loads and carries the reference
figures exactly; device arguments, user directories, golden errors, `gpus`."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from testpaths import DATA

from archcmp.errors import ArchcmpError, SpecError
from archcmp.hardware.catalog import Catalog, bundled_dir
from archcmp.hardware.load import load_device_file
from archcmp.hardware.schema import PEAK_DTYPES

DEPLOY = DATA / "deploy"
BAD = DATA / "bad_hardware"
REFERENCE = json.loads((DATA / "reference" / "hardware.json").read_text())["devices"]
CATALOG = Catalog(use_env=False)
GOLDEN: dict[str, list[str]] = {}
for _line in (BAD / "expected.txt").read_text().splitlines():
    GOLDEN.setdefault(_line.split(":", 1)[0], []).append(_line)


def test_every_reference_device_is_bundled_under_its_id():
    ids = sorted(p.stem for p in bundled_dir().glob("*.yaml"))
    assert ids == sorted(REFERENCE) and len(ids) == 33
    assert sorted(d.id for d in CATALOG.all()) == ids


@pytest.mark.parametrize("device_id", sorted(REFERENCE))
def test_bundled_figures_equal_the_reference(device_id):
    device, ref = CATALOG.resolve(device_id), REFERENCE[device_id]
    assert device.name == ref["name"]
    assert device.memory.bytes_nominal == ref["memory"]["bytes_nominal"]
    assert device.memory.bytes_reported == ref["memory"].get("bytes_reported")
    assert device.memory_bandwidth_bytes_per_s == ref["memory_bandwidth_bytes_per_s"]
    for dtype in PEAK_DTYPES:
        assert device.peak_tflops(dtype) == ref["dense_tflops"].get(dtype), dtype
    assert device.confidence in ("cross-checked", "vendor page")
    assert device.sources and device.checked


def test_nominal_memory_never_exceeds_the_reported_one():
    for device in CATALOG.all():
        if device.memory.bytes_reported is not None:
            assert device.memory.bytes_nominal <= device.memory.bytes_reported, device.id


@pytest.mark.parametrize(("text", "device_id", "count"), [
    ("h100-sxm", "h100-sxm", 1), ("h200-sxmx8", "h200-sxm", 8), ("mi300x", "mi300x", 1),
    ("mi300xx8", "mi300x", 8), ("rtx-4090", "rtx-4090", 1), ("b200x4096", "b200", 4096),
    ("apple-m3-max-40c", "apple-m3-max-40c", 1),
])
def test_device_arguments(text, device_id, count):
    fleet = CATALOG.fleet(text)
    assert (fleet.device.id, fleet.count) == (device_id, count)


@pytest.mark.parametrize(("text", "message"), [
    ("h100", "unknown device 'h100'; did you mean h100-sxm, h100-nvl, h100-pcie?"),
    ("rtx4090", "unknown device 'rtx4090'; did you mean rtx-4090, rtx-5090, rtx-6000-ada?"),
    ("h100x8", "unknown device 'h100x8'; did you mean h100-sxm, h100-nvl, h100-pcie?"),
    ("h100-sxmx0", "bad device count in 'h100-sxmx0': expected 1 to 4096"),
    ("h100-sxmx5000", "bad device count in 'h100-sxmx5000': expected 1 to 4096"),
])
def test_bad_device_arguments(text, message):
    with pytest.raises(ArchcmpError) as error:
        CATALOG.fleet(text)
    assert str(error.value) == message


def test_user_directory_shadows_and_adds(tmp_path, monkeypatch):
    shutil.copy(DEPLOY / "my-gpu.yaml", tmp_path / "my-gpu.yaml")
    text = (bundled_dir() / "rtx-4090.yaml").read_text().replace("bytes_nominal: 24000000000",
                                                                    "bytes_nominal: 23000000000")
    (tmp_path / "rtx-4090.yaml").write_text(text)
    catalog = Catalog([tmp_path], use_env=False)
    assert catalog.fleet("my-gpux2").count == 2
    assert catalog.resolve("rtx-4090").memory.bytes_nominal == 23_000_000_000
    monkeypatch.setenv("ARCHCMP_HARDWARE", str(tmp_path))
    assert Catalog().resolve("my-gpu").name == "My GPU 48GB"


def test_an_alias_is_found_however_it_is_written(tmp_path):
    """The alias lookup parses only files whose text holds the name, and
    every file that escapes a character; the answer is the full index's."""
    text = (DEPLOY / "my-gpu.yaml").read_text()
    (tmp_path / "escaped.yaml").write_text(text.replace("id: my-gpu", 'id: escaped\naliases: ["bl\\u0075e-gpu"]'))
    (tmp_path / "plain.yaml").write_text(text.replace("id: my-gpu", "id: plain\naliases: [red-gpu]"))
    catalog = Catalog([tmp_path], use_env=False)
    assert catalog.resolve("blue-gpu").id == "escaped"
    assert catalog.fleet("red-gpux2").count == 2
    for name in ("blue-gpu", "red-gpu", "escaped", "plain", "h100-sxm", "no-such-gpu"):
        assert catalog._find(name) == catalog._aliases.get(name)


def test_a_path_is_a_device_too():
    fleet = CATALOG.fleet(str(DEPLOY / "my-gpu.yaml") + "x4")
    assert (fleet.device.id, fleet.count) == ("my-gpu", 4)


def test_missing_directory_is_an_error():
    with pytest.raises(ArchcmpError, match="hardware directory does not exist"):
        Catalog([DATA / "nope"], use_env=False)


@pytest.mark.parametrize("name", sorted(GOLDEN))
def test_bad_hardware_file_golden_message(monkeypatch, name):
    monkeypatch.chdir(BAD)
    with pytest.raises(SpecError) as error:
        load_device_file(Path(name))
    assert error.value.lines() == GOLDEN[name]


def test_every_bad_hardware_file_has_golden_lines():
    assert sorted(p.name for p in BAD.glob("*.yaml")) == sorted(GOLDEN)


def test_gpus_lists_every_device(run):
    status, out, _ = run("gpus", "--format", "json")
    data = json.loads(out)
    assert status == 0 and len(data) == 33
    h100 = next(d for d in data if d["id"] == "h100-sxm")
    assert h100["memory"]["bytes_nominal"] == 80_000_000_000 and h100["dense_tflops"]["bf16"] == 989.4
    status, out, _ = run("gpus")
    assert status == 0 and "h200-sxm" in out and "apple-m3-max-40c" in out and "989.4" in out
    status, out, _ = run("gpus", "--format", "csv")
    assert out.splitlines()[0].startswith("id,name,memory,driver,bandwidth,bf16")
    assert "h100-sxm,H100 SXM5 80GB,80000000000,85520809984,3350000000000,989.4" in out


def test_gpus_reads_user_directories(run):
    status, out, _ = run("gpus", "--hardware", str(DEPLOY), "--format", "json")
    assert status == 0 and any(d["id"] == "my-gpu" for d in json.loads(out))


def test_gpus_reports_a_bad_user_file(run, tmp_path):
    shutil.copy(BAD / "sparse_as_dense.yaml", tmp_path / "mine.yaml")
    status, _, err = run("gpus", "--hardware", str(tmp_path))
    assert status == 2 and "dense_tflops.bf16: 724 is the datasheet's sparsity-doubled figure" in err
