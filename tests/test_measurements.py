"""Bounds against reality: every published measurement in
``tests/data/measurements.yaml`` is at or below archcmp's bound for
it (a bound below a measurement is a bug), and how close each comes is
reported (``pytest -s`` prints the table; the README quotes it)."""

from __future__ import annotations

import pytest
import yaml
from testpaths import DATA

from archcmp.analysis.deployment import Deployment
from archcmp.analysis.sharding import resolve_layout
from archcmp.analysis.speed import device_peak, speed
from archcmp.analysis.weight_formats import weight_format
from archcmp.hardware.catalog import Catalog
from archcmp.registry import Registry

CORPUS = yaml.safe_load((DATA / "measurements.yaml").read_text())["measurements"]
REGISTRY, CATALOG = Registry(use_env=False), Catalog(use_env=False)


def bound(entry: dict) -> float:
    spec, device = REGISTRY.resolve(entry["model"]), CATALOG.resolve(entry["device"])
    fmt = weight_format(entry["weights"])
    layout = resolve_layout(spec, entry["gpus"], None, None, None)
    deployment = Deployment(spec, layout, fmt, entry.get("quant_scope", "linear"), entry.get("kv_dtype", "bf16"))
    peak = device_peak(device, entry.get("compute_dtype", fmt.compute_dtype))
    prompt = entry.get("prompt", 1)
    result = speed(deployment, device, peak, prompt, entry.get("context", prompt), 1)
    if entry["metric"] == "decode_tokens_per_s":
        return result.decode_tokens_per_s_bound
    assert entry["metric"] == "prefill_tokens_per_s"
    return prompt / result.prefill.seconds


def test_corpus_is_large_and_sourced():
    assert len(CORPUS) >= 10
    assert len({e["id"] for e in CORPUS}) == len(CORPUS)
    for entry in CORPUS:
        assert entry["source"].startswith("https://"), entry["id"]
        assert entry["value"] > 0 and entry["engine"]


@pytest.mark.parametrize("entry", CORPUS, ids=[e["id"] for e in CORPUS])
def test_bound_is_at_or_above_the_measurement(entry):
    limit = bound(entry)
    assert limit >= entry["value"], f"{entry['id']}: bound {limit:.2f} below measured {entry['value']}"
    # a bound ten times the measurement would mean a unit slip, not a loose bound
    assert entry["value"] / limit > 0.1


def test_report_how_close(capsys):
    rows = [(e["id"], e["value"], bound(e)) for e in CORPUS]
    with capsys.disabled():
        print("\nmeasurement vs bound (measured / bound)")
        for name, value, limit in rows:
            print(f"  {name:48} {value:>10.2f} {limit:>10.2f}  {value / limit:6.1%}")
