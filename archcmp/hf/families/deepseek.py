"""DeepSeek-V2, DeepSeek-V3 and Kimi K2 (which ships DeepSeek-V3 code):
multi-head latent attention and fine-grained MoE with shared experts
(transformers 5.24 ``DeepseekV2Attention``, ``DeepseekV3MoE``)."""

from __future__ import annotations

from archcmp.hf import common
from archcmp.hf.families import Family
from archcmp.hf.reader import Reader
from archcmp.schema import ModelSpec

# Router grouping (which experts may be chosen), expert parallelism: routing
# details no write-up compares. ``head_dim`` and ``qk_head_dim`` (which
# transformers 5 saves) are recomputed by the config class from the rope and
# nope head dims.
IGNORED = frozenset({"n_group", "topk_group", "topk_method", "aux_loss_alpha", "seq_aux", "ep_size",
                     "rope_interleave", "head_dim", "qk_head_dim", "num_key_value_heads", "moe_layer_freq"})
MLA = {"kv_lora_rank": 512, "q_lora_rank": 1536, "qk_rope_head_dim": 64, "v_head_dim": 128,
       "qk_nope_head_dim": 128, "attention_bias": False}
V3 = {**common.DECODER_DEFAULTS, **MLA, "vocab_size": 129280, "hidden_size": 7168, "intermediate_size": 18432,
      "moe_intermediate_size": 2048, "num_hidden_layers": 61, "num_attention_heads": 128, "n_shared_experts": 1,
      "n_routed_experts": 256, "num_experts_per_tok": 8, "first_k_dense_replace": 3,
      "num_key_value_heads": 128, "max_position_embeddings": 4096, "num_nextn_predict_layers": 1,
      "norm_topk_prob": True, "routed_scaling_factor": 2.5, "scoring_func": "sigmoid"}
V2 = {**common.DECODER_DEFAULTS, **MLA, "vocab_size": 102400, "mlp_bias": False, "first_k_dense_replace": 0,
      "n_routed_experts": 64, "n_shared_experts": 2, "num_experts_per_tok": None, "moe_intermediate_size": 1407,
      "norm_topk_prob": False, "routed_scaling_factor": 1.0, "scoring_func": "softmax"}
# ``scoring_func`` is no field of the transformers config classes: their
# routers hard-code the scoring (DeepseekV3TopkRouter: sigmoid,
# DeepseekV2TopkRouter: softmax), which its default above records.


def mla_attention(r: Reader) -> dict:
    """``attention_bias`` puts a bias on q_a_proj, kv_a_proj_with_mqa and
    o_proj; ``q_lora_rank: null`` means one full-rank q_proj (V2-Lite)."""
    bias = r.bool("attention_bias")
    section = {"kind": "mla", "num_heads": r.int("num_attention_heads"), "q_lora_rank": r.opt_int("q_lora_rank")}
    for key in ("kv_lora_rank", "qk_nope_head_dim", "qk_rope_head_dim", "v_head_dim"):
        section[key] = r.int(key)
    section.update(qkv_bias=bias, out_bias=bias)
    return {k: v for k, v in section.items() if v not in (None, False)}


def dense_then_moe(r: Reader, key: str = "first_k_dense_replace") -> list[str]:
    """``layer_idx >= first_k_dense_replace`` is MoE. transformers ignores
    ``moe_layer_freq``; DeepSeek's own code also needs ``i % freq == 0``."""
    freq = r.config.get("moe_layer_freq", 1)
    if freq != 1:
        r.warn("moe_layer_freq", f"{freq} ignored, as transformers does; DeepSeek's remote code would make "
                                 f"only every {freq}th layer MoE")
    first = r.int(key, minimum=0)
    return ["dense" if i < first else "moe" for i in range(r.int("num_hidden_layers"))]


def deepseek_router(r: Reader, reads_norm: bool) -> dict:
    """``scoring_func`` and ``norm_topk_prob`` as transformers applies them;
    a value its router does not read is a warning, like ``moe_layer_freq``.
    ``reads_norm``: DeepseekV2TopkRouter never renormalizes, whatever
    ``norm_topk_prob`` says."""
    scoring, given = r.defaults["scoring_func"], r.str("scoring_func")
    if given != scoring:
        r.warn("scoring_func", f"{given!r} ignored, as transformers does: this model_type's router always "
                               f"scores with {scoring}")
    normalize = r.bool("norm_topk_prob")
    if normalize and not reads_norm:
        r.warn("norm_topk_prob", "true ignored, as transformers does: DeepseekV2TopkRouter never renormalizes "
                                 "(DeepSeek's remote code would)")
        normalize = False
    return common.router(scoring, normalize, common.positive(r, "routed_scaling_factor", required=True))


def deepseek_spec(r: Reader, v3: bool) -> dict:
    """``v3``: DeepSeek-V3 code (and Kimi K2): the multi-token-prediction
    module is counted apart, ``norm_topk_prob`` is read."""
    mlp_bias = r.bool("mlp_bias") if "mlp_bias" in r.defaults else False
    labels = dense_then_moe(r)
    if mlp_bias and "moe" in labels and r.int("n_shared_experts", minimum=0) == 0:
        # DeepseekV2MLP of width 0 still has down_proj's bias: no spec describes that
        r.fail("n_shared_experts", "0 with mlp_bias leaves transformers a zero-width shared expert "
                                   "that keeps its down_proj bias; not supported")
    moe = common.moe(r, labels, "n_routed_experts", deepseek_router(r, reads_norm=v3),
                     expert_intermediate_size=r.int("moe_intermediate_size"),
                     num_shared_experts=r.int("n_shared_experts", minimum=0))
    ffn = common.ffn(r, bias=mlp_bias)
    body = common.decoder(r, attention=mla_attention(r), ffn=ffn, moe=moe)
    modules = r.int("num_nextn_predict_layers", minimum=0) if v3 else 0
    if modules:
        body["mtp"] = {"num_modules": modules}
    return body


def mla_config(spec: ModelSpec, model_type: str, defaults: dict) -> dict:
    att = spec.attention
    config = common.decoder_config(spec, model_type, latent=True)
    config.update(q_lora_rank=att.q_lora_rank, kv_lora_rank=att.kv_lora_rank, qk_nope_head_dim=att.qk_nope_head_dim,
                  qk_rope_head_dim=att.qk_rope_head_dim, v_head_dim=att.v_head_dim, attention_bias=att.qkv_bias,
                  first_k_dense_replace=common.first_dense(spec))
    if spec.moe:
        config.update(n_routed_experts=spec.moe.num_experts, num_experts_per_tok=spec.moe.experts_per_token,
                      moe_intermediate_size=spec.moe.expert_intermediate_size,
                      n_shared_experts=spec.moe.num_shared_experts,
                      scoring_func=defaults["scoring_func"],
                      **common.router_config(spec, scaling_key="routed_scaling_factor"))
    return config


def v3_config(spec: ModelSpec) -> dict:
    return {**mla_config(spec, "deepseek_v3", V3), "num_nextn_predict_layers": spec.mtp.num_modules if spec.mtp else 0}


def v2_config(spec: ModelSpec) -> dict:
    return {**mla_config(spec, "deepseek_v2", V2), "mlp_bias": spec.ffn.bias}


FAMILIES = (
    Family("deepseek_v3", "deepseek", V3, lambda r: deepseek_spec(r, v3=True), v3_config, ignored=IGNORED,
           aliases={"num_mtp_layers": "num_nextn_predict_layers", "num_local_experts": "n_routed_experts"}),
    Family("kimi_k2", "kimi", V3, lambda r: deepseek_spec(r, v3=True), v3_config, ignored=IGNORED,
           aliases={"num_mtp_layers": "num_nextn_predict_layers", "num_local_experts": "n_routed_experts"},
           export_as="deepseek_v3"),
    Family("deepseek_v2", "deepseek", V2, lambda r: deepseek_spec(r, v3=False), v2_config, ignored=IGNORED,
           aliases={"num_experts": "n_routed_experts"}),
)
