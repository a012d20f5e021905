"""The typed-block core: a spec is valid however it is built, unknown kinds
are refused, per-layer geometry and explicit KV sources are expressible, and
each is counted exactly (worked out by hand here)."""

from __future__ import annotations

import json

import pytest
from pydantic import ValidationError

from archcmp.analysis.kvcache import kv_cache
from archcmp.analysis.params import count_params
from archcmp.plan import expand
from archcmp.schema import ModelSpec
from specs import build, tiny_data

# tiny.yaml: 4 layers of GQA 4 heads / 2 KV heads x 8, hidden 16, [sliding(32), full].
TINY_ATTENTION = tiny_data()["attention"]


def test_a_broken_rule_cannot_be_built_from_a_dict():
    data = tiny_data()
    data["attention"] = {**TINY_ATTENTION, "num_kv_heads": 3}
    with pytest.raises(ValidationError, match="num_heads \\(4\\) must be divisible by num_kv_heads \\(3\\)"):
        ModelSpec.model_validate(data)


def test_a_missing_field_of_the_kind_cannot_be_built():
    attention = {k: v for k, v in TINY_ATTENTION.items() if k != "head_dim"}
    with pytest.raises(ValidationError, match="head_dim"):
        build(attention=attention)


def test_a_field_of_another_kind_is_refused():
    with pytest.raises(ValidationError, match="kv_lora_rank"):
        build(attention={**TINY_ATTENTION, "kv_lora_rank": 16})


@pytest.mark.parametrize("attention, message", [
    ({**TINY_ATTENTION, "kind": "linear"}, "does not match any of the expected tags"),
    ({**TINY_ATTENTION, "layer_pattern": ["linear"]}, "label 'linear' names no linear_attention section"),
    ({**TINY_ATTENTION, "layer_pattern": ["mamba"]}, "unknown label 'mamba'"),
])
def test_unknown_kinds_and_labels_are_refused(attention, message):
    with pytest.raises(ValidationError, match=message):
        build(attention=attention)


def test_unknown_kind_in_a_file_is_located(run, tmp_path):
    text = (tmp_path / "x.yaml")
    text.write_text(json.dumps({**tiny_data(), "attention": {**TINY_ATTENTION, "kind": "linear"}}))
    status, out, _ = run("validate", str(text))
    assert status == 1
    assert "attention.kind: unknown kind 'linear'; expected one of 'mha', 'gqa', 'mqa', 'mla'" in out


def test_per_layer_geometry_by_label():
    """Full layers (1 and 3) with 1 KV head of 16: q_proj/o_proj 16 x 64,
    k_proj/v_proj 16 x 16 there; sliding layers keep 2 x 8."""
    spec = build(attention={**TINY_ATTENTION, "overrides": [{"label": "full", "num_kv_heads": 1, "head_dim": 16}]})
    plain = count_params(build())
    per_layer_change = (2 * 16 * 64 + 2 * 16 * 16) - (2 * 16 * 32 + 2 * 16 * 16)
    assert count_params(spec).components["attention"] == plain.components["attention"] + 2 * per_layer_change
    heads = [(b.mixer.num_kv_heads, b.mixer.head_dim) for b in expand(spec)]
    assert heads == [(2, 8), (1, 16), (2, 8), (1, 16)]
    # 100 tokens: sliding layers hold 32 x 2 x 2 x 8, full layers 100 x 2 x 1 x 16, bf16
    assert kv_cache(spec, 100).kv_bytes == 2 * (32 * 32 * 2) + 2 * (100 * 32 * 2)


def test_overrides_must_pick_a_layer_and_change_something():
    for override, message in [({"label": "chunked", "head_dim": 4}, "no layer has label 'chunked'"),
                              ({"layers": [9], "head_dim": 4}, "layer 9 does not exist"),
                              ({"label": "full"}, "changes nothing")]:
        with pytest.raises(ValidationError, match=message):
            build(attention={**TINY_ATTENTION, "overrides": [override]})


def test_explicit_kv_sources():
    """Layer 3 (full) reads layer 1's cache: no k/v projections, no cache."""
    spec = build(kv_sharing={"source_layers": {3: 1}})
    assert [b.kv_source for b in expand(spec)] == [0, 1, 2, 1]
    assert count_params(build()).total_params - count_params(spec).total_params == 2 * 16 * 16
    assert kv_cache(spec, 100).kv_bytes == 2 * (32 * 64) + 1 * (100 * 64)


@pytest.mark.parametrize("sources, message", [
    ({3: 3}, "can only read an earlier layer's cache"),
    ({3: 2}, "layer 3 is full but layer 2 is sliding"),
    ({1: 0}, "layer 1 is full but layer 0 is sliding"),
    ({9: 1}, "layer 9 does not exist"),
])
def test_bad_kv_sources(sources, message):
    with pytest.raises(ValidationError, match=message):
        build(kv_sharing={"source_layers": sources})


def test_the_transformers_convention_keeps_window_minus_one():
    vllm, hf = kv_cache(build(), 100), kv_cache(build(), 100, convention="transformers")
    per_token_layer = 2 * 2 * 8 * 2
    assert vllm.kv_bytes == 2 * 32 * per_token_layer + 2 * 100 * per_token_layer
    assert hf.kv_bytes == 2 * 31 * per_token_layer + 2 * 100 * per_token_layer
    assert kv_cache(build(), 20, convention="transformers").kv_bytes == 4 * 20 * per_token_layer


def test_compare_json_has_numbers_where_numbers_belong(run):
    status, out, _ = run("compare", "deepseek-v3", "gemma3-27b", "--format", "json")
    data = json.loads(out)["gemma3-27b"]
    assert status == 0
    assert isinstance(data["active_share"], float) and isinstance(data["tied_output"], bool)
    assert data["attention_layers"][:2] == [{"start": 0, "stop": 4, "label": "sliding"},
                                            {"start": 5, "stop": 5, "label": "full"}]
    assert {"span": "sliding", "window": 1024, "num_layers": 52} in data["attention_kind"]["spans"]
    texts = [v for v in data.values() if isinstance(v, str)]
    assert not any(t.endswith("%") or t in ("yes", "no") for t in texts), texts
