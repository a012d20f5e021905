"""Memory plans by hand: sharding rules, the exact unit checks of the issue,
searches that really are the largest, and what fit refuses."""

from __future__ import annotations

from decimal import Decimal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from archcmp.analysis.deployment import Deployment, ModelTensors
from archcmp.analysis.fit import Budget, _fits, budget, fit, max_batch, max_context
from archcmp.analysis.sharding import Layout, layout_problem, resolve_layout, stage_layers
from archcmp.analysis.weight_formats import weight_format
from archcmp.errors import ArchcmpError
from archcmp.hardware.catalog import Catalog
from archcmp.registry import Registry
from archcmp.units import MAX_CONTEXT

REGISTRY, CATALOG = Registry(use_env=False), Catalog(use_env=False)
BF16 = weight_format("bf16")


def deployment(model: str, tp: int = 1, pp: int = 1, ep: int = 1, weights: str = "bf16", scope: str = "linear",
               kv: str = "bf16") -> Deployment:
    return Deployment(REGISTRY.resolve(model), Layout(tp, pp, ep, 1), weight_format(weights), scope, kv)


def run_fit(model: str, device: str, gpus: int, tp=None, pp=None, ep=None, weights="bf16", context=4096, batch=1):
    spec, dev = REGISTRY.resolve(model), CATALOG.resolve(device)
    layout = resolve_layout(spec, gpus, tp, pp, ep)
    return fit(spec, dev, gpus, layout, weight_format(weights), "linear", "bf16", context, batch, budget(dev))


# ---- the exact unit checks ----

def test_llama_3_1_8b_bf16_weights_are_twice_its_parameters():
    assert deployment("llama3.1-8b").weights[0].bytes == 2 * 8_030_261_248


def test_qwen3_235b_kv_per_token_per_gpu_at_tp4():
    assert deployment("qwen3-235b-a22b", tp=4).cache_bytes_per_token(0) == 48_128  # 94 × 2 × 1 head × 128 × 2 B
    assert run_fit("qwen3-235b-a22b", "h100-sxm", 4, tp=4).kv_bytes_per_token_per_gpu == 48_128


@pytest.mark.parametrize("tp", [1, 2, 4, 8, 16])
def test_deepseek_v3_latent_cache_does_not_shrink_under_tp(tp):
    assert deployment("deepseek-v3", tp=tp).cache_bytes_per_token(0) == 61 * (512 + 64) * 2 == 70_272


# ---- sharding rules by hand ----

def test_llama_3_1_8b_at_tp2_by_hand():
    vocab_half = 64_128 * 4096  # embedding and head rows ÷ 2
    per_layer = (2048 + 512 + 512) * 4096 + 4096 * 2048 + 3 * 7168 * 4096 + 2 * 4096  # q,k,v,o ÷2; MLP ÷2; norms
    expected = 2 * (2 * vocab_half + 32 * per_layer + 4096)
    assert deployment("llama3.1-8b", tp=2).weights[0].bytes == expected == 8_030_527_488


def test_kv_heads_replicate_beyond_tp():
    d8 = deployment("qwen3-235b-a22b", tp=8)
    assert d8.replicated_kv_heads == 4 and d8.cache_bytes_per_token(0) == 48_128  # still one head per GPU
    assert deployment("qwen3-235b-a22b", tp=1).cache_bytes_per_token(0) == 94 * 2 * 4 * 128 * 2
    result = run_fit("qwen3-235b-a22b", "h200-sxm", 8, weights="fp8")
    assert any("each head replicated on 2 GPUs" in note for note in result.notes)


def test_experts_whole_under_ep():
    d = deployment("deepseek-v3", tp=8, ep=8, weights="fp8")
    per_expert = 3 * (7168 * 2048 + 4)  # gate, up, down in fp8 with one fp32 scale each
    assert d.weights[0].by_component["routed_experts"] == 58 * 32 * per_expert
    split = deployment("deepseek-v3", tp=8, ep=1, weights="fp8")  # every expert split 8 ways instead
    assert split.weights[0].by_component["routed_experts"] == 58 * 256 * 3 * (7168 * 256 + 4)


def test_mla_down_projections_and_norms_are_replicated():
    d1, d8 = deployment("deepseek-v3"), deployment("deepseek-v3", tp=8)
    replicated = (1536 * 7168 + 1536 + 576 * 7168 + 512) * 2  # q_a, its norm, kv_a, its norm
    sharded = 1 - 1 / 8
    attention1, attention8 = d1.weights[0].by_component["attention"], d8.weights[0].by_component["attention"]
    assert attention1 - attention8 == pytest.approx((attention1 - 61 * replicated) * sharded, abs=1)


def test_pipeline_stages_follow_get_pp_indices():
    assert stage_layers(32, 3) == [range(11), range(11, 22), range(22, 32)]
    assert [len(s) for s in stage_layers(61, 4)] == [15, 15, 16, 15]
    d = deployment("gemma3-1b", pp=2)  # tied: the last stage holds the table as its head
    table = 262_144 * 1152 * 2
    assert d.weights[0].by_component["embedding"] == d.weights[1].by_component["embedding"] == table
    assert d.weights[0].gathered == table and d.weights[1].gathered == 0


def test_heaviest_stage_bounds_the_plan():
    result = run_fit("llama3.1-8b", "rtx-4090", 3, tp=1, pp=3)
    assert result.total_bytes_per_gpu == max(s.total_bytes for s in result.stages)
    assert [s.num_layers for s in result.stages] == [11, 11, 10]


# ---- searches ----

def test_fit_figures_add_up():
    r = run_fit("deepseek-v3", "h200-sxm", 8, weights="fp8", context=131_072)
    assert r.total_bytes_per_gpu == r.weights_bytes_per_gpu + r.kv_bytes_per_gpu + r.state_bytes_per_gpu
    assert r.usable_bytes_per_gpu == 126_900_000_000 and r.fits and r.max_batch == 4
    assert r.kv_bytes_per_gpu == 131_072 * 70_272
    assert r.min_gpus == 6 and (r.min_gpus_layout.tp, r.min_gpus_layout.pp) == (2, 3)


def test_fewest_gpus_is_the_fewest():
    r = run_fit("llama3.1-8b", "rtx-4090", 1, context=131_072)
    assert not r.fits and r.min_gpus == 2
    assert run_fit("llama3.1-8b", "rtx-4090", 2, context=131_072).fits


MODELS = ["llama3.1-8b", "gemma3-27b", "qwen3-30b-a3b", "deepseek-v3", "gemma3n-e2b", "llama4-scout", "gpt2"]
DEVICES = ["h100-sxm", "rtx-4090", "b200", "mi300x", "apple-m3-max-40c", "l4"]


@settings(max_examples=40, deadline=None)
@given(st.sampled_from(MODELS), st.sampled_from(DEVICES), st.sampled_from([1, 2, 4, 8]),
       st.sampled_from(["bf16", "fp8", "q4_k", "int4-g128"]), st.sampled_from(["bf16", "fp8", "int4"]),
       st.integers(1, 64), st.integers(1, 200_000))
def test_searches_find_the_largest(model, device, tp, weights, kv, batch, context):
    spec = REGISTRY.resolve(model)
    layout = Layout(tp, 1, 1, 1)
    if layout_problem(spec, layout):
        return
    d = Deployment(spec, layout, weight_format(weights), "linear", kv, ModelTensors(spec))
    room = budget(CATALOG.resolve(device))
    best = max_context(d, batch, room)
    if 0 < best:
        assert _fits(d, best, batch, room)
    if best < MAX_CONTEXT:
        assert not _fits(d, best + 1, batch, room)
    most = max_batch(d, context, room)
    if most:
        assert _fits(d, context, most, room)
    assert not _fits(d, context, most + 1, room)


def test_sliding_only_growth_caps_the_search():
    # Gemma 3 27B's 52 sliding layers stop growing at 1024 tokens; the 10 global ones do not
    r = run_fit("gemma3-27b", "b200", 1)
    assert 0 < r.max_context < MAX_CONTEXT and r.kv_bytes_per_token_per_gpu == 10 * 2 * 16 * 128 * 2


# ---- what fit refuses ----

@pytest.mark.parametrize(("model", "gpus", "tp", "pp", "ep", "message"), [
    ("llama3.1-8b", 3, None, None, None, "--tp 3 does not divide the 32 attention heads of llama3.1-8b"),
    ("olmo2-32b", 5, None, None, None,
     "--tp 5 and the 8 KV heads of olmo2-32b: TP must divide the KV heads or be a multiple of them"),
    ("llama3.1-8b", 6, 4, None, None, "--tp 4 × --pp 1 = 4 GPUs does not divide the 6 GPUs given"),
    ("llama3.1-8b", 2, None, None, 2, "--ep 2: llama3.1-8b has no routed experts"),
    ("deepseek-v3", 8, 8, None, 3, "--ep 3 does not divide the 8 GPUs of a pipeline stage"),
    ("qwen3-30b-a3b", 2, None, 64, None, "--tp 1 × --pp 64 = 64 GPUs does not divide the 2 GPUs given"),
    ("gpt2", 64, 1, 64, None, "--pp 64 exceeds the 12 layers of gpt2"),
    ("llama3.1-8b", 1, 0, None, None, "bad --tp 0: must be at least 1"),
])
def test_impossible_layouts(model, gpus, tp, pp, ep, message):
    with pytest.raises(ArchcmpError) as error:
        resolve_layout(REGISTRY.resolve(model), gpus, tp, pp, ep)
    assert str(error.value).startswith(message)


def test_budget_errors():
    h100 = CATALOG.resolve("h100-pcie")
    with pytest.raises(ArchcmpError, match="h100-pcie has no driver-reported memory figure"):
        budget(h100, "reported")
    with pytest.raises(ArchcmpError, match=r"bad --mem-util 1.5: must be above 0 and at most 1"):
        budget(h100, "nominal", Decimal("1.5"))
    reported = budget(CATALOG.resolve("h100-sxm"), "reported", Decimal(1))
    assert reported == Budget(85_520_809_984, "reported", Decimal(1), 0)


def test_fixed_states_count_once_per_sequence():
    """A recurrent layer's state (a linear-attention kind) holds the same bytes
    at any context, once per sequence, in its own dtype when it names one."""
    from archcmp.analysis.deployment import LayerCache, PartCache

    state = PartCache(elements=32 * 128 * 128, grows=False, cap=None, stride=1, dtype="fp32")
    conv = PartCache(elements=3 * 8192, grows=False, cap=None, stride=1, dtype=None)
    kv = PartCache(elements=2 * 2 * 256, grows=True, cap=None, stride=1, dtype=None)
    layer = LayerCache(0, (state, conv, kv), None)
    for context in (1, 4096, 1_000_000):
        assert layer.bytes(context, 16, grows=False) == 32 * 128 * 128 * 4 + 3 * 8192 * 2
    assert layer.bytes(4096, 16) == 4096 * 1024 * 2
    capped = PartCache(elements=10, grows=True, cap=100, stride=4, dtype=None)  # one entry per 4 tokens, at most 100
    assert capped.bytes(4096, 8) == 100 * 10 and capped.bytes(40, 8) == 10 * 10
