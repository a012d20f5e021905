"""Hybrids' cache bytes and FLOPs against real tiny forwards in transformers.

Tiny copies of the four reference configs (hidden 64, vocabulary 256, a few
layers with both layer kinds, linear heads shrunk; Nemotron's chunk 8 so that
a prefill spans several SSD chunks) run on the CPU. Their spec is what
``archcmp import`` reads from the same tiny config, so the importer is
checked too.

Cache: a prefill of ``context - 1`` tokens and one decode step in bf16, then
every layer of the returned cache is compared, tensor by tensor, with
archcmp's ``--convention transformers`` figure: K and V of softmax layers
(bf16), conv state (bf16, K columns) and recurrent state (fp32, whatever the
model dtype) of linear layers.

FLOPs: FlopCounterMode with every weight 0.01. The weight matmuls must equal
archcmp's linear part exactly; each mixer's own products (its FLOPs without
its Linear children) are the token mixing. What the counter sees of a linear
mixer's prefill is archcmp's ``linear_mixer_core`` plus the conv's padding
(transformers convolves ``tokens + K − 1`` positions and keeps ``tokens``);
of a decode step, only the conv update (two output positions: K state
columns and the new one) and Mamba-2's C·h product — the delta-rule update
is element-wise and invisible to it.
"""

from __future__ import annotations

import functools
import json

import pytest
from hybrid_configs import wave2_config
from small import build_model

from archcmp.analysis.flops import count_flops
from archcmp.analysis.kvcache import kv_cache
from archcmp.hf.importer import read_body
from archcmp.kinds.state import conv_flops
from archcmp.plan import expand
from archcmp.schema import ModelSpec

SMALL = {"hidden_size": 64, "vocab_size": 256, "intermediate_size": 96, "moe_intermediate_size": 32,
         "pad_token_id": None, "bos_token_id": None, "eos_token_id": None}
GDN = {"linear_num_key_heads": 2, "linear_num_value_heads": 4, "linear_key_head_dim": 16,
       "linear_value_head_dim": 8, "num_attention_heads": 4, "num_key_value_heads": 2, "head_dim": 16,
       "num_experts": 4, "num_experts_per_tok": 2, "shared_expert_intermediate_size": 48}
CASES = {
    "qwen3-next": ("qwen3-next-80b-a3b", {**GDN, "num_hidden_layers": 4}),  # full_attention_interval 4
    "qwen3.5-moe": ("qwen3.5-397b-a17b", {**GDN, "num_hidden_layers": 4, "mtp_num_hidden_layers": 0,
                                          "layer_types": ["linear_attention"] * 3 + ["full_attention"]}),
    "kimi-linear": ("kimi-linear-48b-a3b", {
        "num_hidden_layers": 4, "num_attention_heads": 4, "num_key_value_heads": 4, "kv_lora_rank": 16, "qk_nope_head_dim": 8,
        "qk_rope_head_dim": 8, "v_head_dim": 8, "num_experts": 4, "num_experts_per_token": 2,
        "linear_attn_config": {"num_heads": 2, "head_dim": 16, "short_conv_kernel_size": 4,
                               "kda_layers": [1, 2, 4], "full_attn_layers": [3]}}),
    "nemotron-h": ("nemotron-3-nano-30b-a3b", {
        "hybrid_override_pattern": "ME*EM-", "num_hidden_layers": 6, "num_attention_heads": 4,
        "num_key_value_heads": 2, "head_dim": 16, "mamba_num_heads": 4, "mamba_head_dim": 8, "n_groups": 2,
        "ssm_state_size": 16, "chunk_size": 8, "n_routed_experts": 4, "num_experts_per_tok": 2,
        "moe_shared_expert_intermediate_size": 48}),
}
CONTEXTS = (5, 70)  # within one chunk; beyond the 64-token chunk of the delta-rule kernels
TOKENS = 70
LINEAR_MIXERS = ("Qwen3NextGatedDeltaNet", "Qwen3_5MoeGatedDeltaNet", "Qwen3_5GatedDeltaNet",
                 "KimiLinearDeltaAttention", "NemotronHMamba2Mixer")


def tiny(name: str) -> tuple[dict, ModelSpec]:
    reference, overrides = CASES[name]
    config = {**wave2_config(reference), **SMALL, **overrides}
    body = read_body(json.loads(json.dumps(config)), f"<tiny {name}>")
    meta = {"id": "tiny", "name": "tiny", "family": "tiny", "sources": [{"url": "https://example.com", "what": "t"}]}
    return config, ModelSpec.model_validate({**meta, **body.fields})


def constant_model(config: dict, dtype=None):
    import torch

    model = build_model({**config, "experts_implementation": "eager"}, device="meta").to_empty(device="cpu").eval()
    with torch.no_grad():
        for tensor in [*model.parameters(), *model.buffers()]:
            if tensor.is_floating_point():
                tensor.fill_(0.01)
    return model.to(dtype) if dtype is not None else model


def _tensors(layer) -> dict[str, object]:
    found = {"keys": getattr(layer, "keys", None), "values": getattr(layer, "values", None)}
    for kind in ("conv_states", "recurrent_states"):
        for i, tensor in (getattr(layer, kind, None) or {}).items():
            found[f"{kind}[{i}]"] = tensor
    return {name: t for name, t in found.items() if t is not None}


@functools.cache
def held(name: str, context: int) -> list[dict[str, tuple]]:
    """(shape, dtype, bytes) of every tensor of every cache layer after a
    bf16 prefill of ``context - 1`` tokens and one decode step."""
    import torch

    config, _ = tiny(name)
    model = constant_model(config, torch.bfloat16)
    ids = torch.randint(0, config["vocab_size"], (1, context), generator=torch.Generator().manual_seed(0))
    with torch.no_grad():
        cache = model(input_ids=ids[:, :-1], use_cache=True).cache
        cache = model(input_ids=ids[:, -1:], cache=cache, use_cache=True).cache
    return [{k: (tuple(t.shape), str(t.dtype).removeprefix("torch."), t.numel() * t.element_size())
             for k, t in _tensors(layer).items()} for layer in cache.layers]


@pytest.mark.parametrize("context", CONTEXTS)
@pytest.mark.parametrize("name", sorted(CASES))
def test_transformers_cache_holds_archcmp_bytes(name, context):
    _, spec = tiny(name)
    result = kv_cache(spec, context, dtype="bf16", convention="transformers")
    layers = {layer.index: layer for layer in result.layers}
    observed = held(name, context)
    for index, tensors in enumerate(observed):
        layer = layers.get(index)
        assert sum(b for _, _, b in tensors.values()) == (layer.bytes if layer else 0), (index, tensors)
        if layer and layer.state:  # the fixed states, shape and dtype as well as bytes
            states = {k: v for k, v in tensors.items() if "states" in k}
            expected = {(part.shape, part.dtype, part.bytes) for part in layer.state}
            assert {((s[1:]), {"bfloat16": "bf16", "float32": "fp32"}[d], b) for s, d, b in states.values()} \
                == expected
    assert sum(sum(b for _, _, b in t.values()) for t in observed) == result.kv_bytes


@pytest.mark.parametrize("name", sorted(CASES))
def test_recurrent_state_is_fp32_and_constant(name):
    short, long = held(name, CONTEXTS[0]), held(name, CONTEXTS[1])
    states = [(a, b) for x, y in zip(short, long) for (k, a), (_, b) in zip(x.items(), y.items()) if "states" in k]
    assert states and all(a == b for a, b in states)  # the same at 5 and at 70 tokens
    assert {a[1] for a, _ in states} == {"bfloat16", "float32"}


@pytest.mark.parametrize("name", sorted(CASES))
def test_plan_layers_match_transformers_layer_types(name):
    config, spec = tiny(name)
    types = list(build_model(config).config.layer_types)
    kinds = {"linear_attention": "linear", "full_attention": "full", "moe": "ffn", "mlp": "ffn"}
    ours = ["ffn" if b.mixer is None else "linear" if b.mixer.span is None else "full" for b in expand(spec)]
    assert ours == [kinds[t] for t in types]


# ---- FLOPs ---------------------------------------------------------------


def measure(model, step) -> dict[str, int]:
    """Weight matmuls, softmax attention and linear mixing, as the counter
    attributes them (a mixer's own count without its Linear descendants)."""
    import torch
    from torch.utils.flop_counter import FlopCounterMode

    with FlopCounterMode(display=False) as counter:
        step()
    counts = {key: sum(ops.values()) for key, ops in counter.get_flop_counts().items()}
    own = lambda prefix: counts.get(f"{type(model).__name__}.{prefix}", 0)
    parts = {"attention": 0, "mixing": 0}
    for name, module in model.named_modules():
        kind = type(module).__name__
        if kind in LINEAR_MIXERS or kind.endswith("Attention"):
            linears = [n for n, m in module.named_modules() if isinstance(m, torch.nn.Linear)]
            products = own(name) - sum(own(f"{name}.{n}") for n in linears)
            parts["mixing" if kind in LINEAR_MIXERS else "attention"] += products
    parts["linear"] = counter.get_total_flops() - parts["attention"] - parts["mixing"]
    return parts


def conv_padding(spec: ModelSpec) -> int:
    """The K − 1 padded positions transformers convolves in a prefill."""
    return sum(conv_flops(m.conv_kernel - 1, m.conv_channels, m.conv_kernel)
               for m in (b.mixer for b in expand(spec).mixer_blocks()) if m.span is None)


@functools.cache
def flops_case(name: str):
    import torch

    config, spec = tiny(name)
    ids = torch.randint(0, config["vocab_size"], (1, TOKENS + 1), generator=torch.Generator().manual_seed(1))
    return spec, constant_model(config), ids


@pytest.mark.parametrize("name", sorted(CASES))
def test_prefill_flops_equal_measured(name):
    import torch

    spec, model, ids = flops_case(name)
    with torch.no_grad():
        seen = measure(model, lambda: model(input_ids=ids[:, :TOKENS], logits_to_keep=1, use_cache=False))
    prefill = count_flops(spec, TOKENS, attention="full").prefill
    assert seen["linear"] == prefill.linear
    assert seen["attention"] == prefill.attention
    assert seen["mixing"] == prefill.linear_mixing + conv_padding(spec)


@pytest.mark.parametrize("name", sorted(CASES))
def test_decode_flops_equal_measured(name):
    import torch

    spec, model, ids = flops_case(name)
    with torch.no_grad():
        cache = model(input_ids=ids[:, :TOKENS], use_cache=True).cache
        seen = measure(model, lambda: model(input_ids=ids[:, TOKENS:], cache=cache, use_cache=True))
    decode = count_flops(spec, TOKENS, mla_decode="expanded").decode
    mixers = [b.mixer for b in expand(spec).mixer_blocks() if b.mixer.span is None]
    visible = sum(2 * conv_flops(1, m.conv_channels, m.conv_kernel)  # two conv outputs, one kept
                  + (2 * m.num_heads * m.head_dim * m.state_size if m.kind == "mamba2" else 0)  # C·h
                  for m in mixers)
    assert seen["mixing"] == visible
    if name != "kimi-linear":  # Kimi's MLA re-expands every cached token through kv_b_proj at each step
        assert seen["linear"] == decode.linear
        assert seen["attention"] == decode.attention


def test_prefill_mixing_grows_linearly_and_attention_quadratically():
    spec = tiny("qwen3-next")[1]
    at = {n: count_flops(spec, n).prefill for n in (64 * 8, 64 * 16, 64 * 32)}
    mixing = [at[n].linear_mixing for n in sorted(at)]
    attention = [at[n].attention for n in sorted(at)]
    assert mixing[2] - mixing[1] == 2 * (mixing[1] - mixing[0])  # linear in whole chunks
    assert attention[2] / attention[1] > 3.9 and attention[1] / attention[0] > 3.8  # ≈ quadratic
