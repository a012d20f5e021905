"""One test parametrized over every bundled spec (as litgpt does over its
configs): each loads, validates, and keeps the library's conventions."""

from __future__ import annotations

import pytest
from testpaths import SPECS, bundled_ids

from archcmp.analysis.params import count_params
from archcmp.plan import expand
from archcmp.registry import Registry
from archcmp.validate import validate

IDS = bundled_ids()
REGISTRY = Registry(use_env=False)


@pytest.mark.parametrize("model", IDS)
def test_bundled_spec(model):
    spec = REGISTRY.resolve(model)
    assert spec.id == model, "a bundled spec's file name is its id"
    assert any(s.what == "config" for s in spec.sources) or spec.id == "gpt2"
    assert spec.release_date is not None
    plan = expand(spec)
    assert len(plan) == spec.num_layers
    assert all(block.kv_source <= block.index for block in plan)
    counts = count_params(spec)
    assert 0 < counts.active_params_excl_embedding < counts.active_params <= counts.total_params
    assert counts.components["embedding"] >= spec.vocab_size * spec.hidden_size
    # only routed experts are counted in part
    differ = {name for name, n in counts.components.items() if counts.active_components[name] != n}
    assert differ <= {"routed_experts"}


@pytest.mark.parametrize("model", IDS)
def test_spec_starts_with_schema_line(model):
    first = (SPECS / f"{model}.yaml").read_text().splitlines()[0]
    assert first == "# yaml-language-server: $schema=../archcmp/spec.schema.json"


def test_validate_specs_dir_is_clean():
    report = validate([SPECS])
    assert [str(p) for p in report.problems] == []
    assert len(report.files) == len(IDS) >= 25


def test_aliases_unique_and_flagships():
    owners = {}
    for entry in REGISTRY.entries:
        for name in (entry.id, *entry.aliases):
            assert name not in owners, f"{name} used by {owners.get(name)} and {entry.id}"
            owners[name] = entry.id
    flagships = {"gemma3": "gemma3-27b", "qwen3": "qwen3-235b-a22b", "llama4": "llama4-maverick",
                 "deepseek": "deepseek-v3", "olmo2": "olmo2-32b"}
    for alias, target in flagships.items():
        assert REGISTRY.resolve(alias).id == target
