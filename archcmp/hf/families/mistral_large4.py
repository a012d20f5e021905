"""Mistral Large 4 (``mistral_large4`` wrapping ``mistral_large4_text``;
transformers 5.24 ``MistralLarge4TextConfig``, ``MistralLarge4TextAttention``):
DeepSeek Sparse Attention without a q LoRA rank (queries and indexer
queries from the hidden state, the indexer's through a LayerNorm), learned
per-head query scaling, LeRoPE's learned frequencies, NoPE every
``no_rope_layer_interval``-th layer (whose latent has no RoPE key),
``kv_source_layers`` (a layer may read an earlier layer's latent, keeping
its own indexer), GLM-5.2's IndexCache, softmax routing always renormalized,
a final logit soft-cap."""

from __future__ import annotations

from archcmp.errors import ArchcmpError
from archcmp.hf import common, patterns, rope
from archcmp.hf.families import Family
from archcmp.hf.families.deepseek import IGNORED as DEEPSEEK_IGNORED
from archcmp.hf.families.dsa import indexed_layers, indexer_section, indexer_types, mlp_labels
from archcmp.hf.reader import Reader
from archcmp.schema import ModelSpec

ROPE = {"rope_type": "yarn", "rope_theta": 10000.0, "factor": 2048.0, "original_max_position_embeddings": 512,
        "beta_fast": 32.0, "beta_slow": 1.0, "attention_factor": 1.0}  # MistralLarge4TextConfig.__post_init__
DEFAULTS = {
    **common.DECODER_DEFAULTS, "vocab_size": 204800, "hidden_size": 6144, "intermediate_size": 24576,
    "moe_intermediate_size": 6144, "num_hidden_layers": 72, "num_attention_heads": 64, "num_key_value_heads": 64,
    "n_shared_experts": 1, "n_routed_experts": 128, "routed_scaling_factor": 1.0, "kv_lora_rank": 512,
    "qk_rope_head_dim": 64, "v_head_dim": 128, "qk_nope_head_dim": 64, "num_experts_per_tok": 4,
    "max_position_embeddings": 1048576, "mlp_layer_types": None, "attention_bias": False, "index_topk": 2048,
    "index_head_dim": 128, "index_n_heads": 32, "head_dim": 64, "first_k_dense_replace": 1, "layer_types": None,
    "indexer_types": None, "index_topk_pattern": None, "index_topk_freq": 1, "index_skip_topk_offset": 2,
    "no_rope_layers": None, "no_rope_layer_interval": 4, "kv_source_layers": None,
    "final_logit_softcapping": 30.0,
}
IGNORED = DEEPSEEK_IGNORED | {"indexer_rope_interleave"}


def sources(r: Reader, n: int) -> dict[int, int] | None:
    given = r.list("kv_source_layers", length=n)
    if given is None:
        return None
    for i, source in enumerate(given):
        if not isinstance(source, int) or not 0 <= source <= i or given[source] != source:
            r.fail("kv_source_layers", f"layer {i} must read itself or an earlier layer that owns its cache")
    shared = {i: source for i, source in enumerate(given) if source != i}
    return shared or None


def large4_spec(r: Reader) -> dict:
    indexed_layers(r)
    n = r.int("num_hidden_layers")
    has_rope = r.list("no_rope_layers", n) or [int((i + 1) % r.int("no_rope_layer_interval") != 0) for i in range(n)]
    params = r.dict("rope_parameters") or r.dict("rope_scaling") or ROPE
    key = "rope_scaling" if r.given("rope_scaling") else "rope_parameters"
    positions = rope.positions_from(r, dict(params), key)
    nope = patterns.optional(["rope" if on else "nope" for on in has_rope], "rope")
    if nope is not None:
        positions["nope_pattern"] = nope
    positions["learned_frequencies"] = True
    bias = r.bool("attention_bias")
    attention = {"kind": "mla", "num_heads": r.int("num_attention_heads"), "kv_lora_rank": r.int("kv_lora_rank"),
                 "qk_nope_head_dim": r.int("qk_nope_head_dim"), "qk_rope_head_dim": r.int("qk_rope_head_dim"),
                 "v_head_dim": r.int("v_head_dim"), "qkv_bias": bias, "out_bias": bias,
                 "indexer": indexer_section(r, indexer_types(r)), "learned_query_scale": True}
    if nope is not None:
        attention["nope_without_rope_key"] = True
    router = common.router("softmax", True, common.positive(r, "routed_scaling_factor", required=True))
    moe = common.moe(r, mlp_labels(r), "n_routed_experts", router,
                     expert_intermediate_size=r.int("moe_intermediate_size"),
                     num_shared_experts=r.int("n_shared_experts", minimum=0))
    body = common.decoder(r, attention={k: v for k, v in attention.items() if v is not False}, ffn=common.ffn(r),
                          moe=moe, positions=positions)
    body["final_logit_softcapping"] = common.positive(r, "final_logit_softcapping")
    shared = sources(r, n)
    if shared:
        body["kv_sharing"] = {"source_layers": shared}
    return {k: v for k, v in body.items() if v is not None}


def large4_config(spec: ModelSpec) -> dict:
    att = spec.attention
    if getattr(att, "indexer", None) is None or getattr(att, "q_lora_rank", 0) is not None:
        raise ArchcmpError("mistral_large4_text has latent attention without a q LoRA rank and a lightning indexer")
    config = common.decoder_config(spec, "mistral_large4_text", latent=True)
    nope = patterns.expand(spec.positions.nope_pattern, spec.num_layers, "rope")
    sources_ = list(range(spec.num_layers))
    for layer, source in ((spec.kv_sharing and spec.kv_sharing.source_layers) or {}).items():
        sources_[layer] = source
    config.pop("rope_scaling", None)
    config.pop("rope_theta", None)
    config["rope_parameters"] = {"rope_theta": spec.positions.rope_theta,
                                 **(rope.scaling_dict(spec.positions.rope_scaling) if spec.positions.rope_scaling
                                    else {"rope_type": "default"})}
    config.update(kv_lora_rank=att.kv_lora_rank, qk_nope_head_dim=att.qk_nope_head_dim,
                  qk_rope_head_dim=att.qk_rope_head_dim, v_head_dim=att.v_head_dim, attention_bias=att.qkv_bias,
                  index_n_heads=att.indexer.num_heads, index_head_dim=att.indexer.head_dim,
                  index_topk=att.indexer.topk, no_rope_layers=[int(label == "rope") for label in nope],
                  kv_source_layers=sources_, final_logit_softcapping=spec.final_logit_softcapping,
                  indexer_types=patterns.expand(att.indexer.layer_pattern, spec.num_layers, "full"),
                  mlp_layer_types=["sparse" if label == "moe" else "dense" for label in common.moe_labels(spec)])
    if spec.moe:
        config.update(n_routed_experts=spec.moe.num_experts, num_experts_per_tok=spec.moe.experts_per_token,
                      moe_intermediate_size=spec.moe.expert_intermediate_size,
                      n_shared_experts=spec.moe.num_shared_experts,
                      **common.router_config(spec, normalize_key=None, scaling_key="routed_scaling_factor"))
    return config


FAMILIES = (Family("mistral_large4_text", "mistral", DEFAULTS, large4_spec, large4_config, ignored=IGNORED,
                   aliases={"num_local_experts": "n_routed_experts"}),)
