"""Invariants of the KV-cache analyzer, over random specs (hypothesis)."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st
from test_kvcache_analysis import make_spec

from archcmp.analysis.kvcache import DTYPE_BITS, kv_cache
from archcmp.units import MAX_CONTEXT

PATTERNS = (["full"], ["sliding", "full"], ["sliding"] * 5 + ["full"], ["chunked"] * 3 + ["full"],
            ["sliding"])
contexts = st.integers(1, 1 << 20)
dtypes = st.sampled_from(sorted(DTYPE_BITS))


@st.composite
def specs(draw):
    pattern = draw(st.sampled_from(PATTERNS))
    num_layers = draw(st.integers(len(pattern), 12))
    heads = draw(st.integers(1, 8))
    attention = {"layer_pattern": pattern}
    if "sliding" in pattern:
        attention["sliding_window"] = draw(st.integers(1, 4096))
    if "chunked" in pattern:
        attention["chunk_size"] = draw(st.integers(1, 8192))
    if draw(st.booleans()):
        attention.update(kind="mla", num_heads=heads, kv_lora_rank=draw(st.integers(1, 64)),
                         qk_nope_head_dim=draw(st.integers(1, 16)), qk_rope_head_dim=draw(st.integers(1, 16)),
                         v_head_dim=draw(st.integers(1, 16)))
    else:
        group = draw(st.sampled_from([d for d in range(1, heads + 1) if heads % d == 0]))
        kv = heads // group
        kind = "mha" if kv == heads else "mqa" if kv == 1 else "gqa"
        attention.update(kind=kind, num_heads=heads, num_kv_heads=kv,
                         head_dim=draw(st.integers(1, 64)))
    # Sharing must leave a whole cycle of owners, so every shared layer finds one of its kind.
    shared = draw(st.integers(0, num_layers - len(pattern)))
    return make_spec(attention, num_layers=num_layers,
                     kv_sharing={"num_shared_layers": shared} if shared else None)


@given(specs(), contexts, contexts, dtypes)
def test_bytes_never_decrease_as_context_grows(spec, a, b, dtype):
    short, long = sorted((a, b))
    assert kv_cache(spec, short, dtype=dtype).kv_bytes <= kv_cache(spec, long, dtype=dtype).kv_bytes


@given(specs(), contexts, dtypes)
def test_a_windowed_layer_stops_growing_at_its_window(spec, context, dtype):
    at = {layer.index: layer for layer in kv_cache(spec, context, dtype=dtype).layers}
    for layer in at.values():
        if layer.window is None or layer.bytes == 0:
            continue
        at_window = kv_cache(spec, layer.window, dtype=dtype).layers[layer.index]
        if context >= layer.window:
            assert layer.bytes == at_window.bytes and layer.cached_tokens == layer.window
        else:
            assert layer.bytes < at_window.bytes and layer.cached_tokens == context


@given(st.integers(1, 16), st.integers(1, 128), st.integers(1, 8), contexts, dtypes)
def test_mha_is_its_own_mha_equivalent(heads, head_dim, num_layers, context, dtype):
    attention = {"kind": "mha", "num_heads": heads, "num_kv_heads": heads, "head_dim": head_dim}
    mha = kv_cache(make_spec(attention, num_layers=num_layers), context, dtype=dtype)
    assert mha.kv_bytes == mha.mha_equivalent_bytes
    assert mha.kv_bytes == num_layers * -(-context * 2 * heads * head_dim * DTYPE_BITS[dtype] // 8)


@given(specs(), contexts, st.integers(1, 512), dtypes)
def test_bytes_scale_linearly_with_batch(spec, context, batch, dtype):
    one, many = kv_cache(spec, context, dtype=dtype), kv_cache(spec, context, batch=batch, dtype=dtype)
    assert many.kv_bytes == batch * one.kv_bytes
    assert [layer.bytes for layer in many.layers] == [batch * layer.bytes for layer in one.layers]
    assert many.mha_equivalent_bytes == batch * one.mha_equivalent_bytes


@settings(max_examples=50)
@given(specs(), contexts, st.integers(1, 64), st.integers(1, 1 << 40), dtypes)
def test_budget_answers_are_the_largest_that_fit(spec, context, batch, budget, dtype):
    fit = kv_cache(spec, context, batch=batch, dtype=dtype, budget_bytes=budget).budget
    bytes_at = lambda ctx, b=batch: kv_cache(spec, ctx, batch=b, dtype=dtype).kv_bytes
    if fit.max_context:
        assert bytes_at(fit.max_context) <= budget
    if fit.max_context < MAX_CONTEXT:
        assert bytes_at(fit.max_context + 1) > budget
    per_sequence = bytes_at(context, 1)
    assert fit.max_batch * per_sequence <= budget < (fit.max_batch + 1) * per_sequence
