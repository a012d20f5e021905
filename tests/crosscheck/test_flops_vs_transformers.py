"""archcmp's FLOP count against a real forward pass in transformers.

Small copies of the reference configs (hidden size, vocabulary, FFN and
expert widths, expert count and layer count shrunk; heads, head dims, MLA
ranks, windows and the layer pattern kept) run on the CPU under
``torch.utils.flop_counter.FlopCounterMode`` with eager attention (the CPU
SDPA kernel counts 0) and eager experts. Every weight is the constant 0.01
rather than a random draw: FLOPs depend on shapes only, and a router always
picks ``experts_per_token`` distinct experts whatever its scores.

The counter attributes every matmul to the module that ran it. The attention
products are what attention modules compute themselves (their projection
children taken out); everything else is the linear part. Prefill lengths stay
below every window and chunk, so the masks cut nothing and the measurement
is archcmp's ``--attention full``.

Where transformers 5.24 computes more than the architecture needs, the excess
is taken out of the measurement, never put into archcmp:

* ``Llama4TextExperts`` runs every token through all experts (scaled by a
  zero score when not chosen): only ``experts_per_token / num_experts`` of its
  count is the architecture's;
* DeepSeek-V3 attention caches the MLA latent and re-expands every cached
  token through ``kv_b_proj`` at each decode step: only the new token's share
  is the architecture's (a server either caches expanded K/V or absorbs
  ``kv_b_proj``; both cost one token's worth).
"""

from __future__ import annotations

from dataclasses import dataclass, field

import pytest
from small import build_model, reference_config, shrink_config, shrink_spec

from archcmp.analysis.flops import count_flops, training_flops
from archcmp.kinds.base import FlopOptions
from archcmp.plan import expand
from archcmp.registry import Registry
from archcmp.schema import ModelSpec

TOKENS = 16  # prefill length and decode position: below every window and chunk
DENSE_EXPERTS = ("Llama4TextExperts",)  # run all experts for every token


@dataclass(frozen=True)
class Case:
    reference: str  # config and spec id
    num_layers: int
    config: dict = field(default_factory=dict)
    spec_updates: dict = field(default_factory=dict)


CASES = {
    "llama3-gqa": Case("llama3.1-8b", 2, {"head_dim": 128}),  # the hub config leaves head_dim implicit
    "qwen3-gqa-qk-norm": Case("qwen3-8b", 2),
    "qwen3-moe": Case("qwen3-30b-a3b", 2),
    "gemma3-sliding-sandwich": Case("gemma3-27b", 6),  # 5 sliding + 1 global
    "deepseek-v3-mla-moe-shared": Case("deepseek-v3", 4),  # 3 dense + 1 MoE
    "llama4-chunked-nope-alternating": Case("llama4-maverick", 4),  # dense, MoE, dense, MoE (NoPE)
    "gemma3n-altup-laurel-ple-kv-sharing": Case("gemma3n-e4b", 10, {"num_kv_shared_layers": 5},
                                                {"kv_sharing": {"num_shared_layers": 5}}),
}


def flops_spec(reference: str, num_layers: int, config: dict, **updates) -> ModelSpec:
    """The bundled spec shrunk like ``config``, FFN and expert widths included
    (Llama 4 calls the expert width ``intermediate_size`` and the dense one
    ``intermediate_size_mlp``)."""
    spec = shrink_spec(Registry(use_env=False).resolve(reference), num_layers, **updates)
    data = spec.model_dump()
    data["ffn"]["intermediate_size"] = config.get("intermediate_size_mlp", config["intermediate_size"])
    if data["moe"]:
        experts = next(config[k] for k in ("n_routed_experts", "num_local_experts", "num_experts") if k in config)
        data["moe"].update(num_experts=experts, experts_per_token=config["num_experts_per_tok"],
                           expert_intermediate_size=config.get("moe_intermediate_size", config["intermediate_size"]))
    if data["embeddings"]["per_layer"]:
        data["embeddings"]["per_layer"].update(vocab_size=config["vocab_size_per_layer_input"],
                                               width=config["hidden_size_per_layer_input"])
    if data["laurel"]:
        data["laurel"]["rank"] = config["laurel_rank"]
    return ModelSpec.model_validate(data)


def uninitialised_model(config: dict):
    """Built on the meta device, then given CPU memory filled with a constant:
    seconds faster than initialising DeepSeek's MLA projections, and free of
    the NaNs and denormals (slow on a CPU) that stale memory may hold."""
    import torch

    model = build_model(config, device="meta").to_empty(device="cpu").eval()
    with torch.no_grad():
        for tensor in [*model.parameters(), *model.buffers()]:
            if tensor.is_floating_point():
                tensor.fill_(0.01)
    return model


@dataclass(frozen=True)
class Measured:
    linear: int
    attention: int
    by_module: dict[str, int]  # every module's count, its children's included

    def module(self, model, name: str) -> int:
        return self.by_module.get(f"{type(model).__name__}.{name}", 0)


def measure(model, step) -> Measured:
    """Run ``step()`` under the FLOP counter and split its count."""
    from torch.utils.flop_counter import FlopCounterMode

    with FlopCounterMode(display=False) as counter:
        step()
    by_module = {key: sum(ops.values()) for key, ops in counter.get_flop_counts().items()}
    raw = Measured(counter.get_total_flops(), 0, by_module)
    attention = excess = 0
    for name, module in model.named_modules():
        kind = type(module).__name__
        if kind.endswith("Attention"):
            children = sum(raw.module(model, f"{name}.{child}") for child, _ in module.named_children())
            attention += raw.module(model, name) - children
        if kind in DENSE_EXPERTS:
            unchosen = module.num_experts - model.config.num_experts_per_tok
            excess += raw.module(model, name) * unchosen // module.num_experts
    return Measured(raw.linear - attention - excess, attention, by_module)


def without_reexpansion(model, measured: Measured, cached: int) -> Measured:
    """Take the ``cached`` tokens' pass through MLA's ``kv_b_proj`` out of a
    decode step's count, leaving the new token's."""
    names = [f"{name}.kv_b_proj" for name, module in model.named_modules() if hasattr(module, "kv_b_proj")]
    excess = sum(measured.module(model, name) for name in names) * cached // (cached + 1)
    return Measured(measured.linear - excess, measured.attention, measured.by_module)


@pytest.fixture(scope="module", params=sorted(CASES))
def case(request):
    """(spec, model, token ids) for one case, built once."""
    import torch

    case = CASES[request.param]
    config = shrink_config(reference_config(case.reference), case.num_layers, experts_implementation="eager",
                           **case.config)
    spec = flops_spec(case.reference, case.num_layers, config, **case.spec_updates)
    torch.manual_seed(0)
    ids = torch.randint(0, config["vocab_size"], (1, TOKENS + 1))
    return spec, uninitialised_model(config), ids


def test_prefill_linear_and_full_attention_equal_measured(case):
    import torch

    spec, model, ids = case
    with torch.no_grad():
        measured = measure(model, lambda: model(input_ids=ids[:, :TOKENS], logits_to_keep=1, use_cache=False))
    prefill = count_flops(spec, TOKENS, attention="full").prefill
    assert (prefill.linear, prefill.attention) == (measured.linear, measured.attention)


def test_decode_step_equals_measured(case):
    import torch

    spec, model, ids = case
    with torch.no_grad():
        cache = model(input_ids=ids[:, :TOKENS], use_cache=True).cache
        measured = measure(model, lambda: model(input_ids=ids[:, TOKENS:], cache=cache, use_cache=True))
    measured = without_reexpansion(model, measured, cached=TOKENS)
    decode = count_flops(spec, TOKENS, mla_decode="expanded").decode
    assert (decode.linear, decode.attention) == (measured.linear, measured.attention)


def test_training_step_is_three_forwards(case):
    """Forward with the head on every position, then backward. The counter
    does not attribute backward matmuls to the modules that ran forward, so
    the backward is checked in total: linear plus attention, three times the
    forward's."""
    spec, model, ids = case
    run = lambda: model(input_ids=ids[:, :TOKENS], logits_to_keep=0, use_cache=False)
    forward = measure(model, run)
    both = measure(model, lambda: run().logits.sum().backward())
    model.zero_grad(set_to_none=True)
    training = training_flops(spec, expand(spec), TOKENS, FlopOptions("full"), TOKENS)
    assert (training.linear, training.attention) == (3 * forward.linear, 3 * forward.attention)
    assert training.flops == both.linear + both.attention


def test_token_by_token_generation_sums_to_the_causal_prefill(case):
    """Decoding a sequence one token at a time computes exactly the causal
    mask's products: archcmp's causal prefill attention."""
    import torch

    spec, model, ids = case
    attention, outputs = 0, [None]
    with torch.no_grad():
        for i in range(TOKENS):
            cache = outputs[-1] and outputs[-1].cache
            step = lambda: outputs.append(model(input_ids=ids[:, i:i + 1], cache=cache, use_cache=True))
            attention += measure(model, step).attention
    assert count_flops(spec, TOKENS).prefill.attention == attention


def test_sliding_decode_beyond_the_window():
    """Gemma 3 1B with its own 512-token window: one token after 520 cached
    meets 512 keys in each sliding layer and 521 in the global one."""
    import torch

    config = shrink_config(reference_config("gemma3-1b"), 6)
    spec = flops_spec("gemma3-1b", 6, config)
    model = uninitialised_model(config)
    ids = torch.randint(0, config["vocab_size"], (1, 521))
    with torch.no_grad():
        cache = model(input_ids=ids[:, :520], use_cache=True).cache
        measured = measure(model, lambda: model(input_ids=ids[:, 520:], cache=cache, use_cache=True))
    pair = 2 * 4 * (256 + 256)  # 4 heads, head_dim 256
    assert measured.attention == pair * (5 * 512 + 521)
    decode = count_flops(spec, 520).decode
    assert (decode.linear, decode.attention) == (measured.linear, measured.attention)
