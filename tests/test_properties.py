"""Invariants of parameter counts and of spec loading, over generated input."""

from __future__ import annotations

import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from timelimit import time_limit

from archcmp.analysis.params import count_params
from archcmp.errors import SpecError
from archcmp.load import parse_spec
from specs import tiny_data

BASE = tiny_data()


def spec_from(**changes):
    """Through the file loader, so that problems come located."""
    return parse_spec(yaml.safe_dump({**BASE, **changes}), "generated.yaml")


sizes = st.integers(min_value=1, max_value=64)


@given(hidden=sizes, vocab=sizes, heads=st.integers(1, 8), group=st.integers(1, 4), head_dim=sizes,
       layers=st.integers(1, 12), inner=sizes, tied=st.booleans())
def test_a_llama_block_has_the_textbook_count(hidden, vocab, heads, group, head_dim, layers, inner, tied):
    attention = {"kind": "mha" if group == 1 else "gqa", "num_heads": heads * group, "num_kv_heads": heads,
                 "head_dim": head_dim}
    if heads == 1 and group > 1:
        attention["kind"] = "mqa"
    counts = count_params(spec_from(
        hidden_size=hidden, vocab_size=vocab, num_layers=layers, attention=attention,
        ffn={"gated": True, "activation": "silu", "intermediate_size": inner},
        embeddings={"tied_output": tied}, positions={"kind": "rope", "rope_theta": 10000.0}))
    q, kv = heads * group * head_dim, heads * head_dim
    # q and o, k and v, gate/up/down, two RMSNorms per block; the final norm; one or two vocab tables
    block = 2 * hidden * q + 2 * hidden * kv + 3 * hidden * inner + 2 * hidden
    tables = vocab * hidden * (1 if tied else 2)
    assert counts.total_params == counts.active_params == layers * block + hidden + tables
    assert counts.active_params_excl_embedding == counts.total_params - vocab * hidden


@settings(deadline=None)  # a loaded CI machine takes 300 ms for what takes 15: no timing in tests
@given(experts=st.integers(1, 64), per_token=st.integers(1, 8), more=st.integers(1, 64))
def test_more_experts_add_to_total_not_to_active(experts, per_token, more):
    per_token = min(per_token, experts)
    moe = {"num_experts": experts, "experts_per_token": per_token, "expert_intermediate_size": 8}
    few = count_params(spec_from(moe=moe))
    many = count_params(spec_from(moe={**moe, "num_experts": experts + more}))
    expert = 3 * BASE["hidden_size"] * 8
    layers = BASE["num_layers"]
    assert many.total_params - few.total_params == layers * more * (expert + BASE["hidden_size"])  # + router rows
    assert many.active_params - few.active_params == layers * more * BASE["hidden_size"]  # router only


@settings(max_examples=300, suppress_health_check=[HealthCheck.too_slow])
@given(st.text(max_size=300))
def test_any_text_loads_or_fails_cleanly(text):
    try:
        with time_limit(5):  # a hang fails here rather than stalling the suite
            parse_spec(text, "fuzz.yaml")
    except SpecError as exc:
        assert exc.problems and all(p.file == "fuzz.yaml" and p.message for p in exc.problems)


yaml_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=8),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=8), inner, max_size=3),
    max_leaves=10,
)


@settings(max_examples=300, suppress_health_check=[HealthCheck.too_slow])
@given(st.sampled_from(sorted(BASE)), yaml_values)
def test_any_value_in_any_field_fails_cleanly(field, value):
    try:
        with time_limit(5):  # a huge num_layers once ran here for 75 minutes
            spec_from(**{field: value})
    except SpecError as exc:
        assert all(p.file == "generated.yaml" for p in exc.problems)


labels_ = st.lists(st.sampled_from(["full", "sliding", "chunked", "moe"]), max_size=5)


@given(first=labels_, repeat=labels_.filter(bool), layers=st.integers(0, 40))
def test_a_pattern_labels_each_layer_as_label_says(first, repeat, layers):
    """``labels`` builds by slicing; ``label`` reads one index: the same answer."""
    from archcmp.schema import LayerPattern

    pattern = LayerPattern(first=first, repeat=repeat)
    assert pattern.labels(layers) == [pattern.label(i) for i in range(layers)]
