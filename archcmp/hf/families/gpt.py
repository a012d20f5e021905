"""GPT-2 and gpt-oss (transformers 5.24 ``GPT2Config``/``GPT2Block``,
``GptOssConfig``/``GptOssDecoderLayer``)."""

from __future__ import annotations

from archcmp.hf import common, rope
from archcmp.hf.families import Family
from archcmp.hf.reader import Reader
from archcmp.schema import ModelSpec

GPT2 = {"vocab_size": 50257, "n_positions": 1024, "n_embd": 768, "n_layer": 12, "n_head": 12, "n_inner": None,
        "activation_function": "gelu_new", "tie_word_embeddings": True, "add_cross_attention": False}
GPT2_IGNORED = frozenset({
    "resid_pdrop", "embd_pdrop", "attn_pdrop", "layer_norm_epsilon", "summary_type", "summary_use_proj",
    "summary_activation", "summary_proj_to_labels", "summary_first_dropout", "scale_attn_weights",
    "scale_attn_by_inverse_layer_idx", "reorder_and_upcast_attn", "n_ctx", "gradient_checkpointing"})


def gpt2_spec(r: Reader) -> dict:
    """Conv1D projections with biases (c_attn: h -> 3h, c_proj, c_fc: h ->
    n_inner (default 4h), mlp.c_proj), LayerNorm with bias before each
    sublayer and at the end, a learned position table of ``n_positions``."""
    if r.bool("add_cross_attention"):
        r.fail("add_cross_attention", "cross-attention blocks (encoder-decoder GPT-2) are not supported")
    hidden, heads, positions = r.int("n_embd"), r.int("n_head"), r.int("n_positions")
    return {
        "vocab_size": r.int("vocab_size"), "hidden_size": hidden, "num_layers": r.int("n_layer"),
        "max_context": positions,
        "embeddings": {"tied_output": r.bool("tie_word_embeddings"), "learned_positions": positions},
        "positions": {"kind": "learned"},
        "attention": {"kind": common.kind(heads, heads), "num_heads": heads, "num_kv_heads": heads,
                      "head_dim": hidden // heads, "qkv_bias": True, "out_bias": True},
        "norm": {"kind": "layernorm", "placement": "pre", "bias": True},
        "ffn": {"gated": False, "activation": common.activation(r, "activation_function"),
                "intermediate_size": r.opt_int("n_inner") or 4 * hidden, "bias": True},
    }


def gpt2_config(spec: ModelSpec) -> dict:
    act = "gelu_new" if spec.ffn.activation == "gelu_tanh" else common.hf_activation(spec)
    return {"model_type": "gpt2", "vocab_size": spec.vocab_size, "n_embd": spec.hidden_size,
            "n_layer": spec.num_layers, "n_head": spec.attention.num_heads,
            "n_positions": spec.embeddings.learned_positions or spec.max_context,
            "n_inner": spec.intermediate_size_at(0), "activation_function": act,
            "tie_word_embeddings": spec.embeddings.tied_output}


GPT_OSS = {**common.DECODER_DEFAULTS, "num_hidden_layers": 36, "num_local_experts": 128, "vocab_size": 201088,
           "hidden_size": 2880, "intermediate_size": 2880, "head_dim": 64, "num_attention_heads": 64,
           "num_key_value_heads": 8, "sliding_window": 128, "max_position_embeddings": 131072,
           "num_experts_per_tok": 4, "layer_types": None, "attention_bias": True, "rope_theta": 150000.0,
           "rope_parameters": {"rope_type": "yarn", "factor": 32.0, "beta_fast": 32.0, "beta_slow": 1.0,
                               "truncate": False, "original_max_position_embeddings": 4096}}
del GPT_OSS["hidden_act"]


def gpt_oss_spec(r: Reader) -> dict:
    """Attention sinks (one per head); ``attention_bias`` on q, k, v and o;
    even layers slide unless ``layer_types`` say; every layer MoE: a router
    with bias and experts with biases on gate_up and down, a clamped SwiGLU
    (``hidden_act`` is not read). ``GptOssTopKRouter`` takes a softmax over
    the top-k logits: a softmax over all experts, renormalized."""
    n = r.int("num_hidden_layers")
    types = r.list("layer_types", n) or [
        "sliding_attention" if (i + 1) % 2 else "full_attention" for i in range(n)]
    labels = ["sliding" if t == "sliding_attention" else "full" for t in types]
    bias = r.bool("attention_bias")
    attention = common.attention(r, qkv_bias=bias, out_bias=bias, sinks=True,
                                 **common.windowed(labels, r.opt_int("sliding_window")))
    size = r.int("intermediate_size")
    moe = common.moe(r, ["moe"] * n, "num_local_experts", common.router("softmax", True),
                     expert_intermediate_size=size,
                     router_bias=True, expert_bias=True)
    ffn = {"gated": True, "activation": "swiglu_clamped", "intermediate_size": size}
    return common.decoder(r, attention=attention, ffn=ffn, moe=moe, positions=rope.positions(r))


def gpt_oss_config(spec: ModelSpec) -> dict:
    config = common.decoder_config(spec, "gpt_oss")
    del config["hidden_act"]
    labels = common.attention_labels(spec)
    config.update(attention_bias=spec.attention.qkv_bias, layer_types=common.layer_types(spec),
                  sliding_window=spec.attention.sliding_window if "sliding" in labels else None)
    if spec.moe:
        config.update(num_local_experts=spec.moe.num_experts, num_experts_per_tok=spec.moe.experts_per_token,
                      intermediate_size=spec.moe.expert_intermediate_size)
    if spec.positions.rope_scaling is None:  # else the class default (YaRN x32) would apply
        config["rope_scaling"] = {"rope_type": "default"}
    return config


FAMILIES = (
    Family("gpt2", "gpt2", GPT2, gpt2_spec, gpt2_config, ignored=GPT2_IGNORED,
           aliases={"hidden_size": "n_embd", "max_position_embeddings": "n_positions",
                    "num_attention_heads": "n_head", "num_hidden_layers": "n_layer"}),
    Family("gpt_oss", "gpt-oss", GPT_OSS, gpt_oss_spec, gpt_oss_config,
           # OpenAI's own names in the hub config; transformers reads num_experts_per_tok
           ignored=frozenset({"swiglu_alpha", "swiglu_limit", "hidden_act", "experts_per_token",
                              "initial_context_length"}),
           aliases={"num_experts": "num_local_experts"}),
)
