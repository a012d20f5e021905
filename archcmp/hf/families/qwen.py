"""Qwen2, Qwen3, Qwen2-MoE and Qwen3-MoE (transformers 5.24)."""

from __future__ import annotations

from archcmp.hf import common
from archcmp.hf.families import Family
from archcmp.hf.reader import Reader
from archcmp.schema import ModelSpec

D = common.DECODER_DEFAULTS
QWEN = {**D, "vocab_size": 151936, "intermediate_size": 22016, "num_key_value_heads": 32,
        "max_position_embeddings": 32768, "use_sliding_window": False, "sliding_window": 4096,
        "max_window_layers": 28, "layer_types": None}


def _window(r: Reader) -> int | None:
    """``sliding_window`` counts only with ``use_sliding_window`` (Qwen2-MoE
    stores 0 for "none")."""
    return (r.opt_int("sliding_window", minimum=0) or None) if r.bool("use_sliding_window") else None


def _attention_labels(r: Reader, default) -> tuple[list[str], int | None]:
    """Explicit ``layer_types``, else ``default(i, window)`` per layer."""
    n, window = r.int("num_hidden_layers"), _window(r)
    types = r.list("layer_types", n) or [default(i, window) for i in range(n)]
    return ["sliding" if t == "sliding_attention" else "full" for t in types], window


def _dense_default(r: Reader):
    """``Qwen2Config``/``Qwen3Config``: layers from ``max_window_layers`` on slide."""
    first = r.int("max_window_layers", minimum=0)
    return lambda i, window: "sliding_attention" if window is not None and i >= first else "full_attention"


def qwen2_spec(r: Reader) -> dict:
    """``Qwen2Attention``: q, k and v always carry a bias, o never."""
    labels, window = _attention_labels(r, _dense_default(r))
    attention = common.attention(r, qkv_bias=True, **common.windowed(labels, window))
    return common.decoder(r, attention=attention, ffn=common.ffn(r))


def qwen3_spec(r: Reader) -> dict:
    """``Qwen3Attention``: ``attention_bias`` on q, k, v and o; RMSNorm over
    each head of q and k."""
    labels, window = _attention_labels(r, _dense_default(r))
    bias = r.bool("attention_bias")
    attention = common.attention(r, qkv_bias=bias, out_bias=bias, qk_norm="per_head",
                                 **common.windowed(labels, window))
    return common.decoder(r, attention=attention, ffn=common.ffn(r))


def _sliding_config(spec: ModelSpec) -> dict:
    labels = common.attention_labels(spec)
    window = spec.attention.sliding_window if "sliding" in labels else None
    return {"use_sliding_window": window is not None, "sliding_window": window,
            "max_window_layers": spec.num_layers, "layer_types": common.layer_types(spec)}


def qwen2_config(spec: ModelSpec) -> dict:
    return {**common.decoder_config(spec, "qwen2"), **_sliding_config(spec)}


def qwen3_config(spec: ModelSpec) -> dict:
    return {**common.decoder_config(spec, "qwen3"), **_sliding_config(spec),
            "attention_bias": spec.attention.qkv_bias}


def _router(r: Reader) -> dict:
    """``Qwen2MoeTopKRouter``/``Qwen3MoeTopKRouter``: a softmax over all
    experts; ``norm_topk_prob`` renormalizes the chosen ones."""
    return common.router("softmax", r.bool("norm_topk_prob"))


def _moe_labels(r: Reader, experts_key: str) -> list[str]:
    """``Qwen2MoeDecoderLayer``: MoE unless in ``mlp_only_layers``, when
    there are experts and ``(i + 1) % decoder_sparse_step == 0``."""
    n, step = r.int("num_hidden_layers"), r.int("decoder_sparse_step")
    dense = set(r.list("mlp_only_layers") or [])
    experts = r.int(experts_key, minimum=0)
    return ["moe" if i not in dense and experts > 0 and (i + 1) % step == 0 else "dense" for i in range(n)]


def qwen2_moe_spec(r: Reader) -> dict:
    """Qwen2-MoE: q/k/v bias from ``qkv_bias``; a shared expert of
    ``shared_expert_intermediate_size`` behind a sigmoid gate (h -> 1)."""
    def default(i, window):
        sliding = (i + 1) % 2 and i < r.int("max_window_layers", minimum=0) and window is not None
        return "sliding_attention" if sliding else "full_attention"

    labels, window = _attention_labels(r, default)
    attention = common.attention(r, qkv_bias=r.bool("qkv_bias"), **common.windowed(labels, window))
    shared = r.int("shared_expert_intermediate_size")
    moe = common.moe(r, _moe_labels(r, "num_experts"), "num_experts", _router(r),
                     expert_intermediate_size=r.int("moe_intermediate_size"), num_shared_experts=1,
                     shared_expert_intermediate_size=shared, shared_expert_gate=True)
    return common.decoder(r, attention=attention, ffn=common.ffn(r), moe=moe)


def _moe_config(spec: ModelSpec) -> dict:
    labels = common.moe_labels(spec)
    config = {"decoder_sparse_step": 1, "mlp_only_layers": [i for i, x in enumerate(labels) if x == "dense"]}
    if spec.moe:
        config.update(num_experts=spec.moe.num_experts, num_experts_per_tok=spec.moe.experts_per_token,
                      moe_intermediate_size=spec.moe.expert_intermediate_size, **common.router_config(spec))
    return config


def qwen2_moe_config(spec: ModelSpec) -> dict:
    config = {**common.decoder_config(spec, "qwen2_moe"), **_sliding_config(spec), **_moe_config(spec),
              "qkv_bias": spec.attention.qkv_bias}
    if spec.moe:
        config["shared_expert_intermediate_size"] = spec.moe.shared_width
    return config


def qwen3_moe_spec(r: Reader) -> dict:
    """Qwen3-MoE: ``sliding_window`` (with ``use_sliding_window``) on every
    layer; per-head q/k RMSNorm; no shared expert."""
    n, window = r.int("num_hidden_layers"), _window(r)
    bias = r.bool("attention_bias")
    attention = common.attention(r, qkv_bias=bias, out_bias=bias, qk_norm="per_head",
                                 **common.windowed(["sliding"] * n, window))
    moe = common.moe(r, _moe_labels(r, "num_experts"), "num_experts", _router(r),
                     expert_intermediate_size=r.int("moe_intermediate_size"))
    return common.decoder(r, attention=attention, ffn=common.ffn(r), moe=moe)


def qwen3_moe_config(spec: ModelSpec) -> dict:
    window = spec.attention.sliding_window if "sliding" in common.attention_labels(spec) else None
    return {**common.decoder_config(spec, "qwen3_moe"), **_moe_config(spec),
            "use_sliding_window": window is not None, "sliding_window": window,
            "attention_bias": spec.attention.qkv_bias}


MOE = {"decoder_sparse_step": 1, "mlp_only_layers": None, "num_experts_per_tok": 8, "norm_topk_prob": False}
FAMILIES = (
    Family("qwen2", "qwen2", QWEN, qwen2_spec, qwen2_config),
    Family("qwen3", "qwen3", {**QWEN, "head_dim": 128, "attention_bias": False}, qwen3_spec, qwen3_config),
    Family("qwen2_moe", "qwen2", {**QWEN, **MOE, "hidden_size": 2048, "intermediate_size": 5632,
                                 "num_hidden_layers": 24, "num_attention_heads": 16, "num_key_value_heads": 16,
                                 "moe_intermediate_size": 1408, "shared_expert_intermediate_size": 5632,
                                 "num_experts_per_tok": 4, "num_experts": 60, "qkv_bias": True},
           qwen2_moe_spec, qwen2_moe_config),
    Family("qwen3_moe", "qwen3", {**D, **MOE, "vocab_size": 151936, "hidden_size": 2048, "intermediate_size": 6144,
                                 "num_hidden_layers": 24, "num_attention_heads": 32, "num_key_value_heads": 4,
                                 "max_position_embeddings": 32768, "attention_bias": False,
                                 "use_sliding_window": False, "sliding_window": 4096,
                                 "moe_intermediate_size": 768, "num_experts": 128},
           qwen3_moe_spec, qwen3_moe_config, ignored=frozenset({"max_window_layers"}),
           aliases={"num_local_experts": "num_experts"}),
)
