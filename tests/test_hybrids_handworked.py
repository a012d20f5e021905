"""Hybrid layers worked out by hand: Gated DeltaNet, KDA and Mamba-2 weights,
their fixed state under both conventions, --state-dtype, their FLOPs,
Nemotron-H's one-sublayer blocks, and the reference figures of
tests/data/reference/wave2/expected.json.

Every number here is multiplied out in the test from the layer's published
shape, never taken from the analyzer.
"""

from __future__ import annotations

import json

import pytest
from testpaths import DATA

from archcmp.analysis.flops import count_flops
from archcmp.analysis.kvcache import kv_cache
from archcmp.analysis.params import count_params
from archcmp.plan import expand
from archcmp.registry import Registry
from archcmp.schema import ModelSpec

EXPECTED = json.loads((DATA / "reference" / "wave2" / "expected.json").read_text())
HYBRIDS = ("qwen3-next-80b-a3b", "qwen3.5-397b-a17b", "kimi-linear-48b-a3b", "nemotron-3-nano-30b-a3b")
BASE = {
    "id": "hand", "name": "Hand", "family": "test",
    "sources": [{"url": "https://example.org/hand", "what": "hand-made test spec"}],
    "vocab_size": 100, "hidden_size": 16, "num_layers": 4,
    "embeddings": {"tied_output": True},
    "positions": {"kind": "rope", "rope_theta": 10000},
    "norm": {"kind": "rmsnorm", "placement": "pre"},
    "ffn": {"gated": True, "activation": "silu", "intermediate_size": 24},
}
GATED_GQA = {"kind": "gqa", "num_heads": 4, "num_kv_heads": 2, "head_dim": 8, "output_gate": True,
             "layer_pattern": ["linear", "linear", "linear", "full"]}
GDN = {"kind": "gated_deltanet", "num_key_heads": 2, "key_head_dim": 4, "num_value_heads": 4, "value_head_dim": 2}


def spec(**fields) -> ModelSpec:
    return ModelSpec.model_validate({**BASE, **fields})


def test_gated_deltanet_weights():
    counts = count_params(spec(attention=GATED_GQA, linear_attention=GDN))
    h, key, value, heads = 16, 2 * 4, 4 * 2, 4
    conv = 2 * key + value  # q, k and v channels = 24
    per_layer = (conv * h + value * h + 2 * heads * h  # in_proj_qkv, in_proj_z, in_proj_b, in_proj_a
                 + conv * 4 + 2 * heads + 2 + h * value)  # conv1d, dt_bias + A_log, norm (value head dim), out_proj
    assert counts.components["linear_mixer"] == 3 * per_layer == 3 * 874  # 384 + 128 + 128 + 96 + 8 + 2 + 128
    # the gated softmax layer: q_proj twice as wide (4 heads x 8, twice), k, v, o
    assert counts.components["attention"] == 2 * 32 * h + 2 * 16 * h + h * 32 == 2048


def test_fixed_state_under_both_conventions():
    s = spec(attention=GATED_GQA, linear_attention=GDN)
    conv, heads, dk, dv = 24, 4, 4, 2
    for convention, columns, state_bytes in (("vllm", 4 - 1, 2), ("transformers", 4, 4)):
        result = kv_cache(s, 1000, dtype="bf16", convention=convention)
        state = 3 * (columns * conv * 2 + heads * dk * dv * state_bytes)  # conv in bf16; state bf16 or fp32
        assert result.state_bytes == state
        assert result.kv_bytes == state + 1000 * 2 * 2 * 8 * 2  # one full layer: K and V, 2 heads x 8, bf16
        assert result.kv_bytes_per_token_all_layers == 2 * 2 * 8 * 2  # the state adds nothing per token


def test_state_dtype_from_the_spec_and_the_override():
    s = spec(attention=GATED_GQA, linear_attention={**GDN, "state_dtype": "fp32"})
    assert kv_cache(s, 10).state_bytes == 3 * (3 * 24 * 2 + 4 * 4 * 2 * 4)
    assert kv_cache(s, 10, state_dtype="fp16").state_bytes == 3 * (3 * 24 * 2 + 4 * 4 * 2 * 2)
    parts = kv_cache(s, 10, convention="transformers", dtype="fp8").layers[0].state
    assert [(p.name, p.shape, p.dtype) for p in parts] == [("conv_state", (24, 4), "fp8"),
                                                           ("recurrent_state", (4, 4, 2), "fp32")]


def test_gated_deltanet_flops():
    s = spec(attention=GATED_GQA, linear_attention=GDN)
    tokens, heads, dk, dv = 100, 4, 4, 2
    padded = 128  # two chunks of 64
    chunked = 2 * heads * padded * (2 * 64 * dk + 64 * dv + 3 * dk * dv)
    conv = 2 * tokens * 24 * 4
    assert count_flops(s, tokens).prefill.linear_mixing == 3 * (chunked + conv)
    decode = count_flops(s, tokens).decode
    assert decode.linear_mixing == 3 * (2 * 3 * heads * dk * dv + 2 * 24 * 4)
    assert decode.attention == 2 * 4 * 2 * 8 * (tokens + 1)  # only the full layer attends, over 101 keys


def test_kda_weights_and_state():
    kda = {"kind": "kimi_delta_attention", "num_heads": 2, "head_dim": 4, "state_dtype": "fp32"}
    mla = {"kind": "mla", "num_heads": 2, "kv_lora_rank": 8, "qk_nope_head_dim": 4, "qk_rope_head_dim": 2,
           "v_head_dim": 4, "layer_pattern": ["linear", "linear", "linear", "full"]}
    s = spec(attention=mla, positions={"kind": "none"}, linear_attention=kda)
    h, w, d = 16, 8, 4
    per_layer = (3 * w * h + 3 * w * 4  # q, k, v; their conv
                 + d * h + w * d + w + 2  # forget gate: f_a, f_b, dt_bias, A_log
                 + 2 * h  # b_proj
                 + d * h + w * d + d + h * w)  # g_a, g_b, o_norm, o_proj
    assert count_params(s).components["linear_mixer"] == 3 * per_layer
    vllm = kv_cache(s, 7)
    assert vllm.state_bytes == 3 * (3 * 3 * w * 2 + 2 * d * d * 4)
    assert vllm.kv_bytes == vllm.state_bytes + 7 * (8 + 2) * 2  # the MLA latent


def test_nemotron_blocks_hold_one_sublayer_each():
    mamba = {"kind": "mamba2", "num_heads": 4, "head_dim": 2, "state_size": 3, "num_groups": 2, "conv_kernel": 4,
             "chunk_size": 4, "state_dtype": "fp32"}
    s = spec(attention={"kind": "gqa", "num_heads": 4, "num_kv_heads": 2, "head_dim": 4},
             positions={"kind": "none"}, linear_attention=mamba,
             block_pattern=["linear", "moe", "attention", "mlp"],
             ffn={"gated": False, "activation": "relu2", "intermediate_size": 10},
             moe={"num_experts": 4, "experts_per_token": 2, "expert_intermediate_size": 6, "num_shared_experts": 1,
                  "shared_expert_intermediate_size": 12, "router_scoring": "sigmoid", "normalize_top_k": True})
    plan = expand(s)
    assert [(b.mixer and b.mixer.kind, b.ffn and b.ffn.kind) for b in plan] == [
        ("mamba2", None), (None, "moe"), ("gqa", None), (None, "dense")]
    h, inner, conv = 16, 8, 8 + 2 * 2 * 3
    counts = count_params(s)
    assert counts.components["norms"] == 4 * h + h  # one pre-norm per block, and the final norm
    assert counts.components["linear_mixer"] == (
        (inner + conv + 4) * h + conv * 4 + conv + 3 * 4 + inner + h * inner)  # in_proj, conv + bias, dt/A/D, norm, out
    assert counts.components["dense_mlp"] == 2 * 10 * h  # relu², not gated: up and down
    assert counts.components["routed_experts"] == 4 * 2 * 6 * h
    result = kv_cache(s, 9, convention="transformers")
    assert result.state_bytes == conv * 4 * 2 + 4 * 2 * 3 * 4
    assert [layer.index for layer in result.layers] == [0, 2]  # only the mixing blocks cache anything
    chunks = 3  # 9 tokens in chunks of 4
    ssd = chunks * 16 * (3 + 2) + 2 * chunks * 4 * 2 * 3 + (chunks + 1) ** 2 * 2 * 3
    assert count_flops(s, 9).prefill.linear_mixing == 2 * 4 * ssd + 2 * 9 * conv * 4


@pytest.mark.parametrize("model", HYBRIDS)
def test_reference_counts(model):
    want, got = EXPECTED[model], count_params(Registry(use_env=False).resolve(model))
    assert (got.total_params, got.active_params, got.active_params_excl_embedding) == (
        want["total_params"], want["active_params"], want["active_params_excl_embedding"])
    oracle = want["components_oracle_names"]
    assert got.components["linear_mixer"] == oracle["linear_mixer"]
    assert got.components["attention"] == oracle["softmax_attention"]
    assert got.components["norms"] == oracle["layer_norms"] + oracle["final_norm"]
    # archcmp counts Qwen's shared-expert gate with the shared expert; the oracle with the router
    assert got.components["router"] + got.components["shared_experts"] == oracle["router"] + oracle["shared_experts"]


@pytest.mark.parametrize("convention", ["vllm", "transformers"])
@pytest.mark.parametrize("model", HYBRIDS)
def test_reference_cache_bytes(model, convention):
    want = EXPECTED[model]["cache_batch1_bf16"][convention]
    spec_ = Registry(use_env=False).resolve(model)
    for context in (4096, 32768, 131072):
        result = kv_cache(spec_, context, convention=convention)
        assert result.kv_bytes == want[str(context)]
        assert result.state_bytes == want["constant_state_bytes"]
        assert result.kv_bytes_per_token_all_layers == want["kv_bytes_per_token"]


@pytest.mark.parametrize("model", HYBRIDS)
def test_reference_per_layer_state(model):
    kinds = EXPECTED[model]["cache_per_layer_kind"]
    spec_ = Registry(use_env=False).resolve(model)
    for convention, names in (("vllm", ("conv_state", "temporal_state")),
                              ("transformers", ("conv_state", "recurrent_state"))):
        want = kinds[convention]["linear_attention"]
        layer = next(la for la in kv_cache(spec_, 4096, convention=convention).layers if la.state)
        dtypes = {"bfloat16": "bf16", "float32": "fp32"}
        expected = [(tuple(want[n]["shape"][1:] if convention == "transformers" else want[n]["shape"]),
                     dtypes[want[n]["dtype"]], want[n]["bytes"]) for n in names]
        assert [(p.shape, p.dtype, p.bytes) for p in layer.state] == expected


def test_qwen35_mtp_is_counted_apart():
    estimate = EXPECTED["qwen3.5-397b-a17b"]["not_built_by_transformers"][0]["estimate_params"]
    assert count_params(Registry(use_env=False).resolve("qwen3.5-397b-a17b")).optional_modules == {"mtp": estimate}
