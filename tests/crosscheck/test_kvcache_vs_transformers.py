"""archcmp's KV-cache bytes against what transformers actually keeps.

Small copies of the reference configs (hidden size, vocabulary, FFNs,
experts and layer count shrunk; heads, head dims, MLA ranks and the layer
pattern kept; windows and chunks shrunk to 16 and 32 tokens so that a
40-token context caps them) run a real forward on the CPU in fp32: a
prefill of ``context - 1`` tokens, then one decode step. Each layer of the
returned ``DynamicCache`` is compared with archcmp's figure for the equally
shrunk spec.

What transformers 5.24 was observed to do:

* a sliding or chunked layer's tensors cover ``min(context, window - 1)``
  tokens (``DynamicSlidingWindowLayer`` keeps the last ``window - 1``; the
  current token is concatenated before attending), one token fewer than
  archcmp's ``min(context, window)``;
* after a decode step those tensors are views of a ``window``-token buffer
  (the concatenation), so the memory actually allocated matches archcmp;
* DeepSeek-V3 attention caches the MLA latent (``kv_lora_rank`` +
  ``qk_rope_head_dim``), as vLLM does; decompressing it with the layer's own
  ``expand_kv`` gives archcmp's "MLA naive" figure;
* KV-shared Gemma 3n layers get a ``DummyLayer`` that holds nothing.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass, field

import pytest
from small import build_model, reference_config, shrink_config, shrink_spec

from archcmp.analysis.kvcache import kv_cache
from archcmp.plan import expand
from archcmp.registry import Registry

WINDOW, CHUNK = 16, 32
CONTEXTS = (12, 40)  # below every window, and beyond them all
FP32_BYTES = 4


@dataclass(frozen=True)
class Case:
    reference: str
    spec: str
    num_layers: int
    config: dict = field(default_factory=dict)
    attention: dict = field(default_factory=dict)
    spec_updates: dict = field(default_factory=dict)


CASES = {
    "gemma3-sliding": Case("gemma3-27b", "gemma3-27b", 8, {"sliding_window": WINDOW},
                           {"sliding_window": WINDOW}),
    "llama4-chunked-nope": Case("llama4-scout", "llama4-scout", 8, {"attention_chunk_size": CHUNK},
                                {"chunk_size": CHUNK}),
    "deepseek-v3-mla": Case("deepseek-v3", "deepseek-v3", 4),
    "gemma3n-kv-sharing": Case("gemma3n-e4b", "gemma3n-e4b", 10,
                               {"sliding_window": WINDOW, "num_kv_shared_layers": 5},
                               {"sliding_window": WINDOW}, {"kv_sharing": {"num_shared_layers": 5}}),
    "qwen3-gqa": Case("qwen3-8b", "qwen3-8b", 2),
    "llama3-gqa": Case("llama3.1-8b", "llama3.1-8b", 2),
    "olmo2-mha": Case("olmo2-7b", "olmo2-7b", 2),
}
HF_LAYER_TYPES = {"full_attention": "full", "sliding_attention": "sliding", "chunked_attention": "chunked"}


WINDOWED = ("gemma3-sliding", "llama4-chunked-nope", "gemma3n-kv-sharing")
MLA = ("deepseek-v3-mla",)


@dataclass(frozen=True)
class Held:
    """One cache layer after the decode step: bytes its tensors cover, and
    bytes of the buffers behind them."""

    logical: int
    allocated: int


@dataclass(frozen=True)
class Observed:
    spec: object  # the shrunk archcmp ModelSpec
    config: object  # the transformers config the model was built from
    held: dict[int, list[Held]]  # by context
    decompressed: int  # bytes of every layer's expand_kv(K, V) at the longest context (MLA only)


def _held(cache) -> list[Held]:
    held = []
    for layer in cache.layers:
        tensors = [t for t in (layer.keys, layer.values) if t is not None]
        held.append(Held(sum(t.numel() * t.element_size() for t in tensors),
                         sum(t.untyped_storage().nbytes() for t in tensors)))
    return held


def _decompressed(model, cache) -> int:
    if not hasattr(model.model.layers[0].self_attn, "expand_kv"):
        return 0
    pairs = [block.self_attn.expand_kv(layer.keys, layer.values)
             for block, layer in zip(model.model.layers, cache.layers)]
    return sum(t.numel() * t.element_size() for pair in pairs for t in pair)


@functools.cache
def observe(name: str) -> Observed:
    """Build the case's model once, run each context, keep only what the
    tests read (the model itself is dropped: DeepSeek's is ~1 GB)."""
    import torch

    case = CASES[name]
    config = shrink_config(reference_config(case.reference), case.num_layers, **case.config)
    spec = shrink_spec(Registry(use_env=False).resolve(case.spec), case.num_layers, case.attention,
                       **case.spec_updates)
    torch.manual_seed(0)
    model = build_model(config, device="cpu").eval()
    held, decompressed = {}, 0
    with torch.no_grad():
        for context in CONTEXTS:
            ids = torch.randint(0, config["vocab_size"], (1, context))
            prefill = model(input_ids=ids[:, :-1], use_cache=True)
            cache = model(input_ids=ids[:, -1:], cache=prefill.cache, use_cache=True).cache
            held[context] = _held(cache)
            decompressed = _decompressed(model, cache)
    return Observed(spec, model.config, held, decompressed)


def _off_by_one(layer) -> int:
    """Bytes of the one token transformers does not keep in a full window."""
    capped = layer.window is not None and layer.cached_tokens == layer.window
    return layer.bytes // layer.cached_tokens if capped else 0


@pytest.mark.parametrize("context", CONTEXTS)
@pytest.mark.parametrize("name", sorted(CASES))
def test_tensors_hold_archcmp_bytes_less_one_token_per_full_window(name, context):
    seen = observe(name)
    result = kv_cache(seen.spec, context, dtype="fp32")
    held = seen.held[context]
    assert [h.logical for h in held] == [layer.bytes - _off_by_one(layer) for layer in result.layers]
    if context < WINDOW:
        assert sum(h.logical for h in held) == result.kv_bytes


@pytest.mark.parametrize("context", CONTEXTS)
@pytest.mark.parametrize("name", sorted(CASES))
def test_allocated_buffers_match_archcmp_exactly(name, context):
    seen = observe(name)
    result = kv_cache(seen.spec, context, dtype="fp32")
    assert [h.allocated for h in seen.held[context]] == [layer.bytes for layer in result.layers]


@pytest.mark.parametrize("name", WINDOWED)
def test_windowed_layers_show_the_off_by_one(name):
    seen = observe(name)
    layers = kv_cache(seen.spec, CONTEXTS[-1], dtype="fp32").layers
    windowed = [(layer, held) for layer, held in zip(layers, seen.held[CONTEXTS[-1]])
                if layer.window is not None and layer.kv_source == layer.index]
    assert windowed
    for layer, held in windowed:
        per_token = layer.elements_per_token * FP32_BYTES
        assert held.logical == (layer.window - 1) * per_token
        assert layer.bytes == layer.window * per_token


@pytest.mark.parametrize("name", sorted(CASES))
def test_plan_matches_transformers_layer_types(name):
    seen = observe(name)
    config, plan = seen.config, expand(seen.spec)
    types = getattr(config, "layer_types", None) or ["full_attention"] * config.num_hidden_layers
    assert [block.mixer.span.kind for block in plan] == [HF_LAYER_TYPES[t] for t in types]
    if getattr(config, "no_rope_layers", None):  # Llama 4: 1 = RoPE, 0 = NoPE
        assert [block.mixer.position == "rope" for block in plan] == [bool(flag) for flag in config.no_rope_layers]


@pytest.mark.parametrize("name", sorted(CASES))
def test_shared_layers_read_the_layer_transformers_stores(name):
    seen = observe(name)
    modes = getattr(seen.config, "kv_sharing_modes", None) or [None] * seen.config.num_hidden_layers
    types = seen.config.layer_types if "reuse" in modes else []
    store = {types[i]: i for i, mode in enumerate(modes) if mode == "store"}
    expected = [store[types[i]] if mode == "reuse" else i for i, mode in enumerate(modes)]
    assert [layer.kv_source for layer in expand(seen.spec)] == expected
    assert ("reuse" in modes) == (name == "gemma3n-kv-sharing")


@pytest.mark.parametrize("name", MLA)
def test_mla_naive_is_the_decompressed_cache(name):
    seen = observe(name)
    result = kv_cache(seen.spec, CONTEXTS[-1], dtype="fp32")
    assert seen.decompressed == result.mla_naive_kv_bytes
    latent = seen.spec.attention.kv_lora_rank + seen.spec.attention.qk_rope_head_dim
    assert latent == 512 + 64
    assert result.kv_bytes == seen.spec.num_layers * CONTEXTS[-1] * latent * FP32_BYTES
