"""Olmo 3 (transformers 5.24 ``Olmo3Config``, ``Olmo3Attention``,
``Olmo3DecoderLayer``): OLMo 2's block (q/k RMSNorm over all heads, a norm
after each sublayer inside the residual) with sliding-window layers, by
default 3 sliding : 1 full. One rope dict per layer type: ``rope_scaling``
(YaRN in Olmo 3.1 32B) applies to the full layers only, and sliding layers
use plain RoPE at the same base (``convert_rope_params_to_dict``)."""

from __future__ import annotations

from archcmp.hf import common, rope
from archcmp.hf.families import Family
from archcmp.hf.reader import Reader
from archcmp.schema import ModelSpec

DEFAULTS = {**common.DECODER_DEFAULTS, "vocab_size": 50304, "rope_theta": 500000.0, "attention_bias": False,
            "sliding_window": 4096, "layer_types": None}


def _labels(r: Reader) -> list[str]:
    n = r.int("num_hidden_layers")
    types = r.list("layer_types", n) or ["full_attention" if (i + 1) % 4 == 0 else "sliding_attention"
                                         for i in range(n)]
    unknown = sorted(set(types) - {"full_attention", "sliding_attention"})
    if unknown:
        r.fail("layer_types", f"unknown layer types {', '.join(unknown)}")
    return ["sliding" if t == "sliding_attention" else "full" for t in types]


def _positions(r: Reader, has_sliding: bool) -> dict:
    """Either form: legacy ``rope_scaling`` + ``rope_theta`` (for the full
    layers), or ``rope_parameters`` with one dict per layer type."""
    params = r.dict("rope_scaling") or r.dict("rope_parameters") or {}
    key = "rope_scaling" if r.given("rope_scaling") else "rope_parameters"
    main, local = rope.split(r, params)
    local = local if local is not None else {"rope_theta": main.get("rope_theta", r.raw("rope_theta"))}
    if rope.scaling_section(r, local, key, {}) or local.get("partial_rotary_factor", 1) != 1:
        r.fail(key, "RoPE scaling or partial RoPE on sliding layers is not supported")
    section = rope.positions_from(r, main, key)
    if has_sliding and (section.get("rope_scaling") or rope.theta(r, local, key) != section["rope_theta"]):
        section["rope_local_theta"] = rope.theta(r, local, key)
    return section


def olmo3_spec(r: Reader) -> dict:
    bias = r.bool("attention_bias")
    attention = common.attention(r, qkv_bias=bias, out_bias=bias, qk_norm="full",
                                 **common.windowed(_labels(r), r.opt_int("sliding_window")))
    positions = _positions(r, attention.get("sliding_window") is not None)
    return common.decoder(r, attention=attention, ffn=common.ffn(r), norm="post", positions=positions)


def olmo3_config(spec: ModelSpec) -> dict:
    """Legacy keys when the sliding layers share the full layers' base (the
    published form); one rope dict per layer type otherwise."""
    att, pos = spec.attention, spec.positions
    config = common.decoder_config(spec, "olmo3")
    labels = common.attention_labels(spec)
    config.update(attention_bias=att.qkv_bias, layer_types=common.layer_types(spec),
                  sliding_window=att.sliding_window if "sliding" in labels else None)
    if pos.rope_local_theta not in (None, pos.rope_theta):
        full = {"rope_type": "default", "rope_theta": pos.rope_theta}
        if pos.rope_scaling is not None:
            full = {**rope.scaling_dict(pos.rope_scaling), "rope_theta": pos.rope_theta}
        config["rope_parameters"] = {"full_attention": full,
                                     "sliding_attention": {"rope_type": "default", "rope_theta": pos.rope_local_theta}}
        config.pop("rope_theta")
        config.pop("rope_scaling", None)
    return config


FAMILIES = (Family("olmo3", "olmo3", DEFAULTS, olmo3_spec, olmo3_config),)
