"""Llama, Mistral, Mixtral, OLMo 2, SmolLM3 and Phi-3 (transformers 5.24
``configuration_*.py`` / ``modeling_*.py`` of each)."""

from __future__ import annotations

from archcmp.hf import common, patterns, rope
from archcmp.hf.families import Family
from archcmp.hf.reader import Reader
from archcmp.schema import ModelSpec

D = common.DECODER_DEFAULTS


def llama_spec(r: Reader) -> dict:
    """``LlamaAttention``: ``attention_bias`` on q, k, v and o; ``mlp_bias``
    on gate, up and down."""
    bias = r.bool("attention_bias")
    return common.decoder(r, attention=common.attention(r, qkv_bias=bias, out_bias=bias),
                          ffn=common.ffn(r, bias=r.bool("mlp_bias")))


def llama_config(spec: ModelSpec) -> dict:
    return {**common.decoder_config(spec, "llama"), "attention_bias": spec.attention.qkv_bias,
            "mlp_bias": spec.ffn.bias}


def mistral_spec(r: Reader) -> dict:
    """Mistral and Mixtral: ``sliding_window`` applies to every layer
    (``MistralAttention`` passes it unconditionally)."""
    common.no_bias(r)
    if r.given("layer_types"):
        r.warn("layer_types", "MistralConfig ignores layer_types (model_type ministral reads them)")
    window = common.windowed(["sliding"] * r.int("num_hidden_layers"), r.opt_int("sliding_window"))
    return common.decoder(r, attention=common.attention(r, **window), ffn=common.ffn(r))


def uniform_window(spec: ModelSpec) -> int | None:
    """The window of a model whose layers all slide (``None`` if none do)."""
    return spec.attention.sliding_window if "sliding" in common.attention_labels(spec) else None


def mistral_config(spec: ModelSpec) -> dict:
    return {**common.decoder_config(spec, "mistral"), "sliding_window": uniform_window(spec)}


def mixtral_spec(r: Reader) -> dict:
    """``MixtralSparseMoeBlock`` in every layer: a bias-free router and
    ``num_local_experts`` SwiGLU experts of ``intermediate_size``;
    ``MixtralTopKRouter`` always renormalizes its softmax over the chosen
    experts (Mixtral configs have no ``norm_topk_prob``)."""
    body = mistral_spec(r)
    labels = ["moe"] * body["num_layers"]
    body["moe"] = common.moe(r, labels, "num_local_experts", common.router("softmax", True),
                             expert_intermediate_size=r.int("intermediate_size"))
    return body


def mixtral_config(spec: ModelSpec) -> dict:
    config = {**common.decoder_config(spec, "mixtral"), "sliding_window": uniform_window(spec)}
    if spec.moe:
        config.update(num_local_experts=spec.moe.num_experts, num_experts_per_tok=spec.moe.experts_per_token,
                      intermediate_size=spec.moe.expert_intermediate_size)
    return config


def olmo2_spec(r: Reader) -> dict:
    """``Olmo2Attention``: q_norm/k_norm over all heads (full width); norms
    after each sublayer (``post_attention_layernorm``, ``post_feedforward_layernorm``)."""
    bias = r.bool("attention_bias")
    attention = common.attention(r, qkv_bias=bias, out_bias=bias, qk_norm="full")
    return common.decoder(r, attention=attention, ffn=common.ffn(r), norm="post")


def olmo2_config(spec: ModelSpec) -> dict:
    return {**common.decoder_config(spec, "olmo2"), "attention_bias": spec.attention.qkv_bias}


def smollm3_spec(r: Reader) -> dict:
    """``SmolLM3Config.__post_init__``: ``no_rope_layers`` (1 = RoPE) every
    ``no_rope_layer_interval``-th layer NoPE; a layer slides only with
    ``use_sliding_window`` and a ``sliding_attention`` layer type."""
    n = r.int("num_hidden_layers")
    interval = r.int("no_rope_layer_interval")
    has_rope = r.list("no_rope_layers", n) or [int((i + 1) % interval != 0) for i in range(n)]
    window = r.opt_int("sliding_window") if r.bool("use_sliding_window") else None
    types = r.list("layer_types", n) or [
        "sliding_attention" if window and not rope_on else "full_attention" for rope_on in has_rope]
    labels = ["sliding" if t == "sliding_attention" else "full" for t in types]
    positions = rope.positions(r)
    nope = patterns.optional(["rope" if on else "nope" for on in has_rope], "rope")
    if nope is not None:
        positions["nope_pattern"] = nope
    bias = r.bool("attention_bias")
    attention = common.attention(r, qkv_bias=bias, out_bias=bias, **common.windowed(labels, window))
    return common.decoder(r, attention=attention, ffn=common.ffn(r, bias=r.bool("mlp_bias")),
                          positions=positions)


def smollm3_config(spec: ModelSpec) -> dict:
    nope = patterns.expand(spec.positions.nope_pattern, spec.num_layers, "rope")
    window = uniform_window(spec)
    return {**common.decoder_config(spec, "smollm3"), "attention_bias": spec.attention.qkv_bias,
            "mlp_bias": spec.ffn.bias, "no_rope_layers": [int(label == "rope") for label in nope],
            "use_sliding_window": window is not None, "sliding_window": window,
            "layer_types": common.layer_types(spec)}


def phi3_spec(r: Reader) -> dict:
    """``Phi3Attention``: one fused ``qkv_proj`` and ``gate_up_proj`` (the
    same sizes as separate projections); ``sliding_window`` on every layer;
    legacy ``su``/``yarn`` rope types are ``longrope``."""
    common.no_bias(r)
    window = common.windowed(["sliding"] * r.int("num_hidden_layers"), r.opt_int("sliding_window"))
    positions = rope.positions(r, rename={"su": "longrope", "yarn": "longrope"})
    return common.decoder(r, attention=common.attention(r, **window), ffn=common.ffn(r), positions=positions)


def phi3_config(spec: ModelSpec) -> dict:
    return {**common.decoder_config(spec, "phi3"), "sliding_window": uniform_window(spec)}


FAMILIES = (
    Family("llama", "llama", {**D, "attention_bias": False, "mlp_bias": False}, llama_spec, llama_config),
    Family("mistral", "mistral", {**D, "intermediate_size": 14336, "num_key_value_heads": 8,
                                  "max_position_embeddings": 131072, "sliding_window": 4096,
                                  "layer_types": None, "attention_bias": False}, mistral_spec, mistral_config),
    Family("mixtral", "mixtral", {**D, "intermediate_size": 14336, "num_key_value_heads": 8,
                                  "max_position_embeddings": 131072, "rope_theta": 1e6, "sliding_window": None,
                                  "layer_types": None, "num_local_experts": 8, "num_experts_per_tok": 2,
                                  "attention_bias": False},
           mixtral_spec, mixtral_config, aliases={"num_experts": "num_local_experts"}),
    Family("olmo2", "olmo2", {**D, "vocab_size": 50304, "attention_bias": False}, olmo2_spec, olmo2_config),
    Family("smollm3", "smollm3", {**D, "vocab_size": 128256, "hidden_size": 2048, "num_hidden_layers": 36,
                                 "num_attention_heads": 16, "num_key_value_heads": 4,
                                 "max_position_embeddings": 32768, "rope_theta": 2e6, "tie_word_embeddings": True,
                                 "use_sliding_window": False, "sliding_window": None, "no_rope_layers": None,
                                 "no_rope_layer_interval": 4, "layer_types": None, "attention_bias": False,
                                 "mlp_bias": False}, smollm3_spec, smollm3_config,
           ignored=frozenset({"max_window_layers"})),
    Family("phi3", "phi3", {**D, "vocab_size": 32064, "hidden_size": 3072, "intermediate_size": 8192,
                           "max_position_embeddings": 4096, "original_max_position_embeddings": 4096,
                           "partial_rotary_factor": 1.0, "sliding_window": None, "attention_bias": False},
           phi3_spec, phi3_config,
           ignored=frozenset({"resid_pdrop", "embd_pdrop"})),
)
