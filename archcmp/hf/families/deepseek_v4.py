"""DeepSeek-V4 (``deepseek_v4``; transformers 5.24 ``DeepseekV4Config``,
``DeepseekV4Attention``, ``DeepseekV4SparseMoeBlock``): compressed attention
over one K=V head, mHC hyper-connections, every layer MoE with the first
``num_hash_layers`` routed by a token-id table.

The published configs use the legacy keys ``compress_ratios`` (one per layer
and then one per MTP block: 0 window only, 4 CSA, 128 HCA),
``num_hash_layers`` and ``qk_rope_head_dim``; transformers also reads
``layer_types`` / ``compress_rates`` / ``mlp_layer_types`` /
``partial_rotary_factor``, and both are read here the way
``DeepseekV4Config.__post_init__`` resolves them. ``swiglu_limit`` clamps the
experts' activations and ``hc_eps`` the Sinkhorn steps: no count changes.
"""

from __future__ import annotations

from archcmp.errors import ArchcmpError
from archcmp.hf import common, patterns, rope
from archcmp.hf.families import Family
from archcmp.hf.reader import Reader
from archcmp.schema import CompressedAttention, ModelSpec

DEFAULTS = {
    **common.DECODER_DEFAULTS, "vocab_size": 129280, "hidden_size": 4096, "moe_intermediate_size": 2048,
    "num_hidden_layers": 43, "num_attention_heads": 64, "num_key_value_heads": 1, "head_dim": 512,
    "q_lora_rank": 1024, "num_experts_per_tok": 6, "n_routed_experts": 256, "n_shared_experts": 1,
    "scoring_func": "sqrtsoftplus", "norm_topk_prob": True, "routed_scaling_factor": 1.5,
    "max_position_embeddings": 1048576, "layer_types": None, "compress_rates": None, "compress_ratios": None,
    "compress_rate_csa": None, "compress_rate_hca": None, "compress_rope_theta": 160000.0, "hc_mult": 4,
    "hc_sinkhorn_iters": 20, "mlp_layer_types": None, "num_hash_layers": None, "sliding_window": 128,
    "o_groups": 8, "o_lora_rank": 1024, "index_n_heads": 64, "index_head_dim": 128, "index_topk": 512,
    "num_nextn_predict_layers": 1, "partial_rotary_factor": None, "qk_rope_head_dim": None,
    "attention_bias": False, "mlp_bias": False,
}
IGNORED = frozenset({"swiglu_limit", "hc_eps", "topk_method", "expert_dtype", "n_group", "topk_group"})
TYPES = {"sliding_attention": "sliding", "compressed_sparse_attention": "csa", "heavily_compressed_attention": "hca"}
RATIO_TYPES = {0: "sliding", 4: "csa", 128: "hca"}  # transformers' _COMPRESS_RATIO_TO_LAYER_TYPE
# transformers builds the router score as ACT2FN[scoring_func]: no "softmax" there
SCORING = ("sqrtsoftplus", "sigmoid")


def layer_labels(r: Reader) -> tuple[list[str], str]:
    """Each layer's attention and the MTP block's: ``layer_types``, else the
    legacy ``compress_ratios``, else 2 HCA then HCA/CSA alternating."""
    n = r.int("num_hidden_layers")
    types = r.list("layer_types")
    if types is not None:
        if len(types) != n or any(t not in TYPES for t in types):
            r.fail("layer_types", f"expected {n} of {', '.join(TYPES)}")
        return [TYPES[t] for t in types], "sliding"
    ratios = r.list("compress_ratios")
    if ratios is not None:
        if len(ratios) < n or any(ratio not in RATIO_TYPES for ratio in ratios):
            r.fail("compress_ratios", f"expected at least {n} of 0, 4, 128 (one per layer, then the MTP blocks')")
        labels = [RATIO_TYPES[ratio] for ratio in ratios]
        return labels[:n], labels[n] if len(labels) > n else "sliding"
    return ["hca"] * min(n, 2) + ["csa" if i % 2 else "hca" for i in range(max(n - 2, 0))], "sliding"


def rates(r: Reader) -> tuple[int, int]:
    given = r.dict("compress_rates") or {}
    unknown = sorted(set(given) - {"compressed_sparse_attention", "heavily_compressed_attention"})
    if unknown:
        r.fail("compress_rates", f"unknown layer types {', '.join(unknown)}")
    csa = r.opt_int("compress_rate_csa") or given.get("compressed_sparse_attention", 4)
    hca = r.opt_int("compress_rate_hca") or given.get("heavily_compressed_attention", 128)
    for value in (csa, hca):
        if not isinstance(value, int) or value < 2:
            r.fail("compress_rates", f"a compression rate is an integer of at least 2, found {value!r}")
    return csa, hca


def hash_layers(r: Reader) -> int:
    n = r.int("num_hidden_layers")
    types = r.list("mlp_layer_types", length=n)
    if types is None:
        given = r.opt_int("num_hash_layers", minimum=0)
        return min(n, 3 if given is None else given)
    first = next((i for i, t in enumerate(types) if t != "hash_moe"), n)
    if set(types) - {"hash_moe", "moe"} or "hash_moe" in types[first:]:
        r.fail("mlp_layer_types", "expected hash_moe layers first, then moe")
    return first


def positions_and_rope_dim(r: Reader) -> tuple[dict, int, float | None]:
    """RoPE of the window layers (``rope_theta``, plain), the rope dims of
    each head (``qk_rope_head_dim``, or head_dim × partial_rotary_factor) and
    the compressed layers' base. transformers 5 writes ``rope_parameters``
    as ``{main, compress}``: main the window layers', compress (with the
    YaRN keys) the compressed layers'."""
    nested = r.dict("rope_parameters") or {}
    if {"main", "compress"} <= set(nested):
        main, compress = nested["main"], nested["compress"]
        if not isinstance(main, dict) or not isinstance(compress, dict) or set(nested) - {"main", "compress"}:
            r.fail("rope_parameters", "expected {main: {...}, compress: {...}}")
        section = {"kind": "rope", "rope_theta": rope.theta(r, main, "rope_parameters")}
        scaling = rope.scaling_section(r, compress, "rope_parameters", {})
        if scaling:
            section["rope_scaling"] = scaling
        partial, compress_theta = main.get("partial_rotary_factor"), rope.theta(r, compress, "rope_parameters")
    else:
        section = rope.positions(r)
        partial, compress_theta = section.pop("partial_rotary_factor", None), r.number("compress_rope_theta")
    head_dim = r.int("head_dim")
    rope_dim = r.opt_int("qk_rope_head_dim")
    if rope_dim is None:
        rope_dim = int(head_dim * partial) if partial else head_dim // 8  # default_partial_rotary_factor 64/512
    return section, rope_dim, compress_theta


def shared_experts(r: Reader) -> int:
    """``DeepseekV4SparseMoeBlock`` builds one shared MLP whatever ``n_shared_experts`` says."""
    given = r.int("n_shared_experts", minimum=0)
    if given != 1:
        r.warn("n_shared_experts", f"{given} ignored, as transformers does: DeepSeek-V4 builds one shared expert")
    return 1


def v4_spec(r: Reader) -> dict:
    common.no_bias(r)
    if r.int("num_key_value_heads") != 1:
        r.fail("num_key_value_heads", "DeepSeek-V4 attends over one shared K=V head")
    labels, mtp_label = layer_labels(r)
    csa, hca = rates(r)
    positions, rope_dim, compress_theta = positions_and_rope_dim(r)
    attention = {"kind": "compressed", "num_heads": r.int("num_attention_heads"), "head_dim": r.int("head_dim"),
                 "qk_rope_head_dim": rope_dim, "q_lora_rank": r.int("q_lora_rank"), "o_groups": r.int("o_groups"),
                 "o_lora_rank": r.int("o_lora_rank"), "sliding_window": r.int("sliding_window"),
                 "layer_pattern": patterns.compress(labels), "compress_rope_theta": compress_theta}
    if csa != 4:
        attention["csa_ratio"] = csa
    if hca != 128:
        attention["hca_ratio"] = hca
    if "csa" in labels or mtp_label == "csa":
        attention["indexer"] = {"num_heads": r.int("index_n_heads"), "head_dim": r.int("index_head_dim"),
                                "topk": r.int("index_topk")}
    modules = r.int("num_nextn_predict_layers", minimum=0)
    if modules and mtp_label != "sliding":
        attention["mtp_layer"] = mtp_label
    scoring = r.str("scoring_func")
    if scoring not in SCORING:
        r.fail("scoring_func", f"expected one of {', '.join(SCORING)}")
    router = common.router(scoring, r.bool("norm_topk_prob"), common.positive(r, "routed_scaling_factor", True))
    moe = common.moe(r, ["moe"] * r.int("num_hidden_layers"), "n_routed_experts", router,
                     expert_intermediate_size=r.int("moe_intermediate_size"),
                     num_shared_experts=shared_experts(r), hash_layers=hash_layers(r))
    ffn = common.ffn(r, size_key="moe_intermediate_size", bias=r.bool("mlp_bias"))
    body = common.decoder(r, attention=attention, ffn=ffn, moe=moe, positions=positions)
    body["hyper_connections"] = {"streams": r.int("hc_mult"), "sinkhorn_iterations": r.int("hc_sinkhorn_iters")}
    if modules:
        body["mtp"] = {"num_modules": modules}
    return body


def v4_config(spec: ModelSpec) -> dict:
    att, moe, hc = spec.attention, spec.moe, spec.hyper_connections
    if not isinstance(att, CompressedAttention) or moe is None or hc is None:
        raise ArchcmpError("deepseek_v4 has compressed attention, MoE on every layer and hyper-connections")
    if common.moe_labels(spec) != ["moe"] * spec.num_layers:
        raise ArchcmpError("deepseek_v4 has MoE on every layer")
    labels = patterns.expand(att.layer_pattern, spec.num_layers, "sliding")
    mtp = [att.mtp_layer] * (spec.mtp.num_modules if spec.mtp else 0)
    config = {"model_type": "deepseek_v4", "vocab_size": spec.vocab_size, "hidden_size": spec.hidden_size,
              "num_hidden_layers": spec.num_layers, "num_attention_heads": att.num_heads, "num_key_value_heads": 1,
              "head_dim": att.head_dim, "qk_rope_head_dim": att.qk_rope_head_dim, "q_lora_rank": att.q_lora_rank,
              "o_groups": att.o_groups, "o_lora_rank": att.o_lora_rank, "sliding_window": att.sliding_window,
              "hidden_act": common.hf_activation(spec), "max_position_embeddings": spec.max_context or 1048576,
              "tie_word_embeddings": spec.embeddings.tied_output, "mlp_bias": spec.ffn.bias,
              "moe_intermediate_size": moe.expert_intermediate_size, "n_routed_experts": moe.num_experts,
              "num_experts_per_tok": moe.experts_per_token, "n_shared_experts": moe.num_shared_experts,
              "scoring_func": moe.router_scoring or "sqrtsoftplus", "num_hash_layers": moe.hash_layers,
              "hc_mult": hc.streams, "hc_sinkhorn_iters": hc.sinkhorn_iterations,
              "num_nextn_predict_layers": len(mtp), **common.router_config(spec, scaling_key="routed_scaling_factor"),
              **rope.legacy_keys(spec)}
    if att.compress_rope_theta is not None:
        config["compress_rope_theta"] = att.compress_rope_theta
    if (att.csa_ratio, att.hca_ratio) == (4, 128):  # the published form
        config["compress_ratios"] = [{"sliding": 0, "csa": 4, "hca": 128}[label] for label in labels + mtp]
    else:  # transformers' own: ratios per layer type
        config["layer_types"] = [next(t for t, short in TYPES.items() if short == label) for label in labels]
        config["compress_rates"] = {"compressed_sparse_attention": att.csa_ratio,
                                    "heavily_compressed_attention": att.hca_ratio}
    if att.indexer is not None:
        config.update(index_n_heads=att.indexer.num_heads, index_head_dim=att.indexer.head_dim,
                      index_topk=att.indexer.topk)
    return config


FAMILIES = (Family("deepseek_v4", "deepseek", DEFAULTS, v4_spec, v4_config, ignored=IGNORED,
                   aliases={"num_mtp_layers": "num_nextn_predict_layers", "num_local_experts": "n_routed_experts",
                            "intermediate_size": "moe_intermediate_size"}),)
