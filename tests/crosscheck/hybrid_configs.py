"""Small random configs of the hybrid families, every switch their importers
read drawn at random (layouts, head ratios, kernels, biases, MoE placement,
state dtypes), for the params cross-check (``test_params_vs_transformers``)."""

from __future__ import annotations

import json
from pathlib import Path

WAVE2 = Path(__file__).resolve().parents[1] / "data" / "reference" / "wave2"

HYBRID_TYPES = ("qwen3_next", "qwen3_5_text", "qwen3_5_moe_text", "kimi_linear", "nemotron_h")


def _qwen(model_type: str, rng, n: int) -> dict:
    heads = rng.choice([2, 4])
    key_heads = rng.choice([1, 2])
    c = {"model_type": model_type, "vocab_size": 300, "hidden_size": rng.choice([64, 96]), "num_hidden_layers": n,
         "num_attention_heads": heads, "num_key_value_heads": rng.choice([1, heads]), "head_dim": 16,
         "intermediate_size": 80, "tie_word_embeddings": rng.random() < 0.5, "attention_bias": rng.random() < 0.5,
         "linear_num_key_heads": key_heads, "linear_num_value_heads": key_heads * rng.choice([1, 2]),
         "linear_key_head_dim": rng.choice([8, 16]), "linear_value_head_dim": rng.choice([8, 16]),
         "linear_conv_kernel_dim": rng.choice([2, 4]), "partial_rotary_factor": rng.choice([0.25, 0.5, 1.0])}
    if rng.random() < 0.5:
        c["layer_types"] = [rng.choice(["linear_attention", "full_attention"]) for _ in range(n)]
    else:
        c["full_attention_interval"] = rng.randint(1, 4)
    if model_type == "qwen3_next":
        c.update(num_experts=rng.randint(1, 4), num_experts_per_tok=1, moe_intermediate_size=24,
                 shared_expert_intermediate_size=40, decoder_sparse_step=rng.randint(1, 3),
                 mlp_only_layers=sorted(rng.sample(range(n), rng.randint(0, n))), norm_topk_prob=rng.random() < 0.5)
    if model_type == "qwen3_5_moe_text":
        c.update(num_experts=rng.randint(1, 4), num_experts_per_tok=1, moe_intermediate_size=24,
                 shared_expert_intermediate_size=40)
        del c["intermediate_size"]
    if model_type != "qwen3_next":
        c.update(mamba_ssm_dtype=rng.choice([None, "float32", "bfloat16"]), mtp_num_hidden_layers=rng.randint(0, 1))
    return c


def _kimi_layout(rng, n: int) -> dict:
    """The layout as linear_attn_config gives it (1-based lists), as explicit
    layer_types / mlp_layer_types, or as the class default (every 4th full)."""
    full = sorted(rng.sample(range(1, n + 1), rng.randint(0, n)))
    dims = {"num_heads": rng.choice([1, 2]), "head_dim": rng.choice([8, 16]),
            "short_conv_kernel_size": rng.choice([2, 4])}
    form = rng.choice(["config", "lists", "default"])
    if form == "config":
        return {"linear_attn_config": {**dims, "full_attn_layers": full,
                                       "kda_layers": [i for i in range(1, n + 1) if i not in full]},
                "first_k_dense_replace": rng.randint(0, n)}
    top = {"linear_num_heads": dims["num_heads"], "linear_head_dim": dims["head_dim"],
           "linear_conv_kernel_dim": dims["short_conv_kernel_size"]}
    if form == "default":
        return top
    return top | {"layer_types": [rng.choice(["linear_attention", "full_attention"]) for _ in range(n)],
                  "mlp_layer_types": [rng.choice(["dense", "sparse"]) for _ in range(n)]}


def _kimi(rng, n: int) -> dict:
    return _kimi_layout(rng, n) | {
            "model_type": "kimi_linear", "vocab_size": 300, "hidden_size": rng.choice([64, 96]),
            "num_hidden_layers": n, "num_attention_heads": rng.choice([2, 4]), "intermediate_size": 80,
            "moe_intermediate_size": 24, "num_experts": rng.randint(1, 4), "num_experts_per_token": 1,
            "num_shared_experts": rng.randint(0, 2), "attention_bias": rng.random() < 0.5,
            "num_key_value_heads": rng.choice([None, 2]),
            "kv_lora_rank": 12, "q_lora_rank": rng.choice([None, 16]), "qk_nope_head_dim": 8, "qk_rope_head_dim": 4,
            "v_head_dim": rng.choice([8, 12]), "tie_word_embeddings": rng.random() < 0.5,
            "moe_renormalize": rng.random() < 0.5, "routed_scaling_factor": rng.choice([1.0, 2.446]),
            "pad_token_id": 0, "bos_token_id": 1, "eos_token_id": 2}


NEMOTRON_TYPES = {"M": "mamba", "*": "attention", "E": "moe", "-": "mlp"}


def _nemotron(rng, n: int) -> dict:
    blocks = "".join(rng.choice("M*E-") for _ in range(n))
    mtp = "".join(rng.choice("M*E-") for _ in range(rng.randint(1, 3)))
    heads = rng.choice([2, 4])
    c = {"hybrid_override_pattern": blocks} if rng.random() < 0.5 else {
        "layers_block_type": [NEMOTRON_TYPES[b] for b in blocks]}
    if rng.random() < 0.5:  # MTP modules, which transformers does not build: counted apart, never in the total
        c["num_nextn_predict_layers"] = rng.randint(1, 2)
        c |= {"mtp_hybrid_override_pattern": mtp} if rng.random() < 0.5 else {
            "mtp_layers_block_type": [NEMOTRON_TYPES[b] for b in mtp]}
    return c | {"model_type": "nemotron_h", "vocab_size": 300, "hidden_size": rng.choice([64, 96]),
            "moe_latent_size": rng.choice([None, 16, 40]), "n_shared_experts": rng.randint(0, 2),
            "num_attention_heads": heads, "num_key_value_heads": rng.choice([1, 2]),
            "head_dim": 16, "intermediate_size": 80, "mlp_bias": rng.random() < 0.5, "mamba_num_heads": 4,
            "mamba_head_dim": rng.choice([8, 16]), "n_groups": rng.choice([1, 2]), "ssm_state_size": 8,
            "conv_kernel": rng.choice([2, 4]), "use_conv_bias": rng.random() < 0.5, "use_bias": rng.random() < 0.5,
            "chunk_size": 8, "mamba_ssm_cache_dtype": rng.choice(["float32", "bfloat16"]),
            "n_routed_experts": rng.randint(1, 4), "num_experts_per_tok": 1, "moe_intermediate_size": 24,
            "moe_shared_expert_intermediate_size": 40,
            "routed_scaling_factor": rng.choice([1.0, 2.5]), "norm_topk_prob": rng.random() < 0.5,
            "tie_word_embeddings": rng.random() < 0.5, "pad_token_id": 0, "bos_token_id": 1, "eos_token_id": 2}


def random_hybrid_config(model_type: str, rng) -> dict:
    n = rng.randint(1, 7)
    if model_type == "kimi_linear":
        return _kimi(rng, n)
    if model_type == "nemotron_h":
        return _nemotron(rng, n)
    return _qwen(model_type, rng, n)


def wave2_config(name: str) -> dict:
    """A published config of tests/data/reference/wave2 (its text model for a multimodal one)."""
    config = json.loads((WAVE2 / "configs" / f"{name}.json").read_text())
    return dict(config.get("text_config", config))
