"""DeepSeek Sparse Attention (DeepSeek-V3.2, GLM-5), DeepSeek-V4 and Mistral
Large 4: the bundled specs against the reference figures
(tests/data/reference/wave2/expected.json, whose component names are mapped
here), caches and FLOPs worked by hand, the words compare and diff use, and
the errors a request archcmp cannot answer gets."""

from __future__ import annotations

import json
import re

import pytest
from testpaths import DATA, REFERENCE

from archcmp.analysis.flops import count_flops
from archcmp.analysis.kvcache import kv_cache
from archcmp.analysis.params import count_params
from archcmp.hf.exporter import export_spec
from archcmp.hf.importer import import_file
from archcmp.hf.sameness import differences
from archcmp.registry import Registry

WAVE2 = REFERENCE / "wave2"
EXPECTED = json.loads((WAVE2 / "expected.json").read_text())
REGISTRY = Registry(use_env=False)
SPARSE = ("deepseek-v3.2", "glm-5", "deepseek-v4-flash")
CONTEXTS = (4096, 32768, 131072)
# expected.json's oracle names -> archcmp's components
ORACLE = {"attn_q": "attention", "attn_kv": "attention", "attn_o": "attention", "attn_other": "attention",
          "attention_sinks": "attention", "indexer": "indexer", "compressor": "compressor",
          "hyper_connections": "hyper_connections", "embedding": "embedding", "lm_head": "lm_head",
          "dense_mlp": "dense_mlp", "routed_experts": "routed_experts", "shared_experts": "shared_experts",
          "router": "router", "norms": "norms", "other": "other", "per_layer_embedding": "embedding"}


def mapped(oracle: dict) -> dict:
    out: dict[str, int] = {}
    for name, count in oracle.items():
        out[ORACLE[name]] = out.get(ORACLE[name], 0) + count
    return {name: count for name, count in out.items() if count}


@pytest.mark.parametrize("model", SPARSE)
def test_parameters_equal_the_reference(model):
    expected, counts = EXPECTED[model], count_params(REGISTRY.resolve(model))
    assert (counts.total_params, counts.active_params, counts.active_params_excl_embedding) == (
        expected["total_params"], expected["active_params"], expected["active_params_excl_embedding"])
    assert {k: v for k, v in counts.components.items() if v} == mapped(expected["components_oracle_names"])


@pytest.mark.parametrize("model", ("deepseek-v3.2", "glm-5"))
def test_mtp_module_apart_equals_the_reference_estimate(model):
    [(_, mtp)] = EXPECTED[model]["not_built_by_transformers"].items()
    assert count_params(REGISTRY.resolve(model)).optional_modules == {"mtp": mtp["estimate_unique"]}


def test_v4_mtp_block_is_a_window_layer_with_its_own_hc_head():
    """Its routed experts are exactly the checkpoint's (6,442,450,944); the
    rest is the reference's estimate (6.61B in all, rounded there)."""
    spec = REGISTRY.resolve("deepseek-v4-flash")
    mtp = count_params(spec).optional_modules["mtp"]
    reference = EXPECTED["deepseek-v4-flash"]["not_built_by_transformers"]["mtp_block"]
    assert 256 * 3 * 4096 * 2048 == reference["exact_routed_experts"]
    assert abs(mtp - reference["estimate_unique"]) < 0.001 * reference["estimate_unique"]


CACHE_CASES = [(m, "transformers", "bf16", "transformers") for m in SPARSE] + [
    ("deepseek-v3.2", "vllm", "bf16", "vllm"), ("glm-5", "vllm", "bf16", "vllm"),
    ("deepseek-v3.2", "vllm", "fp8", "vllm_fp8"), ("glm-5", "vllm", "fp8", "vllm_fp8"),
    ("deepseek-v4-flash", "vllm", "fp8", "vllm"),  # vLLM serves V4 only in fp8_ds_mla
]


@pytest.mark.parametrize("model, convention, dtype, key", CACHE_CASES)
def test_cache_bytes_equal_the_reference(model, convention, dtype, key):
    spec, expected = REGISTRY.resolve(model), EXPECTED[model]["cache_batch1"][key]
    got = {str(n): kv_cache(spec, n, dtype=dtype, convention=convention).kv_bytes for n in CONTEXTS}
    assert got == expected


def test_v4_cache_by_layer_kind_equals_the_reference():
    spec = REGISTRY.resolve("deepseek-v4-flash")
    kinds = {"sliding_attention": "sliding", "compressed_sparse_attention": "csa",
             "heavily_compressed_attention": "hca"}
    for n in CONTEXTS:
        by_kind = {k.kind: (k.num_layers, k.bytes) for k in kv_cache(spec, n, convention="transformers").by_kind}
        for entry in EXPECTED["deepseek-v4-flash"]["cache_per_layer_kind"]:
            per_layer = entry["hf_bytes_at"][str(n)]
            assert by_kind[kinds[entry["kind"]]] == (entry["count"], entry["count"] * per_layer)


def test_v4_layers_hold_their_window_and_compressed_entries(run, monkeypatch):
    """At 128k: a window of 128 tokens in every layer, plus 131072 / 4 = 32768
    entries on csa layers and 131072 / 128 = 1024 on hca layers."""
    status, out, _ = run("kvcache", "deepseek-v4-flash", "--ctx", "128k", "--dtype", "fp8", "--format", "json")
    held = {k["kind"]: (k["cached_tokens"], k["compressed_entries"]) for k in json.loads(out)[0]["by_kind"]}
    assert status == 0 and held == {"sliding": (128, 0), "csa": (128, 32768), "hca": (128, 1024)}
    monkeypatch.setenv("COLUMNS", "80")
    status, out, _ = run("kvcache", "deepseek-v4-flash", "--ctx", "128k", "--dtype", "fp8")
    assert status == 0 and re.search(r"\bcsa +21 +128 \+ 32k ", out) and "n: a compressed layer" in out


def test_dsa_cache_per_token_by_hand():
    """DeepSeek-V3.2 per token and layer: latent 512 + 64 and indexer key 128.
    transformers: all bf16, (576 + 128) × 2 = 1,408 B; vLLM: 576 × 2 + 132
    (128 fp8 + one fp32 scale) = 1,284 B; vLLM fp8 (fp8_ds_mla): 512 + 4 × 4
    + 64 × 2 = 656 B, + 132."""
    spec = REGISTRY.resolve("deepseek-v3.2")
    for convention, dtype, per_layer in (("transformers", "bf16", 1408), ("vllm", "bf16", 1284),
                                         ("vllm", "fp8", 788)):
        result = kv_cache(spec, 1000, dtype=dtype, convention=convention)
        assert result.kv_bytes_per_token_all_layers == 61 * per_layer
        assert result.kv_bytes == 61 * 1000 * per_layer


def test_v4_vllm_in_bf16_has_no_exact_answer(run):
    status, out, err = run("kvcache", "deepseek-v4-flash")
    assert (status, out) == (2, "")
    assert err.strip() == (
        "error: deepseek-v4-flash: --convention vllm stores layer 0's kv only as fp8_ds_mla (--dtype fp8), so a "
        "bf16 cache has no exact answer under it: ask --dtype fp8, or --convention transformers for bf16")
    status, out, _ = run("kvcache", "deepseek-v4-flash", "--dtype", "fp8", "--ctx", "4k", "--format", "json")
    assert status == 0 and json.loads(out)[0]["kv_bytes"] == 31_191_040


@pytest.mark.parametrize("n", CONTEXTS)
def test_dsa_decode_attention_is_the_real_cost(n):
    """One query after n cached tokens sees n + 1 keys: the indexer scores
    them all, 2·64·128 + 2·64 FLOPs each; attention reads min(n + 1, 2048),
    at 2·128·(192 + 128) each in the expanded form, 2·128·(2·512 + 64)
    absorbed (vLLM's decode over the latent)."""
    spec = REGISTRY.resolve("deepseek-v3.2")
    keys, attended = n + 1, min(n + 1, 2048)
    indexer = 61 * (2 * 64 * 128 + 2 * 64) * keys
    for form, pair in (("expanded", 2 * 128 * (192 + 128)), ("absorbed", 2 * 128 * (2 * 512 + 64))):
        decode = count_flops(spec, n, mla_decode=form).decode
        assert (decode.indexer, decode.attention) == (indexer, 61 * pair * attended)


@pytest.mark.parametrize("n", CONTEXTS)
def test_v4_decode_attention_is_the_real_cost(n):
    """V4-Flash: every layer reads min(n + 1, 128) raw entries; 21 CSA
    layers add min(512, ⌊(n + 1)/4⌋) of the ⌊(n + 1)/4⌋ entries their
    indexer scores (2·64·(128 + 1) each), 20 HCA layers all ⌊(n + 1)/128⌋;
    an entry costs 2·64·(512 + 512) (one K=V head of 512)."""
    spec, p = REGISTRY.resolve("deepseek-v4-flash"), n + 1
    window, csa, hca = min(p, 128), p // 4, p // 128
    pair = 2 * 64 * 1024
    decode = count_flops(spec, n).decode
    assert decode.attention == pair * (43 * window + 21 * min(csa, 512) + 20 * hca)
    assert decode.indexer == 21 * 2 * 64 * 129 * csa


def test_full_attention_is_every_query_against_every_key():
    """What transformers computes: DSA scores and attends all n keys."""
    spec, n = REGISTRY.resolve("deepseek-v3.2"), 1000
    full = count_flops(spec, n, attention="full").prefill
    assert full.attention == 61 * 2 * 128 * 320 * n * n
    assert full.indexer == 61 * (2 * 64 * 129) * n * n
    causal = count_flops(spec, n).prefill  # below the top-k: the causal triangle
    assert causal.attention == 61 * 2 * 128 * 320 * n * (n + 1) // 2


def test_indexcache_layers_hold_no_indexer_key_and_score_nothing():
    spec = import_file(DATA / "hf" / "synthetic-glm5-indexcache.json").spec
    layers = kv_cache(spec, 10, convention="transformers").layers
    # latent 16 + 4 and the indexer key 8 on layers 0, 1, 5; layers 2-4 reuse layer 1's selection
    assert [layer.bytes for layer in layers] == [10 * (20 + (8 if i in (0, 1, 5) else 0)) * 2 for i in range(6)]
    assert count_flops(spec, 10).decode.indexer == 3 * 2 * 2 * (8 + 1) * 11
    assert count_params(spec).components["indexer"] == 3 * (32 * 16 + 64 * 8 + 16 + 2 * 64)


def test_v3_to_v32_diff_names_the_lightning_indexer(run):
    status, out, _ = run("diff", "deepseek-v3", "deepseek-v3.2")
    assert status == 0
    assert "  attention: MLA → MLA + lightning indexer, 64 heads × 128, top-2048\n" in out


def test_compare_v3_v32_v4(run):
    status, out, _ = run("compare", "deepseek-v3", "deepseek-v3.2", "deepseek-v4-flash", "--format", "json")
    data = json.loads(out)
    assert status == 0
    v4 = data["deepseek-v4-flash"]
    assert v4["attention_kind"]["indexer"] == {"num_heads": 64, "head_dim": 128, "topk": 512, "layers": 21,
                                               "num_layers": 43}
    assert [(s["span"], s["window"], s["num_layers"]) for s in v4["attention_kind"]["spans"]] == [
        ("sliding", 128, 2), ("csa", 128, 21), ("hca", 128, 20)]
    assert v4["attention_kind"]["ratios"] == [["csa", 4], ["hca", 128]]
    assert v4["grouped_output"] == {"groups": 8, "rank": 1024}
    assert v4["hyper_connections"] == {"streams": 4, "sinkhorn_iterations": 20}
    assert v4["router"]["hash_layers"] == 3
    assert v4["kv_bytes"] is None  # vLLM holds V4 in fp8 only: no bf16 figure
    assert data["deepseek-v3"]["grouped_output"] is None
    # one kv_proj head is K and V in every layer; RoPE on 64 of its 512 dims (config qk_rope_head_dim, head_dim)
    assert v4["k_eq_v"] == ["sliding", "csa", "hca"] and data["deepseek-v3.2"]["k_eq_v"] is None
    assert v4["partial_rotary_factor"] == 64 / 512
    status, out, _ = run("compare", "deepseek-v3.2", "deepseek-v4-flash", "--dtype", "fp8", "--format", "json")
    assert json.loads(out)["deepseek-v4-flash"]["kv_bytes"] == 141_585_408


@pytest.mark.parametrize("model", SPARSE)
def test_bundled_spec_is_the_published_config(model):
    imported = import_file(WAVE2 / "configs" / f"{model}.json").spec
    assert differences(REGISTRY.resolve(model), imported) == []


def test_v4_pro_spec_is_its_config():
    imported = import_file(DATA / "hf" / "deepseek-v4-pro-nvfp4.json").spec
    assert differences(REGISTRY.resolve("deepseek-v4-pro"), imported) == []


def test_export_writes_the_published_keys():
    """V4 keeps compress_ratios with the MTP block's entry; V3.2 its indexer."""
    v4 = export_spec(REGISTRY.resolve("deepseek-v4-flash")).config
    published = json.loads((WAVE2 / "configs" / "deepseek-v4-flash.json").read_text())
    assert v4["compress_ratios"] == published["compress_ratios"]
    for key in ("num_hash_layers", "index_topk", "o_groups", "hc_mult", "scoring_func", "compress_rope_theta"):
        assert v4[key] == published[key], key
    v32 = export_spec(REGISTRY.resolve("deepseek-v3.2")).config
    assert (v32["model_type"], v32["index_topk"], v32["index_n_heads"]) == ("deepseek_v32", 2048, 64)


def test_mistral_large4_wrapper_round_trip(tmp_path):
    spec = import_file(DATA / "sparse" / "synthetic-mistral-large4.json").spec
    assert spec.kv_sharing.source_layers == {3: 1, 5: 2}
    path = tmp_path / "config.json"
    path.write_text(export_spec(spec).to_json())
    assert differences(spec, import_file(path).spec) == []
    # NoPE layers 2 and 5 cache the latent alone; layer 3 only its indexer key; layer 5 nothing
    layers = kv_cache(spec, 7, convention="transformers").layers
    assert [layer.bytes // (7 * 2) for layer in layers] == [32 + 8 + 16, 56, 32 + 16, 16, 40, 0]


@pytest.mark.parametrize("key, value, message", [
    ("index_topk_pattern", "FSX", "expected 6 of F / S (or full / shared)"),
    ("kv_source_layers", [0, 0, 1, 3, 4, 5], "layer 2 must read itself or an earlier layer that owns its cache"),
])
def test_bad_sparse_configs_are_refused_at_their_key(tmp_path, key, value, message):
    config = json.loads((DATA / "sparse" / "synthetic-mistral-large4.json").read_text())
    config["text_config"].pop("indexer_types")
    config["text_config"][key] = value
    path = tmp_path / "config.json"
    path.write_text(json.dumps(config, indent=2))
    from archcmp.errors import ArchcmpError

    with pytest.raises(ArchcmpError) as caught:
        import_file(path)
    [problem] = caught.value.problems
    line = next(i for i, text in enumerate(path.read_text().splitlines(), 1) if f'"{key}"' in text)
    assert (problem.line, problem.field, problem.message) == (line, key, message)
