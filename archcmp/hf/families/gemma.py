"""Gemma, Gemma 2 and Gemma 3 text models (transformers 5.24).

All scale the embeddings by sqrt(hidden_size) (a buffer, not a parameter)
and tie the output head by default. Gemma 2 and 3 put an RMSNorm before and
after each sublayer (four per block); Gemma 3 adds per-head q/k RMSNorm.
Gemma 2 and 3 scale attention scores by ``query_pre_attn_scalar**-0.5`` and
soft-cap them (``attn_logit_softcapping``) and the output logits
(``final_logit_softcapping``); Gemma (1) reads none of these keys.
"""

from __future__ import annotations

from archcmp.hf import common, rope
from archcmp.hf.families import Family
from archcmp.hf.reader import Reader
from archcmp.schema import ModelSpec

GEMMA = {**common.DECODER_DEFAULTS, "vocab_size": 256000, "hidden_size": 3072, "intermediate_size": 24576,
         "num_hidden_layers": 28, "num_attention_heads": 16, "num_key_value_heads": 16, "head_dim": 256,
         "hidden_act": "gelu_pytorch_tanh", "max_position_embeddings": 8192, "tie_word_embeddings": True,
         "attention_bias": False, "use_bidirectional_attention": None}
GEMMA2 = {**GEMMA, "hidden_size": 2304, "intermediate_size": 9216, "num_hidden_layers": 26,
          "num_attention_heads": 8, "num_key_value_heads": 4, "hidden_activation": "gelu_pytorch_tanh",
          "sliding_window": 4096, "layer_types": None, "attn_logit_softcapping": 50.0,
          "final_logit_softcapping": 30.0, "query_pre_attn_scalar": 256}
del GEMMA2["hidden_act"]
GEMMA3 = {**GEMMA2, "vocab_size": 262208, "max_position_embeddings": 131072, "attn_logit_softcapping": None,
          "final_logit_softcapping": None, "use_bidirectional_attention": False, "sliding_window_pattern": 6,
          "rope_theta": 1e6, "rope_local_base_freq": 1e4}
# ``sliding_window_size`` is a duplicate some Gemma 2 hub files carry; unread.
IGNORED = frozenset({"sliding_window_size"})


def _causal(r: Reader) -> None:
    if r.bool("use_bidirectional_attention"):
        r.fail("use_bidirectional_attention", "bidirectional (embedding) Gemma is not a causal LM; not supported")


def _gemma_attention(r: Reader, labels: list[str], **extras) -> dict:
    """``query_pre_attn_scalar`` is recorded only where it is not head_dim
    (Gemma 3 27B: 168 with head_dim 128)."""
    bias = r.bool("attention_bias")
    scale_dim = r.int("query_pre_attn_scalar")
    section = common.attention(r, qkv_bias=bias, out_bias=bias,
                               logit_softcapping=common.positive(r, "attn_logit_softcapping"),
                               **common.windowed(labels, r.opt_int("sliding_window")), **extras)
    if scale_dim != section["head_dim"]:
        section["query_scale_dim"] = scale_dim
    return section


def _sandwich(r: Reader, **parts) -> dict:
    """A Gemma 2/3 body: sandwich norms, scaled embeddings, soft-capped logits."""
    return with_final_cap(r, common.decoder(r, norm="sandwich", scaled=True, **parts))


def with_final_cap(r: Reader, body: dict, required: bool = False) -> dict:
    cap = common.positive(r, "final_logit_softcapping", required)
    return body if cap is None else {**body, "final_logit_softcapping": cap}


def gemma_spec(r: Reader) -> dict:
    """``GemmaConfig.__post_init__`` reads the legacy ``hidden_act: gelu``
    as the tanh approximation."""
    _causal(r)
    ffn = common.ffn(r, legacy={"gelu": "gelu_pytorch_tanh"})
    bias = r.bool("attention_bias")
    return common.decoder(r, attention=common.attention(r, qkv_bias=bias, out_bias=bias), ffn=ffn, scaled=True)


def _labels(r: Reader, default) -> list[str]:
    n = r.int("num_hidden_layers")
    types = r.list("layer_types", n) or [default(i) for i in range(n)]
    return ["sliding" if t == "sliding_attention" else "full" for t in types]


def gemma2_spec(r: Reader) -> dict:
    """``Gemma2Config``: even layers (0, 2, ...) slide unless ``layer_types`` say."""
    _causal(r)
    labels = _labels(r, lambda i: "sliding_attention" if (i + 1) % 2 else "full_attention")
    attention = _gemma_attention(r, labels)
    return _sandwich(r, attention=attention, ffn=common.ffn(r, act_key="hidden_activation"))


def gemma3_rope(r: Reader, has_sliding: bool) -> dict:
    """``Gemma3TextConfig.convert_rope_params_to_dict``: one rope dict per
    layer type; legacy ``rope_scaling`` and ``rope_theta`` go to full
    attention, ``rope_local_base_freq`` to sliding attention."""
    main, local = rope.split(r, r.dict("rope_parameters") or {"full_attention": {}})
    if local is None:
        r.fail("rope_parameters", "expected one dict per layer type (full_attention, sliding_attention)")
    main.update(r.dict("rope_scaling") or {})
    main.setdefault("rope_theta", r.raw("rope_theta"))
    local.setdefault("rope_theta", r.raw("rope_local_base_freq"))
    if rope.scaling_section(r, local, "rope_parameters", {}):
        r.fail("rope_parameters", "RoPE scaling on sliding layers is not supported")
    local_theta = rope.theta(r, local, "rope_local_base_freq") if has_sliding else None
    return rope.positions_from(r, main, "rope_parameters", local_theta=local_theta)


def gemma3_spec(r: Reader) -> dict:
    """``Gemma3TextConfig``: every ``sliding_window_pattern``-th layer is
    global unless ``layer_types`` say; q_norm and k_norm of ``head_dim``."""
    _causal(r)
    every = r.int("sliding_window_pattern")
    labels = _labels(r, lambda i: "sliding_attention" if (i + 1) % every else "full_attention")
    attention = _gemma_attention(r, labels, qk_norm="per_head")
    positions = gemma3_rope(r, attention.get("sliding_window") is not None)
    return _sandwich(r, attention=attention, ffn=common.ffn(r, act_key="hidden_activation"), positions=positions)


def gemma_config(spec: ModelSpec) -> dict:
    return {**common.decoder_config(spec, "gemma"), "attention_bias": spec.attention.qkv_bias}


def _sandwich_config(spec: ModelSpec, model_type: str) -> dict:
    config = common.decoder_config(spec, model_type)
    config["hidden_activation"] = config.pop("hidden_act")
    labels = common.attention_labels(spec)
    att = spec.attention
    config.update(attention_bias=att.qkv_bias, layer_types=common.layer_types(spec),
                  sliding_window=att.sliding_window if "sliding" in labels else None,
                  attn_logit_softcapping=att.logit_softcapping,
                  query_pre_attn_scalar=att.query_scale_dim or att.head_dim,
                  final_logit_softcapping=spec.final_logit_softcapping)
    return config


def gemma2_config(spec: ModelSpec) -> dict:
    return _sandwich_config(spec, "gemma2")


def gemma3_config(spec: ModelSpec) -> dict:
    config = _sandwich_config(spec, "gemma3_text")
    if spec.positions.rope_local_theta is not None:
        config["rope_local_base_freq"] = spec.positions.rope_local_theta
    return config


FAMILIES = (
    Family("gemma", "gemma", GEMMA, gemma_spec, gemma_config, ignored=frozenset({"hidden_activation"})),
    Family("gemma2", "gemma2", GEMMA2, gemma2_spec, gemma2_config, ignored=IGNORED | {"hidden_act"}),
    # transformers 5 saves the resolved layer_types and this private copy of the pattern
    Family("gemma3_text", "gemma3", GEMMA3, gemma3_spec, gemma3_config,
           ignored=IGNORED | {"hidden_act", "_sliding_window_pattern"}),
)
