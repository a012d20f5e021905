"""KV-cache figures worked out by hand, one attention kind at a time.

Each test spells out elements per token per layer, tokens held and bytes
per element, and multiplies them here, not in the analyzer.
"""

from __future__ import annotations

import pytest

from archcmp.analysis.kvcache import kv_cache
from archcmp.errors import ArchcmpError
from archcmp.registry import Registry
from archcmp.schema import ModelSpec
from archcmp.units import MAX_CONTEXT
from specs import build

BASE = {
    "id": "hand", "name": "Hand", "family": "test",
    "sources": [{"url": "https://example.org/hand", "what": "hand-made test spec"}],
    "vocab_size": 100, "hidden_size": 16, "num_layers": 2,
    "embeddings": {"tied_output": True},
    "positions": {"kind": "rope", "rope_theta": 10000},
    "norm": {"kind": "rmsnorm", "placement": "pre"},
    "ffn": {"gated": True, "activation": "silu", "intermediate_size": 24},
}
GQA = {"kind": "gqa", "num_heads": 4, "num_kv_heads": 2, "head_dim": 8}
MLA = {"kind": "mla", "num_heads": 4, "kv_lora_rank": 16, "qk_nope_head_dim": 8, "qk_rope_head_dim": 4,
       "v_head_dim": 6}


def make_spec(attention: dict, **top) -> ModelSpec:
    return build(BASE, attention=attention, **top)


def test_mha_caches_k_and_v_of_every_head():
    result = kv_cache(make_spec({**GQA, "kind": "mha", "num_kv_heads": 4}), context=10)
    per_token_layer = 2 * 4 * 8 * 2  # K and V, 4 heads, head_dim 8, bf16
    assert result.kv_bytes == 2 * 10 * per_token_layer == 2560
    assert result.kv_bytes_per_token_full_layers == 2 * per_token_layer
    assert result.mha_equivalent_bytes == result.kv_bytes
    assert result.mha_equivalent_ratio == 1


def test_gqa_caches_only_kv_heads():
    result = kv_cache(make_spec(GQA), context=10)
    assert result.kv_bytes == 2 * 10 * (2 * 2 * 8 * 2) == 1280
    assert result.mha_equivalent_bytes == 2 * 10 * (2 * 4 * 8 * 2) == 2560
    assert result.mha_equivalent_ratio == 2


def test_mqa_caches_one_head():
    result = kv_cache(make_spec({**GQA, "kind": "mqa", "num_kv_heads": 1}), context=10)
    assert result.kv_bytes == 2 * 10 * (2 * 1 * 8 * 2) == 640
    assert result.mha_equivalent_ratio == 4


def test_mla_caches_the_latent_and_reports_the_naive_cache():
    result = kv_cache(make_spec(MLA), context=10)
    latent = 16 + 4  # kv_lora_rank + qk_rope_head_dim
    decompressed = 4 * (8 + 4) + 4 * 6  # per-head K (nope + rope) and V
    assert result.kv_bytes == 2 * 10 * latent * 2 == 800
    assert result.kv_bytes_per_token_full_layers == 2 * latent * 2 == 80
    assert result.mla_naive_kv_bytes == 2 * 10 * decompressed * 2 == 2880
    assert result.mha_equivalent_bytes == 2880
    assert kv_cache(make_spec(GQA), 10).mla_naive_kv_bytes is None


def test_sliding_layers_hold_at_most_the_window():
    spec = make_spec({**GQA, "layer_pattern": ["sliding", "full"], "sliding_window": 4}, num_layers=4)
    per_token_layer = 2 * 2 * 8 * 2  # 64 B
    long = kv_cache(spec, context=10)
    assert long.kv_bytes == 2 * 4 * per_token_layer + 2 * 10 * per_token_layer == 1792
    assert [layer.cached_tokens for layer in long.layers] == [4, 10, 4, 10]
    assert long.kv_bytes_per_token_full_layers == 2 * per_token_layer
    assert long.kv_bytes_per_token_all_layers == 4 * per_token_layer
    assert [(k.kind, k.num_layers, k.bytes) for k in long.by_kind] == [("sliding", 2, 512), ("full", 2, 1280)]
    assert kv_cache(spec, context=3).kv_bytes == 4 * 3 * per_token_layer == 768


def test_chunked_layers_hold_at_most_a_chunk_and_nope_changes_nothing():
    attention = {**GQA, "layer_pattern": ["chunked", "chunked", "chunked", "full"], "chunk_size": 4}
    nope = make_spec(attention, num_layers=4, positions={
        "kind": "rope", "rope_theta": 10000, "nope_pattern": ["rope", "rope", "rope", "nope"]})
    result = kv_cache(nope, context=10)
    assert result.kv_bytes == 3 * 4 * 64 + 10 * 64 == 1408
    assert [layer.kind for layer in result.layers] == ["chunked", "chunked", "chunked", "full nope"]
    assert result.kv_bytes == kv_cache(make_spec(attention, num_layers=4), context=10).kv_bytes


def test_nope_marks_layers_without_any_position_encoding():
    learned = make_spec(GQA, positions={"kind": "learned"}, embeddings={"tied_output": True, "learned_positions": 64})
    assert [layer.kind for layer in kv_cache(learned, 10).layers] == ["full", "full"]  # positions in the embedding
    unencoded = make_spec(GQA, positions={"kind": "none"})
    assert [layer.kind for layer in kv_cache(unencoded, 10).layers] == ["full nope", "full nope"]


def test_kv_shared_layers_hold_nothing():
    spec = make_spec({**GQA, "layer_pattern": ["sliding", "full"], "sliding_window": 4}, num_layers=6,
                     kv_sharing={"num_shared_layers": 2})
    result = kv_cache(spec, context=10)
    assert [layer.bytes for layer in result.layers] == [256, 640, 256, 640, 0, 0]
    assert [layer.kv_source for layer in result.layers[4:]] == [2, 3]
    assert result.kv_bytes == 1792
    assert [k.kind for k in result.by_kind] == ["sliding", "full", "sliding shared", "full shared"]
    assert result.mha_equivalent_bytes == 6 * 10 * (2 * 4 * 8 * 2)  # every layer, shared or not


@pytest.mark.parametrize("dtype, bytes_per_element", [("fp32", 4), ("bf16", 2), ("fp16", 2), ("fp8", 1),
                                                      ("int8", 1), ("int4", 0.5)])
def test_dtypes(dtype, bytes_per_element):
    assert kv_cache(make_spec(GQA), 10, dtype=dtype).kv_bytes == int(2 * 10 * 32 * bytes_per_element)


def test_int4_rounds_an_odd_buffer_up_per_layer_and_sequence():
    spec = make_spec({**MLA, "kv_lora_rank": 15})  # 15 + 4 = 19 elements per token: 9.5 bytes in int4
    assert [layer.bytes for layer in kv_cache(spec, 1, dtype="int4").layers] == [10, 10]
    assert kv_cache(spec, 2, dtype="int4").kv_bytes == 2 * 19  # 38 elements: exactly 19 bytes a layer
    assert kv_cache(spec, 1, batch=3, dtype="int4").kv_bytes == 3 * 2 * 10
    assert kv_cache(spec, 1, dtype="int4").kv_bytes_per_token_full_layers == 19  # 2 × 19 elements


def test_batch_multiplies():
    assert kv_cache(make_spec(GQA), 10, batch=8).kv_bytes == 8 * 1280


def test_budget_largest_context_and_batch():
    spec = make_spec({**GQA, "layer_pattern": ["sliding", "full"], "sliding_window": 4}, num_layers=4)
    # contexts of 4 or more cost 2 × 4 × 64 (sliding) + 2 × 64 × context (full) = 512 + 128 × context
    fit = kv_cache(spec, 3, budget_bytes=2000).budget
    assert fit.max_context == (2000 - 512) // 128 == 11
    assert fit.max_batch == 2000 // (4 * 3 * 64) == 2
    assert kv_cache(spec, 3, batch=2, budget_bytes=4000).budget.max_context == 11  # 2000 B per sequence
    assert kv_cache(spec, 3, budget_bytes=100).budget.max_context == 0  # not one token (256 B)


def test_budget_is_unbounded_when_every_layer_is_windowed():
    spec = make_spec({**GQA, "layer_pattern": ["sliding"], "sliding_window": 4})
    assert kv_cache(spec, 10, budget_bytes=10**6).budget.max_context == MAX_CONTEXT


def test_reference_figures():
    registry = Registry(use_env=False)
    deepseek = kv_cache(registry.resolve("deepseek-v3"), 128 * 1024)
    assert deepseek.kv_bytes_per_token_full_layers == 61 * (512 + 64) * 2 == 70_272
    assert deepseek.kv_bytes == 70_272 * 131_072 == 9_210_691_584
    gemma = kv_cache(registry.resolve("gemma3"), 128 * 1024)
    per_token_layer = 2 * 16 * 128 * 2
    assert gemma.kv_bytes == (10 * 131_072 + 52 * 1024) * per_token_layer == 11_173_625_856
    assert [(k.kind, k.num_layers) for k in gemma.by_kind] == [("sliding", 52), ("full", 10)]


@pytest.mark.parametrize("kwargs, message", [
    ({"dtype": "fp4"}, "bad dtype 'fp4': expected one of bf16, fp16, fp32, fp8, int8, int4"),
    ({"batch": 0}, "bad batch 0: must be at least 1"),
    ({"context": 0}, "bad context 0: must be at least 1"),
])
def test_bad_arguments(kwargs, message):
    with pytest.raises(ArchcmpError) as error:
        kv_cache(make_spec(GQA), **{"context": 10, **kwargs})
    assert str(error.value) == message
