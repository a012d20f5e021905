"""Gemma 4 E2B and E4B worked by hand: per-layer embeddings, KV sharing over
the last ``num_kv_shared_layers`` layers (no k/v projections or norms, no
cache) and E2B's double-wide MLPs on those layers (transformers 5.24
``Gemma4TextAttention``, ``Gemma4TextMLP``, ``Gemma4TextDecoderLayer``,
``Gemma4TextModel``). The text configs are tests/data/hf/gemma4-e*-text.json."""

from __future__ import annotations

import pytest
from testpaths import DATA

from archcmp.analysis.kvcache import kv_cache
from archcmp.analysis.params import count_params
from archcmp.hf.importer import import_file
from archcmp.hf.sameness import differences
from archcmp.plan import expand
from archcmp.registry import Registry

REGISTRY = Registry(use_env=False)
VOCAB, PLE = 262144, 256


@pytest.mark.parametrize("name", ("e2b", "e4b"))
def test_bundled_spec_is_its_config(name):
    imported = import_file(DATA / "hf" / f"gemma4-{name}-text.json").spec
    assert differences(REGISTRY.resolve(f"gemma4-{name}"), imported) == []


def _attention(hidden, kv, head_dim, shared):
    """q 8 heads, o back; k, v and k_norm only on layers that own their KV
    (v_norm has no weight)."""
    q_o = 2 * hidden * 8 * head_dim + head_dim
    return q_o if shared else q_o + 2 * hidden * kv * head_dim + head_dim


def test_e2b_components_by_hand():
    hidden, layers = 1536, 35
    full = {4, 9, 14, 19, 24, 29, 34}  # four sliding : one full
    shared = set(range(15, 35))  # the last 20
    attention = sum(_attention(hidden, 1, 512 if i in full else 256, i in shared) for i in range(layers))
    mlp = sum(3 * hidden * 6144 * (2 if i in shared else 1) for i in range(layers))
    # per layer: input gate hidden->256 and projection back; once: hidden -> 35 x 256
    other = layers * 2 * hidden * PLE + hidden * layers * PLE
    # four sandwich norms and the post-PLE norm per layer; final norm; the PLE projection norm
    norms = layers * 5 * hidden + hidden + PLE
    embedding = VOCAB * hidden + VOCAB * layers * PLE  # tied head counted once
    counts = count_params(REGISTRY.resolve("gemma4-e2b"))
    assert {k: v for k, v in counts.components.items() if v} == {
        "embedding": embedding, "attention": attention, "dense_mlp": mlp, "norms": norms, "other": other}
    assert counts.total_params == 4_628_569_344
    # Google's "2.3B effective": everything but the per-layer table
    assert counts.total_params - VOCAB * layers * PLE == 2_279_759_104


def test_e4b_components_by_hand():
    hidden, layers = 2560, 42
    full = set(range(5, 42, 6))
    shared = set(range(24, 42))  # the last 18; no double-wide MLP
    attention = sum(_attention(hidden, 2, 512 if i in full else 256, i in shared) for i in range(layers))
    counts = count_params(REGISTRY.resolve("gemma4-e4b")).components
    assert counts["attention"] == attention
    assert counts["dense_mlp"] == layers * 3 * hidden * 10240
    assert counts["embedding"] == VOCAB * hidden + VOCAB * layers * PLE
    assert sum(counts.values()) == 7_463_013_376


def test_shared_layers_read_the_last_owner_of_their_type():
    e2b = {b.index: b.kv_source for b in expand(REGISTRY.resolve("gemma4-e2b")).blocks}
    assert [e2b[i] for i in (15, 19, 33, 34)] == [13, 14, 13, 14]
    e4b = {b.index: b.kv_source for b in expand(REGISTRY.resolve("gemma4-e4b")).blocks}
    assert [e4b[i] for i in (24, 29, 41)] == [22, 23, 23]


# bf16 K and V; (sliding owners, full owners, KV heads): E2B 12 + 3 of 1 head, E4B 20 + 4 of 2 heads
OWNERS = {"gemma4-e2b": (12, 3, 1), "gemma4-e4b": (20, 4, 2)}


@pytest.mark.parametrize("convention, held", (("vllm", 512), ("transformers", 511)))
@pytest.mark.parametrize("ctx", (4096, 32768, 131072))
@pytest.mark.parametrize("model", sorted(OWNERS))
def test_cache_bytes_by_hand(model, ctx, convention, held):
    """Sliding owners hold the window (vLLM) or window - 1 tokens
    (transformers' DynamicCache after a prefill); shared layers nothing."""
    sliding, full, kv = OWNERS[model]
    expected = 2 * 2 * kv * (sliding * 256 * min(ctx, held) + full * 512 * ctx)
    assert kv_cache(REGISTRY.resolve(model), ctx, convention=convention).kv_bytes == expected
