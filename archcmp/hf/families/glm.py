"""GLM-4.5 / GLM-4.6 (transformers 5.24 ``Glm4MoeConfig``, ``Glm4MoeAttention``,
``Glm4MoeMoE``): GQA with q/k/v bias and optional per-head q/k norm, half of
each head rotary, the first ``first_k_dense_replace`` layers dense, then
routed plus shared experts. ``Glm4MoeTopkRouter`` scores with a sigmoid
(hard-coded: GLM configs have no ``scoring_func``), chooses with
``e_score_correction_bias`` added (a buffer, not a parameter), then reads
``norm_topk_prob`` and ``routed_scaling_factor``."""

from __future__ import annotations

from archcmp.hf import common
from archcmp.hf.families import Family
from archcmp.hf.families.deepseek import dense_then_moe
from archcmp.hf.reader import Reader
from archcmp.schema import ModelSpec

DEFAULTS = {**common.DECODER_DEFAULTS, "vocab_size": 151552, "intermediate_size": 10944, "num_hidden_layers": 46,
            "num_attention_heads": 96, "num_key_value_heads": 8, "max_position_embeddings": 131072,
            "attention_bias": False, "moe_intermediate_size": 1408, "num_experts_per_tok": 8,
            "n_shared_experts": 1, "n_routed_experts": 128, "first_k_dense_replace": 1, "use_qk_norm": False,
            "partial_rotary_factor": 0.5, "num_nextn_predict_layers": 1, "norm_topk_prob": True,
            "routed_scaling_factor": 1.0}
IGNORED = frozenset({"n_group", "topk_group", "moe_layer_freq"})


def glm4_moe_spec(r: Reader) -> dict:
    """o_proj has no bias whatever ``attention_bias`` says."""
    attention = common.attention(r, qkv_bias=r.bool("attention_bias"),
                                 qk_norm="per_head" if r.bool("use_qk_norm") else "none")
    router = common.router("sigmoid", r.bool("norm_topk_prob"), common.positive(r, "routed_scaling_factor", required=True))
    moe = common.moe(r, dense_then_moe(r), "n_routed_experts", router,
                     expert_intermediate_size=r.int("moe_intermediate_size"),
                     num_shared_experts=r.int("n_shared_experts", minimum=0))
    body = common.decoder(r, attention=attention, ffn=common.ffn(r), moe=moe)
    modules = r.int("num_nextn_predict_layers", minimum=0)
    if modules:
        body["mtp"] = {"num_modules": modules}
    return body


def glm4_moe_config(spec: ModelSpec) -> dict:
    config = common.decoder_config(spec, "glm4_moe")
    config.update(attention_bias=spec.attention.qkv_bias, use_qk_norm=spec.attention.qk_norm == "per_head",
                  partial_rotary_factor=spec.positions.partial_rotary_factor,
                  first_k_dense_replace=common.first_dense(spec),
                  num_nextn_predict_layers=spec.mtp.num_modules if spec.mtp else 0)
    if spec.moe:
        config.update(n_routed_experts=spec.moe.num_experts, num_experts_per_tok=spec.moe.experts_per_token,
                      moe_intermediate_size=spec.moe.expert_intermediate_size,
                      n_shared_experts=spec.moe.num_shared_experts,
                      **common.router_config(spec, scaling_key="routed_scaling_factor"))
    return config


FAMILIES = (Family("glm4_moe", "glm4", DEFAULTS, glm4_moe_spec, glm4_moe_config, ignored=IGNORED,
                   aliases={"num_mtp_layers": "num_nextn_predict_layers", "num_local_experts": "n_routed_experts"}),)
