"""Llama 4's text model (transformers 5.24 ``Llama4TextConfig.__post_init__``,
``Llama4TextDecoderLayer``)."""

from __future__ import annotations

from archcmp.hf import common, patterns, rope
from archcmp.hf.families import Family
from archcmp.hf.reader import Reader
from archcmp.schema import ModelSpec

DEFAULTS = {**common.DECODER_DEFAULTS, "vocab_size": 202048, "hidden_size": 5120, "intermediate_size": 8192,
            "intermediate_size_mlp": 16384, "num_hidden_layers": 48, "num_attention_heads": 40,
            "num_key_value_heads": 8, "head_dim": 128, "max_position_embeddings": 131072,
            "num_experts_per_tok": 1, "num_local_experts": 16, "moe_layers": None, "interleave_moe_layer_step": 1,
            "use_qk_norm": True, "no_rope_layers": None, "no_rope_layer_interval": 4,
            "attention_chunk_size": 8192, "layer_types": None, "attention_bias": False, "rope_theta": 500000.0}
IGNORED = frozenset({"attn_temperature_tuning", "floor_scale", "attn_scale", "for_llm_compressor"})


def llama4_spec(r: Reader) -> dict:
    """``no_rope_layers`` (1 = RoPE; an empty list means the default) NoPE
    every ``no_rope_layer_interval``-th layer; the RoPE layers attend in
    chunks of ``attention_chunk_size``; ``moe_layers`` (default every
    ``interleave_moe_layer_step``-th) hold a routed and a shared expert of
    ``intermediate_size``, the others a dense MLP of ``intermediate_size_mlp``.
    The L2 q/k norm has no weights. ``Llama4Router`` takes the top-k logits
    and applies a sigmoid to each, without renormalizing."""
    n = r.int("num_hidden_layers")
    interval = r.int("no_rope_layer_interval")
    has_rope = r.list("no_rope_layers", n) or [int((i + 1) % interval != 0) for i in range(n)]
    chunk = r.opt_int("attention_chunk_size")
    types = r.list("layer_types", n) or [
        "chunked_attention" if on and chunk is not None else "full_attention" for on in has_rope]
    labels = ["chunked" if t == "chunked_attention" else "full" for t in types]
    step = r.int("interleave_moe_layer_step")
    explicit = r.list("moe_layers")
    moe_at = set(range(step - 1, n, step) if explicit is None else explicit)
    bias = r.bool("attention_bias")
    attention = common.attention(r, qkv_bias=bias, out_bias=bias, qk_norm="l2" if r.bool("use_qk_norm") else None,
                                 **common.windowed(labels, chunk, label="chunked"))
    positions = rope.positions(r)
    nope = patterns.optional(["rope" if on else "nope" for on in has_rope], "rope")
    if nope is not None:
        positions["nope_pattern"] = nope
    moe = common.moe(r, ["moe" if i in moe_at else "dense" for i in range(n)], "num_local_experts",
                     common.router("sigmoid", False),
                     expert_intermediate_size=r.int("intermediate_size"), num_shared_experts=1)
    ffn = common.ffn(r, size_key="intermediate_size_mlp")
    return common.decoder(r, attention=attention, ffn=ffn, moe=moe, positions=positions)


def llama4_config(spec: ModelSpec) -> dict:
    config = common.decoder_config(spec, "llama4_text")
    nope = patterns.expand(spec.positions.nope_pattern, spec.num_layers, "rope")
    labels = common.moe_labels(spec)
    config.update(intermediate_size_mlp=spec.intermediate_size_at(0), attention_bias=spec.attention.qkv_bias,
                  use_qk_norm=spec.attention.qk_norm == "l2", no_rope_layers=[int(x == "rope") for x in nope],
                  layer_types=common.layer_types(spec), attention_chunk_size=spec.attention.chunk_size,
                  moe_layers=[i for i, label in enumerate(labels) if label == "moe"])
    if spec.moe:
        config.update(num_local_experts=spec.moe.num_experts, num_experts_per_tok=spec.moe.experts_per_token,
                      intermediate_size=spec.moe.expert_intermediate_size)
    return config


FAMILIES = (Family("llama4_text", "llama4", DEFAULTS, llama4_spec, llama4_config, ignored=IGNORED),)
