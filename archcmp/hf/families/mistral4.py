"""Mistral Small 4 (transformers 5.24 ``Mistral4Config``, ``Mistral4Attention``,
``Mistral4MoE``), usually the ``text_config`` of a ``mistral3`` wrapper.

DeepSeek-V3's block with other routing: MLA (q and kv LoRA ranks, a RoPE part
shared by all heads), the first ``first_k_dense_replace`` layers dense, then
``n_routed_experts`` SwiGLU experts plus shared experts of
``n_shared_experts × moe_intermediate_size``. ``Mistral4TopkRouter`` takes a
softmax over all experts (no correction bias), renormalizes the top-k when
``norm_topk_prob`` and multiplies by ``routed_scaling_factor``.

Its rope dict carries ``llama_4_scaling_beta`` (queries are scaled by
1 + β·log(1 + ⌊position / max_position_embeddings⌋): no count changes) and
``partial_rotary_factor``, which the config class sets to the rope share of
the q/k head and which MLA's explicit rope dims already state.
"""

from __future__ import annotations

from archcmp.hf import common, rope
from archcmp.hf.families import Family
from archcmp.hf.families.deepseek import dense_then_moe, mla_attention, mla_config
from archcmp.hf.reader import Reader
from archcmp.schema import ModelSpec

ROPE_DEFAULT = {"type": "yarn", "rope_theta": 10000.0, "factor": 128.0, "original_max_position_embeddings": 8192,
                "beta_fast": 32.0, "beta_slow": 1.0, "mscale_all_dim": 1.0, "mscale": 1.0,
                "llama_4_scaling_beta": 0.1}
DEFAULTS = {
    **common.DECODER_DEFAULTS, "vocab_size": 131072, "hidden_size": 4096, "intermediate_size": 12288,
    "moe_intermediate_size": 2048, "num_hidden_layers": 36, "num_attention_heads": 32, "num_key_value_heads": 32,
    "n_shared_experts": 1, "n_routed_experts": 128, "routed_scaling_factor": 1.0, "kv_lora_rank": 256,
    "q_lora_rank": 1024, "qk_rope_head_dim": 64, "v_head_dim": 128, "qk_nope_head_dim": 64,
    "num_experts_per_tok": 4, "first_k_dense_replace": 0, "norm_topk_prob": True,
    "max_position_embeddings": 1048576, "attention_bias": False,
}
del DEFAULTS["rope_scaling"]  # read from rope_parameters only (rope_theta: the dict's, else this)
# Router grouping (which experts may be chosen), RoPE's interleaved layout and
# the head dims transformers recomputes from the MLA dims.
IGNORED = frozenset({"n_group", "topk_group", "rope_interleave", "head_dim", "qk_head_dim"})
_QUERY_SCALE_ONLY = ("llama_4_scaling_beta", "max_position_embeddings")


def _positions(r: Reader) -> dict:
    params = dict(r.dict("rope_parameters") or ROPE_DEFAULT)
    for key in _QUERY_SCALE_ONLY:
        params.pop(key, None)
    share = r.int("qk_rope_head_dim") / (r.int("qk_nope_head_dim") + r.int("qk_rope_head_dim"))
    partial = params.pop("partial_rotary_factor", share)
    if partial != share:
        r.fail("rope_parameters", f"partial_rotary_factor {partial} is not the rope share of the q/k head ({share})")
    if "rope_theta" not in params:
        r.fail("rope_parameters", "needs rope_theta")
    return rope.positions_from(r, params, "rope_parameters")


def mistral4_spec(r: Reader) -> dict:
    router = common.router("softmax", r.bool("norm_topk_prob"),
                           common.positive(r, "routed_scaling_factor", required=True))
    moe = common.moe(r, dense_then_moe(r), "n_routed_experts", router,
                     expert_intermediate_size=r.int("moe_intermediate_size"),
                     num_shared_experts=r.int("n_shared_experts", minimum=0))
    return common.decoder(r, attention=mla_attention(r), ffn=common.ffn(r), moe=moe, positions=_positions(r))


def mistral4_config(spec: ModelSpec) -> dict:
    config = mla_config(spec, "mistral4", {"scoring_func": None})
    config.pop("scoring_func", None)
    params = {"rope_type": "default", "rope_theta": config.pop("rope_theta")}
    if "rope_scaling" in config:
        params = {**config.pop("rope_scaling"), "rope_theta": params["rope_theta"]}
    config["rope_parameters"] = params
    return config


FAMILIES = (Family("mistral4", "mistral4", DEFAULTS, mistral4_spec, mistral4_config, ignored=IGNORED,
                   aliases={"num_local_experts": "n_routed_experts"}),)
