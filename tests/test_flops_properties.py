"""Invariants of the FLOP count, over every bundled spec and any context."""

from __future__ import annotations

from functools import cache

from hypothesis import given, settings
from hypothesis import strategies as st
from test_flops_handworked import tiny
from testpaths import bundled_ids

from archcmp.analysis.flops import count_flops
from archcmp.kinds.span import span_for
from archcmp.registry import Registry

MODELS = st.sampled_from(bundled_ids())
CONTEXTS = st.integers(min_value=1, max_value=2**21)
KINDS = st.sampled_from(["full", "sliding", "chunked"])


@cache
def spec(name: str):
    return Registry(use_env=False).resolve(name)


@given(KINDS, st.integers(1, 64), st.integers(1, 300))
def test_closed_form_equals_the_sum_over_positions(kind, window, tokens):
    span = span_for(kind, window)
    assert span.keys_seen_total(tokens) == sum(span.keys_seen(i) for i in range(1, tokens + 1))


@given(st.integers(1, 4096), st.integers(0, 10**6))
def test_sliding_keys_grow_by_the_window_once_past_it(window, beyond):
    tokens = window + beyond
    span = span_for("sliding", window)
    assert span.keys_seen_total(tokens + 1) - span.keys_seen_total(tokens) == window


@given(st.integers(32, 10**6))
def test_an_all_sliding_model_grows_linearly_past_its_window(tokens):
    model = tiny("[sliding]")
    a, b, c = (count_flops(model, n).prefill.attention for n in (tokens, tokens + 1, tokens + 2))
    assert b - a == c - b == 2 * 4 * 16 * 4 * 32  # pair FLOPs x 4 layers x 32 keys


@settings(max_examples=60)
@given(MODELS, CONTEXTS, CONTEXTS)
def test_prefill_attention_grows_with_context(model, a, b):
    low, high = sorted((a, b))
    for mode in ("causal", "full"):
        smaller, larger = (count_flops(spec(model), n, mode).prefill.attention for n in (low, high))
        assert smaller < larger if low < high else smaller == larger


@settings(max_examples=60)
@given(MODELS, CONTEXTS)
def test_causal_never_exceeds_full(model, context):
    causal, full = count_flops(spec(model), context), count_flops(spec(model), context, "full")
    assert causal.prefill.attention <= full.prefill.attention
    assert causal.decode.attention <= full.decode.attention
    assert (causal.prefill.linear, causal.decode.linear) == (full.prefill.linear, full.decode.linear)


@settings(max_examples=60)
@given(MODELS, CONTEXTS)
def test_a_decode_step_is_what_one_more_prefill_token_adds(model, context):
    step = count_flops(spec(model), context, mla_decode="expanded").decode.attention
    before, after = (count_flops(spec(model), n).prefill.attention for n in (context, context + 1))
    assert step == after - before


@settings(max_examples=60)
@given(MODELS, CONTEXTS, st.integers(1, 10**13))
def test_linear_work_per_token_does_not_depend_on_context(model, context, tokens):
    result = count_flops(spec(model), context, train_tokens=tokens)
    head = result.decode.components["lm_head"]
    assert result.prefill.linear == context * (result.decode.linear - head) + head
    assert result.training.linear == 3 * tokens * result.decode.linear  # head on every position
