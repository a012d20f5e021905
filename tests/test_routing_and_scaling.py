"""Router scoring, top-k renormalization, routed scaling, attention score
scale and soft-caps: what bundled specs say (checked by hand against their
config.json), what each family's config keys import as, what export writes,
and that none of it changes a count."""

from __future__ import annotations

import json

import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st
from testpaths import DATA, bundled_ids

from archcmp.analysis.facts import card
from archcmp.analysis.flops import count_flops
from archcmp.analysis.kvcache import kv_cache
from archcmp.analysis.params import count_params
from archcmp.errors import ArchcmpError
from archcmp.hf.exporter import export_spec
from archcmp.hf.importer import import_file, read_body
from archcmp.hf.sameness import differences
from archcmp.registry import Registry
from archcmp.render.cells import value_text
from archcmp.schema import ModelSpec
from specs import changed

REGISTRY = Registry(use_env=False)
ROUTER_FIELDS = ("router_scoring", "normalize_top_k", "routed_scaling_factor")


def router_of(spec) -> tuple:
    return tuple(getattr(spec.moe, name) for name in ROUTER_FIELDS)


def facts_of(spec) -> dict:
    """Card values as a table writes them (numbers stay numbers)."""
    def text(fact):
        plain = fact.value is None or fact.unit in ("", "params", "bytes", "flops")
        return fact.value if plain else value_text(fact.value, fact.unit)
    return {fact.name: text(fact) for fact in card(spec)}




# ---- bundled specs, values read off their config.json by hand ---------------


@pytest.mark.parametrize("spec_id, router", [
    # scoring_func sigmoid, norm_topk_prob true, routed_scaling_factor 2.5 / 2.827
    ("deepseek-v3", ("sigmoid", True, 2.5)),
    ("kimi-k2", ("sigmoid", True, 2.827)),
    # Qwen3MoeTopKRouter: softmax; the hub files set norm_topk_prob true
    ("qwen3-30b-a3b", ("softmax", True, None)),
    ("qwen3-235b-a22b", ("softmax", True, None)),
    # Llama4Router: sigmoid of the top-1 logit, never renormalized
    ("llama4-scout", ("sigmoid", False, None)),
    ("llama4-maverick", ("sigmoid", False, None)),
])
def test_bundled_routers(spec_id, router):
    assert router_of(REGISTRY.resolve(spec_id)) == router


@pytest.mark.parametrize("spec_id, query_scale_dim, unit_scale, final_cap", [
    ("gemma3-27b", 5376 // 32, False, None),  # query_pre_attn_scalar 168 = hidden / heads; head_dim 128
    ("gemma3-1b", None, False, None),  # query_pre_attn_scalar 256 = head_dim
    ("gemma3-4b", None, False, None),  # Gemma3TextConfig defaults: 256 = head_dim, no final cap
    ("gemma3n-e4b", None, True, 30.0),  # Gemma3nTextAttention.scaling = 1.0; final_logit_softcapping 30
    ("gemma3n-e2b", None, True, 30.0),  # the same text code as E4B
    ("qwen3-8b", None, False, None),
])
def test_bundled_score_scales_and_caps(spec_id, query_scale_dim, unit_scale, final_cap):
    spec = REGISTRY.resolve(spec_id)
    att = spec.attention
    assert (att.query_scale_dim, att.unit_scale, spec.final_logit_softcapping) == (
        query_scale_dim, unit_scale, final_cap)
    assert att.logit_softcapping is None  # no bundled model soft-caps attention scores


@pytest.mark.parametrize("spec_id, facts", [
    ("deepseek-v3", {"router": "sigmoid, top-8 renormalized, ×2.5", "score_scale": None}),
    ("kimi-k2", {"router": "sigmoid, top-8 renormalized, ×2.827"}),
    ("qwen3-30b-a3b", {"router": "softmax, top-8 renormalized"}),
    ("llama4-scout", {"router": "sigmoid, top-1 not renormalized"}),
    ("qwen3-8b", {"router": None, "score_scale": None, "final_logit_softcapping": None}),
    ("gemma3-27b", {"score_scale": "1/√168", "logit_softcapping": None}),
    ("gemma3n-e4b", {"score_scale": "1 (not scaled)", "final_logit_softcapping": 30.0}),
])
def test_card_rows(spec_id, facts):
    got = facts_of(REGISTRY.resolve(spec_id))
    assert {name: got[name] for name in facts} == facts


def test_card_states_only_what_the_spec_says():
    spec = REGISTRY.resolve("qwen3-30b-a3b")
    assert facts_of(changed(spec, "moe", router_scoring=None))["router"] == "top-8 renormalized"
    assert facts_of(changed(spec, "moe", router_scoring=None, normalize_top_k=None))["router"] is None
    assert facts_of(changed(spec, "moe", routed_scaling_factor=16.0))["router"] == (
        "softmax, top-8 renormalized, ×16")


# ---- none of it changes a count -----------------------------------------------


def without_new_fields(spec):
    data = spec.model_dump()
    data["final_logit_softcapping"] = None
    scale = {"query_scale_dim": None, "unit_scale": False, "logit_softcapping": None}
    data["attention"].update({k: v for k, v in scale.items() if k in data["attention"]})  # not DeepSeek-V4's
    if data["moe"]:
        data["moe"].update(dict.fromkeys(ROUTER_FIELDS))
    return ModelSpec.model_validate(data)


@pytest.mark.parametrize("spec_id", bundled_ids())
def test_counts_do_not_depend_on_routing_or_scaling(spec_id):
    spec = REGISTRY.resolve(spec_id)
    plain = without_new_fields(spec)
    assert count_params(plain) == count_params(spec)
    assert kv_cache(plain, 4096).kv_bytes == kv_cache(spec, 4096).kv_bytes
    assert count_flops(plain, 4096).prefill_flops_per_token == count_flops(spec, 4096).prefill_flops_per_token


@settings(max_examples=40, deadline=None)
@given(scoring=st.sampled_from([None, "softmax", "sigmoid"]), normalize=st.sampled_from([None, True, False]),
       factor=st.one_of(st.none(), st.floats(0.01, 100)), scale_dim=st.one_of(st.none(), st.integers(1, 512)),
       unit=st.booleans(), cap=st.one_of(st.none(), st.floats(0.5, 100)))
def test_no_value_of_the_fields_changes_a_count(scoring, normalize, factor, scale_dim, unit, cap):
    assume(not (unit and scale_dim) and scale_dim != 128 + 64 and factor != 1)  # rules a spec must keep
    spec = REGISTRY.resolve("deepseek-v3")
    other = changed(changed(changed(spec, "moe", router_scoring=scoring, normalize_top_k=normalize,
                                    routed_scaling_factor=factor),
                            "attention", query_scale_dim=scale_dim, unit_scale=unit, logit_softcapping=cap),
                    final_logit_softcapping=cap)
    assert count_params(other) == count_params(spec)
    assert kv_cache(other, 1024).kv_bytes == kv_cache(spec, 1024).kv_bytes


# ---- import: each family's keys, with the transformers 5.24 defaults ---------


def imported(model_type: str, **config):
    body = read_body({"model_type": model_type, **config}, f"<{model_type}>")
    return ModelSpec.model_validate({"id": "x", "name": "x", "family": "x",
                                     "sources": [{"url": "https://example.org", "what": "test"}],
                                     **body.fields}), body.warnings


@pytest.mark.parametrize("model_type, config, router", [
    ("deepseek_v3", {}, ("sigmoid", True, 2.5)),  # DeepseekV3Config defaults
    ("deepseek_v3", {"norm_topk_prob": False, "routed_scaling_factor": 1.0}, ("sigmoid", False, None)),
    ("kimi_k2", {"scoring_func": "sigmoid", "routed_scaling_factor": 2.827}, ("sigmoid", True, 2.827)),
    ("deepseek_v2", {"num_experts_per_tok": 6}, ("softmax", False, None)),  # DeepseekV2Config: x1.0
    ("deepseek_v2", {"num_experts_per_tok": 6, "routed_scaling_factor": 16.0}, ("softmax", False, 16.0)),
    ("glm4_moe", {}, ("sigmoid", True, None)),  # Glm4MoeConfig: norm_topk_prob true, x1.0
    ("glm4_moe", {"norm_topk_prob": False, "routed_scaling_factor": 2.5}, ("sigmoid", False, 2.5)),
    ("qwen2_moe", {}, ("softmax", False, None)),  # norm_topk_prob defaults to false
    ("qwen2_moe", {"norm_topk_prob": True}, ("softmax", True, None)),
    ("qwen3_moe", {}, ("softmax", False, None)),
    ("qwen3_moe", {"norm_topk_prob": True}, ("softmax", True, None)),
    ("mixtral", {}, ("softmax", True, None)),  # MixtralTopKRouter always renormalizes
    ("llama4_text", {}, ("sigmoid", False, None)),
    ("gpt_oss", {}, ("softmax", True, None)),  # softmax over the top-k logits
])
def test_router_keys_import(model_type, config, router):
    spec, warnings = imported(model_type, **config)
    assert router_of(spec) == router and warnings == []


@pytest.mark.parametrize("model_type, config, expected", [
    # (query_scale_dim, unit_scale, attention soft-cap, final soft-cap)
    ("gemma2", {}, (None, False, 50.0, 30.0)),  # Gemma2Config: 256 = head_dim, caps 50 and 30
    ("gemma2", {"head_dim": 128, "query_pre_attn_scalar": 144, "attn_logit_softcapping": None,
                "final_logit_softcapping": None}, (144, False, None, None)),
    ("gemma3_text", {}, (None, False, None, None)),  # Gemma3TextConfig: no caps
    ("gemma3_text", {"head_dim": 128, "query_pre_attn_scalar": 168, "final_logit_softcapping": 30}, (168, False,
                                                                                                     None, 30.0)),
    ("gemma3n_text", {}, (None, True, None, 30.0)),
    # Gemma3nTextAttention reads neither key; scores stay unscaled and uncapped
    ("gemma3n_text", {"query_pre_attn_scalar": 100, "attn_logit_softcapping": 50.0,
                      "final_logit_softcapping": 20}, (None, True, None, 20.0)),
    ("gemma", {}, (None, False, None, None)),
])
def test_score_keys_import(model_type, config, expected):
    spec, _ = imported(model_type, **config)
    att = spec.attention
    assert (att.query_scale_dim, att.unit_scale, att.logit_softcapping, spec.final_logit_softcapping) == expected


def test_keys_transformers_does_not_read_are_warnings():
    spec, warnings = imported("deepseek_v3", scoring_func="softmax")
    assert spec.moe.router_scoring == "sigmoid"
    assert warnings == [("<deepseek_v3>: scoring_func: 'softmax' ignored, as transformers does: this "
                         "model_type's router always scores with sigmoid")]
    spec, warnings = imported("deepseek_v2", num_experts_per_tok=6, norm_topk_prob=True)
    assert spec.moe.normalize_top_k is False
    assert warnings == [("<deepseek_v2>: norm_topk_prob: true ignored, as transformers does: "
                         "DeepseekV2TopkRouter never renormalizes (DeepSeek's remote code would)")]


@pytest.mark.parametrize("model_type, key, value, message", [
    ("glm4_moe", "routed_scaling_factor", 0, "expected a number above 0, found 0"),
    ("gemma2", "final_logit_softcapping", "30", "expected a number, found '30'"),
    ("gemma2", "attn_logit_softcapping", -50.0, "expected a number above 0, found -50.0"),
    ("gemma3_text", "query_pre_attn_scalar", 0, "expected an integer >= 1, found 0"),
    ("gemma", "final_logit_softcapping", 30.0, "unknown keys: final_logit_softcapping"),  # Gemma (1) has none
    # typed float, not optional, in the transformers config classes: null is refused there too
    ("gemma3n_text", "final_logit_softcapping", None, "expected a number above 0, found None"),
    ("deepseek_v3", "routed_scaling_factor", None, "expected a number above 0, found None"),
])
def test_bad_values_are_errors(model_type, key, value, message):
    with pytest.raises(ArchcmpError) as caught:
        imported(model_type, **{key: value})
    assert message in str(caught.value)


# ---- export, and import of the export -----------------------------------------


@pytest.mark.parametrize("spec_id, keys", [
    ("deepseek-v3", {"scoring_func": "sigmoid", "norm_topk_prob": True, "routed_scaling_factor": 2.5}),
    ("kimi-k2", {"scoring_func": "sigmoid", "norm_topk_prob": True, "routed_scaling_factor": 2.827}),
    ("qwen3-30b-a3b", {"norm_topk_prob": True}),
    ("gemma3-27b", {"query_pre_attn_scalar": 168, "attn_logit_softcapping": None, "final_logit_softcapping": None}),
    ("gemma3-1b", {"query_pre_attn_scalar": 256, "final_logit_softcapping": None}),
    ("gemma3n-e4b", {"final_logit_softcapping": 30.0}),
])
def test_export_writes_the_keys(spec_id, keys):
    config = export_spec(REGISTRY.resolve(spec_id)).config
    assert {key: config[key] for key in keys} == keys


def test_gemma3n_export_leaves_out_the_keys_it_ignores():
    config = export_spec(REGISTRY.resolve("gemma3n-e4b")).config
    assert "query_pre_attn_scalar" not in config and "attn_logit_softcapping" not in config


def test_an_unstated_router_exports_with_the_family_default(tmp_path):
    spec = changed(REGISTRY.resolve("qwen3-30b-a3b"), "moe", router_scoring=None, normalize_top_k=None)
    config = export_spec(spec).config
    assert config["model_type"] == "qwen3_moe" and "norm_topk_prob" not in config
    path = tmp_path / "config.json"
    path.write_text(json.dumps(config))
    assert router_of(import_file(path).spec) == ("softmax", False, None)  # Qwen3MoeConfig default


@pytest.mark.parametrize("spec_id, model_type, section, fields, difference", [
    ("qwen3-30b-a3b", "qwen3_moe", "moe", {"routed_scaling_factor": 2.5},
     "moe.routed_scaling_factor: 2.5 -> None"),
    ("qwen3-30b-a3b", "qwen3_moe", "moe", {"router_scoring": "sigmoid"}, "moe.router_scoring: 'sigmoid' -> 'softmax'"),
    ("llama4-scout", "llama4_text", "moe", {"normalize_top_k": True}, "moe.normalize_top_k: True -> False"),
    ("deepseek-v3", "deepseek_v3", "moe", {"router_scoring": "softmax"}, "moe.router_scoring: 'softmax' -> 'sigmoid'"),
    ("gemma3-1b", "gemma3_text", "attention", {"unit_scale": True}, "attention.unit_scale: True -> False"),
    ("gemma3n-e4b", "gemma3n_text", "attention", {"unit_scale": False}, "attention.unit_scale: False -> True"),
    ("gemma3n-e4b", "gemma3n_text", None, {"final_logit_softcapping": None},
     "final_logit_softcapping: expected a number above 0, found None"),
    ("gemma3-1b", "gemma3_text", None, {"final_logit_softcapping": 30.0}, None),  # Gemma 3 reads the key
    ("qwen3-8b", "qwen3", None, {"final_logit_softcapping": 30.0}, "final_logit_softcapping: 30.0 -> None"),
    ("qwen3-8b", "qwen3", "attention", {"query_scale_dim": 100}, "attention.query_scale_dim: 100 -> None"),
])
def test_a_family_without_the_choice_refuses_the_spec(spec_id, model_type, section, fields, difference):
    spec = changed(REGISTRY.resolve(spec_id), section, **fields)
    if difference is None:
        assert export_spec(spec, model_type).model_type == model_type
        return
    with pytest.raises(ArchcmpError) as caught:
        export_spec(spec, model_type)
    assert str(caught.value) == f"{spec.id}: a {model_type} config.json cannot express this spec: {difference}"


FIXTURES = sorted(p for p in (DATA / "hf").glob("*.json") if "longrope" not in p.stem)


@pytest.mark.parametrize("path", FIXTURES, ids=[p.stem for p in FIXTURES])
def test_every_fixture_survives_export_and_import(tmp_path, path):
    spec = import_file(path).spec
    again = tmp_path / "config.json"
    again.write_text(export_spec(spec).to_json())
    back = import_file(again).spec
    assert differences(spec, back) == []
    assert (spec.final_logit_softcapping, spec.attention, spec.moe) == (
        back.final_logit_softcapping, back.attention, back.moe)
