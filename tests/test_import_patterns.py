"""Per-layer label lists to the spec's ``first`` + ``repeat`` form."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from archcmp.hf.patterns import compress
from archcmp.schema import LayerPattern

labels = st.lists(st.sampled_from(["sliding", "full"]), min_size=1, max_size=40)


def as_pattern(compressed) -> LayerPattern:
    return LayerPattern.model_validate(compressed)


@given(labels)
def test_compress_reproduces_every_layer(layers):
    pattern = as_pattern(compress(layers))
    assert [pattern.label(i) for i in range(len(layers))] == layers


@given(labels)
def test_compress_writes_the_fewest_labels(layers):
    pattern = as_pattern(compress(layers))
    written = len(pattern.first) + len(pattern.repeat)
    n = len(layers)
    fits = [p + k for p in range(n) for k in range(1, n - p + 1)
            if all(layers[i] == layers[p + (i - p) % k] for i in range(p, n))]
    assert written == min(fits)


def test_gemma3_27b_cycle_stops_part_way():
    layers = (["sliding"] * 5 + ["full"]) * 10 + ["sliding", "sliding"]
    assert compress(layers) == ["sliding"] * 5 + ["full"]


def test_dense_prefix_then_moe():
    assert compress(["dense"] * 3 + ["moe"] * 58) == {"first": ["dense"] * 3, "repeat": ["moe"]}


def test_no_short_cycle_falls_back_to_the_whole_list():
    layers = ["full", "full", "sliding"]  # any first + repeat needs three labels
    assert compress(layers) == layers
