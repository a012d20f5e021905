"""archcmp's parameter counts against the models transformers builds.

Every bundled spec (exported with ``archcmp export``), every reference
config and every fixture in tests/data/hf/ (imported with ``archcmp
import``) is instantiated with transformers 5.24 on the ``meta`` device
(nothing allocated). The unique parameter count must equal archcmp's total
exactly, and so must each component, after sorting the transformers
parameter names into archcmp's components by the rules below.

The per-family key lists and defaults are checked against the transformers
config classes too, so a transformers upgrade that adds a key shows up here.
"""

from __future__ import annotations

import dataclasses
import functools
import json
import re
from collections import Counter
from pathlib import Path

import pytest
from small import build_model, reference_names

from archcmp.analysis.params import COMPONENTS, count_params
from archcmp.hf.common import BASE_IGNORED
from archcmp.hf.exporter import export_spec
from archcmp.hf.families import FAMILIES, WRAPPERS
from archcmp.hf.importer import import_file
from archcmp.registry import Registry

REPO = Path(__file__).resolve().parents[2]
FIXTURES = sorted((REPO / "tests" / "data" / "hf").glob("*.json"))
REFERENCE = REPO.parent / "shared" / "reference" / "configs"

# First match wins. Attention keeps its own norms (q/k norm, MLA latent
# norms) and sinks; Gemma 3n's AltUp/LAuReL norms are norms, the rest of
# those modules "other" (shared/reference/README.md, components).
RULES = (
    (r"(^|\.)lm_head\.", "lm_head"),
    (r"\.(embed_tokens|embed_tokens_per_layer|wte|wpe)\.", "embedding"),
    (r"\.(self_attn|attn)\.", "attention"),
    (r"\.experts\.", "routed_experts"),
    (r"\.shared_experts?(_gate)?\.", "shared_experts"),
    (r"\.(gate|router)\.(weight|bias)$", "router"),
    (r"(norm|ln_\d+|ln_f)\.(weight|bias)$", "norms"),
    (r"(altup|laurel|per_layer_)", "other"),
    (r"\.(mlp|feed_forward)\.", "dense_mlp"),
)


def component(name: str) -> str:
    for pattern, part in RULES:
        if re.search(pattern, name):
            return part
    raise AssertionError(f"no component for transformers parameter {name!r}")


def hf_components(model) -> dict[str, int]:
    counts = Counter(dict.fromkeys(COMPONENTS, 0))
    for name, param in model.named_parameters():  # shared (tied) tensors once
        counts[component(name)] += param.numel()
    return dict(counts)


def text_config(config: dict) -> dict:
    """The language model's config dict, ``model_type`` filled in."""
    if config.get("model_type") in WRAPPERS:
        inner = dict(config.get("text_config") or {})
        inner.setdefault("model_type", WRAPPERS[config["model_type"]])
        return inner
    return config


def assert_same_counts(spec, config: dict) -> None:
    model = build_model(text_config(config))
    ours = count_params(spec)
    theirs = hf_components(model)
    assert ours.components == theirs
    assert ours.total_params == sum(theirs.values())


@functools.cache
def registry() -> Registry:
    return Registry(use_env=False)


@pytest.mark.parametrize("spec_id", [e.id for e in registry().entries])
def test_bundled_spec_via_export(spec_id):
    spec = registry().resolve(spec_id)
    assert_same_counts(spec, export_spec(spec).config)


@pytest.mark.parametrize("name", reference_names())
def test_reference_config_via_import(name):
    path = REFERENCE / f"{name}.json"
    assert_same_counts(import_file(path).spec, json.loads(path.read_text()))


@pytest.mark.parametrize("path", FIXTURES, ids=[p.stem for p in FIXTURES])
def test_fixture_config_via_import(path):
    assert_same_counts(import_file(path).spec, json.loads(path.read_text()))


# A longrope spec cannot be exported: the per-dimension factor lists are not
# in a spec (tests/test_export.py checks the message).
EXPORTABLE = [p for p in FIXTURES if "longrope" not in p.stem]


@pytest.mark.parametrize("path", EXPORTABLE, ids=[p.stem for p in EXPORTABLE])
def test_exported_fixture_builds_the_same_model(path):
    """import, export, build: the written config.json is one transformers
    reads as the same architecture."""
    spec = import_file(path).spec
    assert_same_counts(spec, export_spec(spec).config)


# transformers fills these in __post_init__ rather than as field defaults.
POST_INIT_DEFAULTS = {("gpt_oss", "rope_parameters")}
COMMON_FIELDS = {"transformers_version", "architectures", "output_hidden_states", "return_dict", "dtype",
                 "chunk_size_feed_forward", "is_encoder_decoder", "id2label", "label2id", "problem_type"}


def _config_class(model_type: str):
    from transformers import CONFIG_MAPPING

    return CONFIG_MAPPING["deepseek_v3" if model_type == "kimi_k2" else model_type]


@pytest.mark.parametrize("model_type", sorted(FAMILIES))
def test_family_knows_every_transformers_config_field(model_type):
    family = FAMILIES[model_type]
    known = family.defaults.keys() | family.ignored | BASE_IGNORED
    fields = {f.name for f in dataclasses.fields(_config_class(model_type))} - COMMON_FIELDS
    assert {family.aliases.get(f, f) for f in fields} - known == set()


@pytest.mark.parametrize("model_type", sorted(FAMILIES))
def test_family_defaults_are_the_transformers_defaults(model_type):
    family, cls = FAMILIES[model_type], _config_class(model_type)
    for f in dataclasses.fields(cls):
        name = family.aliases.get(f.name, f.name)
        if name not in family.defaults or (model_type, name) in POST_INIT_DEFAULTS:
            continue
        default = f.default_factory() if f.default is dataclasses.MISSING else f.default
        assert family.defaults[name] == default, name
    theta = cls.default_theta
    if isinstance(theta, dict):
        assert (family.defaults["rope_theta"], family.defaults["rope_local_base_freq"]) == (
            theta["global"], theta["local"])
    elif "rope_theta" in family.defaults:
        assert family.defaults["rope_theta"] == theta
