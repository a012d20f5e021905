"""Roofline bounds by hand, and the invariants a bound keeps."""

from __future__ import annotations

from decimal import Decimal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from archcmp.analysis.deployment import Deployment
from archcmp.analysis.flops import count_flops
from archcmp.analysis.sharding import Layout
from archcmp.analysis.speed import device_peak, speed, touched_experts
from archcmp.analysis.weight_formats import weight_format
from archcmp.hardware.catalog import Catalog
from archcmp.registry import Registry

REGISTRY, CATALOG = Registry(use_env=False), Catalog(use_env=False)


def bounds(model, device="h100-sxm", tp=1, pp=1, ep=1, weights="bf16", context=4096, batch=1, prompt=1024,
           moe="uniform"):
    spec, dev = REGISTRY.resolve(model), CATALOG.resolve(device)
    fmt = weight_format(weights)
    d = Deployment(spec, Layout(tp, pp, ep, 1), fmt, "linear", "bf16")
    return d, speed(d, dev, device_peak(dev, fmt.compute_dtype), prompt, context, batch, moe_experts=moe)


def test_touched_experts():
    assert touched_experts(8, 8, 2, 1, "uniform") == 2  # one token: its own two experts
    assert touched_experts(8, 8, 2, 2, "uniform") == pytest.approx(8 * (1 - 0.75**2))  # 3.5
    assert touched_experts(256, 256, 8, 10_000, "uniform") == pytest.approx(256)
    assert touched_experts(32, 256, 8, 1, "uniform") == pytest.approx(1)  # a GPU holding 1/8 of them: 1 expected
    assert touched_experts(8, 8, 2, 1, "all") == 8


def test_dense_decode_by_hand():
    d, r = bounds("llama3.1-8b", context=4096)
    weights = 2 * 8_030_261_248 - 2 * 128_256 * 4096  # every weight but the embedding table
    kv = 4096 * 32 * 2 * 8 * 128 * 2
    assert r.decode.bytes_per_gpu == weights + kv
    assert r.decode.memory_seconds == pytest.approx((weights + kv) / 3.35e12)
    assert r.decode.flops == count_flops(d.spec, 4096).decode.total
    assert r.decode.compute_seconds == pytest.approx(r.decode.flops / 989.4e12)
    assert r.decode.bound_by == "memory" and r.decode_tokens_per_s_bound == pytest.approx(1 / r.decode.memory_seconds)
    assert r.prefill.flops == count_flops(d.spec, 1024).prefill.total and r.prefill.bound_by == "compute"


def test_moe_decode_reads_the_routed_experts_only():
    _, one = bounds("mixtral-8x7b", context=1)
    _, every = bounds("mixtral-8x7b", context=1, moe="all")
    expert = 3 * 14336 * 4096 * 2  # one expert's gate, up and down in bf16
    assert every.decode.bytes_per_gpu - one.decode.bytes_per_gpu == 32 * 6 * expert
    _, two = bounds("mixtral-8x7b", context=1, batch=2)
    kv_one = 32 * 2 * 8 * 128 * 2
    assert two.decode.bytes_per_gpu - one.decode.bytes_per_gpu == 32 * round(1.5 * expert) + kv_one


def test_pipeline_stages_add_up_for_one_token():
    _, flat = bounds("llama3.1-8b", context=1024)
    _, staged = bounds("llama3.1-8b", context=1024, pp=2)
    # the same bytes, read in turn: the latency bound barely moves (the head sits on one stage only)
    assert staged.decode.memory_seconds == pytest.approx(flat.decode.memory_seconds, rel=0.01)
    assert staged.decode_aggregate_seconds < flat.decode.seconds * 0.6


def test_efficiency_factors_scale_the_bounds():
    spec, dev = REGISTRY.resolve("llama3.1-8b"), CATALOG.resolve("h100-sxm")
    d = Deployment(spec, Layout(1, 1, 1, 1), weight_format("bf16"), "linear", "bf16")
    peak = device_peak(dev, "bf16")
    base = speed(d, dev, peak, 1024, 4096, 1)
    half = speed(d, dev, peak, 1024, 4096, 1, bw_eff=Decimal("0.5"), flops_eff=Decimal("0.5"))
    assert half.decode.seconds == pytest.approx(2 * base.decode.seconds)
    assert half.prefill.seconds == pytest.approx(2 * base.prefill.seconds)


@settings(max_examples=30, deadline=None)
@given(st.sampled_from(["llama3.1-8b", "qwen3-30b-a3b", "gemma3-4b", "deepseek-v3"]),
       st.integers(1, 100_000), st.integers(1, 100_000), st.integers(1, 256), st.integers(1, 256))
def test_more_context_is_never_faster_and_more_batch_never_less_throughput(model, c1, c2, b1, b2):
    low, high = sorted((c1, c2))
    small, big = sorted((b1, b2))
    tp = 8 if model == "deepseek-v3" else 1
    assert bounds(model, tp=tp, context=high)[1].decode_tokens_per_s_bound <= \
        bounds(model, tp=tp, context=low)[1].decode_tokens_per_s_bound * (1 + 1e-12)
    assert bounds(model, tp=tp, batch=big)[1].decode_aggregate_tokens_per_s_bound >= \
        bounds(model, tp=tp, batch=small)[1].decode_aggregate_tokens_per_s_bound * (1 - 1e-12)
