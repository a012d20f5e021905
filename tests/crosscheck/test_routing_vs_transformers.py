"""Router weights and attention score scales against the models transformers
builds: the spec's words, turned into arithmetic here, must give what the
transformers modules compute.

For each MoE family, a one-layer model is built on the CPU from a small
config, its router gets random weights, and the expert weights it returns
for random hidden states must equal: router logits -> ``router_scoring``
(softmax over all experts, or a sigmoid each) -> the top ``experts_per_token``
-> divided by their sum if ``normalize_top_k`` -> times
``routed_scaling_factor`` (1 when left out). For every family, layer 0's
``self_attn.scaling`` must be 1/sqrt(query_scale_dim or head_dim), or 1 with
``unit_scale``.
"""

from __future__ import annotations

import pytest
from small import build_model

from archcmp.hf.families import FAMILIES
from archcmp.hf.importer import read_body

SMALL = {"vocab_size": 64, "hidden_size": 32, "num_hidden_layers": 1, "num_attention_heads": 2,
         "num_key_value_heads": 2, "head_dim": 16, "intermediate_size": 32, "pad_token_id": 0,
         "bos_token_id": 1, "eos_token_id": 2}
EXPERTS_KEY = {"mixtral": "num_local_experts", "gpt_oss": "num_local_experts", "llama4_text": "num_local_experts",
               "qwen2_moe": "num_experts", "qwen3_moe": "num_experts", "glm4_moe": "n_routed_experts",
               "deepseek_v2": "n_routed_experts", "deepseek_v3": "n_routed_experts"}
FAMILY_KEYS = {
    "deepseek_v2": {"kv_lora_rank": 8, "q_lora_rank": None, "qk_nope_head_dim": 8, "qk_rope_head_dim": 4,
                    "v_head_dim": 8, "first_k_dense_replace": 0, "moe_intermediate_size": 16},
    "glm4_moe": {"first_k_dense_replace": 0, "moe_intermediate_size": 16, "n_group": 1, "topk_group": 1},
    "qwen2_moe": {"moe_intermediate_size": 16, "shared_expert_intermediate_size": 16},
    "qwen3_moe": {"moe_intermediate_size": 16},
    "llama4_text": {"intermediate_size_mlp": 32},
    # hybrids: the one layer is the softmax one, whose score scale is under test
    "qwen3_next": {"layer_types": ["full_attention"], "moe_intermediate_size": 16,
                   "shared_expert_intermediate_size": 16, "num_experts": 4, "num_experts_per_tok": 2},
    "qwen3_5_text": {"layer_types": ["full_attention"]},
    "qwen3_5_moe_text": {"layer_types": ["full_attention"], "moe_intermediate_size": 16,
                         "shared_expert_intermediate_size": 16, "num_experts": 4, "num_experts_per_tok": 2},
}
FAMILY_KEYS["deepseek_v3"] = {**FAMILY_KEYS["deepseek_v2"], "n_group": 1, "topk_group": 1}
# The router keys each family's modeling code reads, and values to try.
ROUTER_KEYS = {
    "deepseek_v3": {"norm_topk_prob": [True, False], "routed_scaling_factor": [2.5, 1.0]},
    "deepseek_v2": {"routed_scaling_factor": [1.0, 16.0]},
    "glm4_moe": {"norm_topk_prob": [True, False], "routed_scaling_factor": [1.0, 2.5]},
    "qwen2_moe": {"norm_topk_prob": [False, True]},
    "qwen3_moe": {"norm_topk_prob": [False, True]},
    "mixtral": {}, "llama4_text": {}, "gpt_oss": {},
}
ROUTER_CASES = [(t, choice) for t in sorted(ROUTER_KEYS) for choice in (0, 1)]


def small_config(model_type: str, **overrides) -> dict:
    config = {"model_type": model_type, **SMALL, **FAMILY_KEYS.get(model_type, {}), **overrides}
    if model_type in EXPERTS_KEY:
        config.update({EXPERTS_KEY[model_type]: 8, "num_experts_per_tok": 3})
    return config


def spec_fields(config: dict) -> dict:
    return read_body(dict(config), "<test>").fields


def router_module(model):
    """The first module of a class named ``...Router`` (every MoE family
    names its router so)."""
    return next(m for m in model.modules() if type(m).__name__.lower().endswith("router"))


def dense_weights(router, hidden):
    """The router's expert weights as a tokens x experts matrix (0 where not chosen)."""
    import torch

    out = router(hidden)
    if len(out) == 2:  # Llama4Router: (scores over all experts, logits)
        return out[0].float()
    _, weights, indices = out
    return torch.zeros(hidden.shape[0], router.weight.shape[0]).scatter(1, indices, weights.float())


def expected_weights(moe: dict, router, hidden):
    """The spec's description as arithmetic."""
    import torch

    logits = hidden @ router.weight.T.float()
    if getattr(router, "bias", None) is not None:
        logits = logits + router.bias
    scores = logits.softmax(-1) if moe["router_scoring"] == "softmax" else logits.sigmoid()
    top, indices = scores.topk(moe["experts_per_token"], dim=-1)
    if moe["normalize_top_k"]:
        top = top / top.sum(-1, keepdim=True)
    top = top * moe.get("routed_scaling_factor", 1.0)
    return torch.zeros_like(scores).scatter(1, indices, top)


@pytest.mark.parametrize("model_type, choice", ROUTER_CASES)
def test_router_weights_follow_the_spec(model_type, choice):
    import torch

    keys = {key: values[choice] for key, values in ROUTER_KEYS[model_type].items()}
    config = small_config(model_type, **keys)
    moe = spec_fields(config)["moe"]
    router = router_module(build_model(config, device="cpu"))
    torch.manual_seed(choice)
    with torch.no_grad():
        for tensor in (router.weight, getattr(router, "bias", None)):
            if isinstance(tensor, torch.nn.Parameter):
                tensor.normal_()
        hidden = torch.randn(5, SMALL["hidden_size"])
        got, want = dense_weights(router, hidden), expected_weights(moe, router, hidden)
    assert torch.equal(got != 0, want != 0), "a different choice of experts"
    torch.testing.assert_close(got, want, rtol=1e-5, atol=1e-6)


def test_each_router_case_tells_the_choices_apart():
    """Softmax and sigmoid, renormalized or not, scaled or not give different
    weights here, so the test above can fail on any wrong field."""
    import torch

    class Router:
        weight = torch.randn(8, 4)

    hidden = torch.randn(5, 4)
    variants = [{"router_scoring": s, "normalize_top_k": n, "experts_per_token": 3, "routed_scaling_factor": f}
                for s in ("softmax", "sigmoid") for n in (True, False) for f in (1.0, 2.5)]
    results = [expected_weights(v, Router, hidden) for v in variants]
    assert all(not torch.allclose(a, b) for i, a in enumerate(results) for b in results[i + 1:])


GEMMA3N_SMALL = {"vocab_size_per_layer_input": 64, "hidden_size_per_layer_input": 8, "laurel_rank": 4,
                 "num_kv_shared_layers": 0, "intermediate_size": [32]}


SCALE_CASES = [
    ("gemma2", {}), ("gemma2", {"head_dim": 16, "query_pre_attn_scalar": 24}),
    ("gemma3_text", {"query_pre_attn_scalar": 40}), ("gemma3_text", {"query_pre_attn_scalar": 16}),
    ("gemma3n_text", GEMMA3N_SMALL),
    *[(t, {}) for t in sorted(FAMILIES) if t not in ("gemma2", "gemma3_text", "gemma3n_text", "gpt2",
                                                   "deepseek_v2", "deepseek_v3", "kimi_k2", "mistral4",
                                                   "kimi_linear", "deepseek_v32", "glm_moe_dsa", "mistral_large4_text",
                                                   "deepseek_v4")],  # latent or compressed attention: no head_dim
]


@pytest.mark.parametrize("model_type, keys", SCALE_CASES, ids=lambda v: v if isinstance(v, str) else "")
def test_attention_scaling_follows_the_spec(model_type, keys):
    config = small_config(model_type, **keys)
    attention = spec_fields(config)["attention"]
    model = build_model(config)
    layer = next(m for m in model.modules() if hasattr(m, "scaling") and hasattr(m, "o_proj"))
    if attention.get("unit_scale"):
        assert layer.scaling == 1.0
    else:
        dim = attention.get("query_scale_dim", attention["head_dim"])
        assert layer.scaling == pytest.approx(dim ** -0.5, rel=1e-12)


@pytest.mark.parametrize("model_type, keys", [("gemma2", {}), ("gemma3_text", {}), ("gemma3n_text", GEMMA3N_SMALL)])
def test_final_logit_softcap_bounds_the_logits(model_type, keys):
    """A cap of 0.01 that the spec records must hold every logit of a
    forward pass within ±0.01 (randomly initialized weights give larger ones
    without it)."""
    import torch

    cap = 0.01
    config = small_config(model_type, final_logit_softcapping=cap, **keys)
    assert spec_fields(config)["final_logit_softcapping"] == cap
    model = build_model(config, device="cpu")
    with torch.no_grad():
        capped = model(torch.tensor([[3, 5, 7, 9]])).logits
        model.config.final_logit_softcapping = 1e9  # Gemma3nTextConfig refuses None
        uncapped = model(torch.tensor([[3, 5, 7, 9]])).logits
    assert capped.abs().max() <= cap < uncapped.abs().max()
