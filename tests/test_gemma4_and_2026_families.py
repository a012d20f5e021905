"""Gemma 4 and the other 2026 standard-block families: the bundled specs
against tests/data/reference/wave2/expected.json (exact counts, components in
the oracle's names mapped to archcmp's, cache bytes under both conventions),
the specs against their published configs, and hand-worked layers."""

from __future__ import annotations

import json

import pytest
from testpaths import DATA

from archcmp.analysis.kvcache import kv_cache
from archcmp.analysis.params import count_params
from archcmp.hf.importer import import_file
from archcmp.hf.sameness import differences
from archcmp.plan import expand
from archcmp.registry import Registry
from archcmp.schema import ModelSpec

WAVE2 = DATA / "reference" / "wave2"
EXPECTED = json.loads((WAVE2 / "expected.json").read_text())
MODELS = ("gemma4-26b-a4b", "gemma4-31b", "glm-4.6", "kimi-k2.5", "minimax-m2.5", "olmo3-32b")
REGISTRY = Registry(use_env=False)
# The oracle's component names → archcmp's (shared/reference/README.md):
# attention holds q/k/v/o, their norms and sinks; per-layer embeddings are embeddings.
ORACLE = {"attn_q": "attention", "attn_kv": "attention", "attn_o": "attention", "attn_other": "attention",
          "attention_sinks": "attention", "per_layer_embedding": "embedding"}
NOT_THESE_KINDS = ("indexer", "compressor", "hyper_connections")  # DSA / DeepSeek-V4: branch sparse


def mapped(oracle: dict[str, int]) -> dict[str, int]:
    out = dict.fromkeys(("embedding", "attention", "dense_mlp", "routed_experts", "shared_experts", "router", "norms",
                         "lm_head", "other"), 0)
    for name, count in oracle.items():
        if name in NOT_THESE_KINDS:
            assert count == 0
            continue
        out[ORACLE.get(name, name)] += count
    return out


@pytest.mark.parametrize("model", MODELS)
def test_counts_equal_the_oracle(model):
    want, got = EXPECTED[model], count_params(REGISTRY.resolve(model))
    assert (got.total_params, got.active_params, got.active_params_excl_embedding) == (
        want["total_params"], want["active_params"], want["active_params_excl_embedding"])
    assert got.components == mapped(want["components_oracle_names"])


@pytest.mark.parametrize("convention", ("vllm", "transformers"))
@pytest.mark.parametrize("model", MODELS)
def test_cache_bytes_equal_the_oracle(model, convention):
    spec = REGISTRY.resolve(model)
    for context, want in EXPECTED[model]["cache_batch1"][convention].items():
        assert kv_cache(spec, int(context), convention=convention).kv_bytes == want, context


@pytest.mark.parametrize("model", MODELS)
def test_bundled_spec_is_its_published_config(model):
    imported = import_file(WAVE2 / "configs" / f"{model}.json", model).spec
    assert differences(REGISTRY.resolve(model), imported) == []


def test_glm46_mtp_layer_is_shown_apart_as_the_oracle_estimates():
    assert count_params(REGISTRY.resolve("glm-4.6")).optional_modules == {
        "mtp": EXPECTED["glm-4.6"]["not_built_by_transformers"]["mtp_layer_92"]["estimate_unique"]}


def test_gemma4_31b_layers_by_hand():
    """Sliding layer: q 32×256, k and v 16×256 over 5376; global layer: q
    32×512, k 4×512 and no v_proj (K = V); per-head q/k norms of the head dim."""
    plan = expand(REGISTRY.resolve("gemma4-31b"))
    sliding, full = plan.blocks[0].mixer, plan.blocks[5].mixer
    h = 5376
    assert sum(t.elements for t in sliding.tensors()) == 2 * 32 * 256 * h + 2 * 16 * 256 * h + 2 * 256
    assert sum(t.elements for t in full.tensors()) == 2 * 32 * 512 * h + 4 * 512 * h + 2 * 512
    assert "v_proj" not in {t.name for t in full.tensors()}
    # V is still cached: at 128k a global layer holds 2 × 4 × 512 bf16 per token
    layers = kv_cache(REGISTRY.resolve("gemma4-31b"), 131072).layers
    assert layers[5].bytes == 131072 * 2 * 4 * 512 * 2
    assert layers[0].bytes == 1024 * 2 * 16 * 256 * 2


def test_gemma4_26b_parallel_block_by_hand():
    """Dense GeGLU 3 × 2112 × 2816 beside 128 experts of 3 × 704 × 2816; the
    router's projection, input scale and per-expert scale; three more norms."""
    block = expand(REGISTRY.resolve("gemma4-26b-a4b")).blocks[0]
    h, e = 2816, 128
    by = {}
    for t in block.ffn.tensors():
        by[t.component] = by.get(t.component, 0) + t.elements
    assert by == {"dense_mlp": 3 * 2112 * h, "routed_experts": e * 3 * 704 * h, "router": e * h + h + e,
                  "norms": 3 * h}
    assert block.ffn.macs() == {"dense_mlp": 3 * 2112 * h, "routed_experts": 8 * 3 * 704 * h, "router": e * h}


def _tiny_e_model(**sharing) -> ModelSpec:
    return ModelSpec.model_validate({
        "id": "tiny-e", "name": "tiny", "family": "test", "sources": [{"url": "https://example.org", "what": "x"}],
        "vocab_size": 100, "hidden_size": 16, "num_layers": 5,
        "embeddings": {"tied_output": True, "per_layer": {"vocab_size": 50, "width": 4}},
        "positions": {"kind": "rope", "rope_theta": 10000},
        "attention": {"kind": "gqa", "num_heads": 4, "num_kv_heads": 2, "head_dim": 8,
                      "layer_pattern": ["sliding", "sliding", "full"], "sliding_window": 8},
        "norm": {"kind": "rmsnorm", "placement": "sandwich"},
        "ffn": {"gated": True, "activation": "gelu_tanh", "intermediate_size": 24},
        "kv_sharing": {"num_shared_layers": 2, **sharing}})


def test_double_wide_mlp_only_on_kv_shared_layers():
    """E2B's use_double_wide_mlp: the last two (sliding) layers read layer
    1's cache, own no k/v and have a 48-wide MLP; the others keep 24."""
    plan = expand(_tiny_e_model(double_wide_mlp=True))
    assert [b.ffn.width for b in plan] == [24, 24, 24, 48, 48]
    assert [b.kv_source for b in plan] == [0, 1, 2, 1, 1]
    plain = count_params(_tiny_e_model())
    wide = count_params(_tiny_e_model(double_wide_mlp=True))
    assert wide.total_params - plain.total_params == 2 * 3 * 24 * 16
    assert kv_cache(_tiny_e_model(double_wide_mlp=True), 20).layers[3].bytes == 0
