"""Qwen3-Next and Qwen3.5 (dense and MoE): Gated DeltaNet layers with gated
softmax attention every ``full_attention_interval``-th layer (transformers
5.24 ``Qwen3NextConfig``, ``Qwen3_5TextConfig``, ``Qwen3_5MoeTextConfig``).

Qwen3.5's hub configs also carry keys its transformers classes do not read
but vLLM does: ``attn_output_gate`` (transformers always gates),
``mamba_ssm_dtype`` (the recurrent state's dtype in vLLM) and
``mtp_num_hidden_layers`` (the MTP layers transformers skips). They are
read, and a value transformers would silently contradict is refused.
"""

from __future__ import annotations

from archcmp.hf import common, patterns, rope
from archcmp.hf.families import Family
from archcmp.hf.families.qwen import _moe_labels
from archcmp.hf.reader import Reader
from archcmp.schema import ModelSpec

LINEAR = {"linear_conv_kernel_dim": 4, "linear_key_head_dim": 128, "linear_value_head_dim": 128,
          "linear_num_key_heads": 16, "linear_num_value_heads": 32, "layer_types": None, "full_attention_interval": 4,
          "partial_rotary_factor": 0.25, "head_dim": 256, "attention_bias": False}
TEXT = {**common.DECODER_DEFAULTS, **LINEAR, "vocab_size": 248320, "hidden_size": 4096, "intermediate_size": 12288,
        "num_hidden_layers": 32, "num_attention_heads": 16, "num_key_value_heads": 4,
        "max_position_embeddings": 32768, "attn_output_gate": True, "mamba_ssm_dtype": None,
        "mtp_num_hidden_layers": 0, "mtp_use_dedicated_embeddings": False}
MOE_TEXT = {**TEXT, "hidden_size": 2048, "num_hidden_layers": 40, "num_key_value_heads": 2,
            "moe_intermediate_size": 512, "shared_expert_intermediate_size": 512, "num_experts_per_tok": 8,
            "num_experts": 256, "mlp_only_layers": [], "intermediate_size": None}
NEXT = {**common.DECODER_DEFAULTS, **LINEAR, "vocab_size": 151936, "hidden_size": 2048, "intermediate_size": 5632,
        "num_hidden_layers": 48, "num_attention_heads": 16, "num_key_value_heads": 2,
        "max_position_embeddings": 32768, "decoder_sparse_step": 1, "moe_intermediate_size": 512,
        "shared_expert_intermediate_size": 512, "num_experts_per_tok": 10, "num_experts": 512,
        "norm_topk_prob": True, "mlp_only_layers": None}
# torch dtype names -> spec dtypes (``mamba_ssm_dtype``)
STATE_DTYPES = {"float32": "fp32", "bfloat16": "bf16", "float16": "fp16"}
HF_STATE_DTYPES = {v: k for k, v in STATE_DTYPES.items()}
# M-RoPE splits the rotary dims over (time, height, width) positions; for text all three are the token position.
MROPE_KEYS = ("mrope_section", "mrope_interleaved")


def linear_labels(r: Reader) -> list[str]:
    """``layer_types``, else full attention on every ``full_attention_interval``-th layer."""
    n, interval = r.int("num_hidden_layers"), r.int("full_attention_interval")
    types = r.list("layer_types", n) or [
        "linear_attention" if (i + 1) % interval else "full_attention" for i in range(n)]
    names = {"linear_attention": "linear", "full_attention": "full"}
    for kind in types:
        if kind not in names:
            r.fail("layer_types", f"unknown layer type {kind!r}; expected linear_attention or full_attention")
    return [names[kind] for kind in types]


def gated_deltanet(r: Reader, state_dtype: str | None = None) -> dict:
    section = {"kind": "gated_deltanet", "num_key_heads": r.int("linear_num_key_heads"),
               "key_head_dim": r.int("linear_key_head_dim"), "num_value_heads": r.int("linear_num_value_heads"),
               "value_head_dim": r.int("linear_value_head_dim"), "conv_kernel": r.int("linear_conv_kernel_dim")}
    if section["num_value_heads"] % section["num_key_heads"]:
        r.fail("linear_num_value_heads", "must be a multiple of linear_num_key_heads")
    return section | ({"state_dtype": state_dtype} if state_dtype else {})


def _positions(r: Reader) -> dict:
    """The rope dict without its M-RoPE keys (text positions are 1-D)."""
    main, local = rope.rope_dicts(r)
    key = "rope_scaling" if r.given("rope_scaling") else "rope_parameters"
    if local is not None:
        r.fail(key, "per-layer-type RoPE parameters are not supported for this model_type")
    return rope.positions_from(r, {k: v for k, v in main.items() if k not in MROPE_KEYS}, key)


def _attention(r: Reader, labels: list[str]) -> dict:
    """``Qwen3NextAttention``: q_proj doubled for the output gate, per-head q/k
    RMSNorm, ``attention_bias`` on q, k, v and o."""
    bias = r.bool("attention_bias")
    return common.attention(r, qkv_bias=bias, out_bias=bias, qk_norm="per_head", output_gate=True,
                            layer_pattern=patterns.optional(labels, "full"))


def _qwen35_extras(r: Reader) -> tuple[str | None, int]:
    if not r.bool("attn_output_gate"):
        r.fail("attn_output_gate", "false, but transformers 5.24 always gates Qwen3.5 attention; not supported")
    if r.bool("mtp_use_dedicated_embeddings"):
        r.fail("mtp_use_dedicated_embeddings", "MTP layers with their own embeddings are not supported")
    dtype = r.str("mamba_ssm_dtype")
    if dtype is not None and dtype not in STATE_DTYPES:
        r.fail("mamba_ssm_dtype", f"unknown dtype {dtype!r}; expected one of {', '.join(STATE_DTYPES)}")
    return (STATE_DTYPES[dtype] if dtype else None), r.int("mtp_num_hidden_layers", minimum=0)


def _body(r: Reader, ffn: dict, moe: dict | None, state_dtype: str | None, mtp: int) -> dict:
    labels = linear_labels(r)
    body = common.decoder(r, attention=_attention(r, labels), ffn=ffn, moe=moe, positions=_positions(r))
    if mtp:
        body["mtp"] = {"num_modules": mtp}
    if "linear" not in labels:  # every layer softmax: no linear section to describe
        return body
    body["linear_attention"] = gated_deltanet(r, state_dtype)
    return _ordered(body)


def _ordered(body: dict) -> dict:
    """``linear_attention`` right after ``attention``, as the bundled specs write it."""
    keys = list(body)
    keys.insert(keys.index("attention") + 1, keys.pop(keys.index("linear_attention")))
    return {k: body[k] for k in keys}


def _shared_moe(r: Reader, labels: list[str], normalize: bool) -> dict | None:
    return common.moe(r, labels, "num_experts", common.router("softmax", normalize),
                      expert_intermediate_size=r.int("moe_intermediate_size"), num_shared_experts=1,
                      shared_expert_intermediate_size=r.int("shared_expert_intermediate_size"),
                      shared_expert_gate=True)


def next_spec(r: Reader) -> dict:
    """Qwen3-Next: MoE placed as Qwen2-MoE places it (``decoder_sparse_step``,
    ``mlp_only_layers``), a gated shared expert; no state dtype in the config."""
    moe = _shared_moe(r, _moe_labels(r, "num_experts"), r.bool("norm_topk_prob"))
    return _body(r, common.ffn(r), moe, None, 0)


def qwen35_spec(r: Reader) -> dict:
    state_dtype, mtp = _qwen35_extras(r)
    return _body(r, common.ffn(r), None, state_dtype, mtp)


def qwen35_moe_spec(r: Reader) -> dict:
    """``Qwen3_5MoeDecoderLayer``: every layer MoE (it reads no
    ``mlp_only_layers``), the router always renormalizes."""
    if r.list("mlp_only_layers"):
        r.fail("mlp_only_layers", "transformers 5.24 makes every Qwen3.5-MoE layer MoE; dense layers are not "
                                  "supported")
    state_dtype, mtp = _qwen35_extras(r)
    n = r.int("num_hidden_layers")
    moe = _shared_moe(r, ["moe"] * n, True)
    ffn = {"gated": True, "activation": common.activation(r), "intermediate_size": r.int("moe_intermediate_size")}
    return _body(r, ffn, moe, state_dtype, mtp)


# ---- export -------------------------------------------------------------


def _linear_config(spec: ModelSpec, model_type: str) -> dict:
    lin, att = spec.linear_attention, spec.attention
    config = common.decoder_config(spec, model_type)
    config.update(layer_types=["linear_attention" if label == "linear" else "full_attention"
                               for label in common.attention_labels(spec)],
                  attention_bias=att.qkv_bias, partial_rotary_factor=spec.positions.partial_rotary_factor)
    if lin is not None:
        config.update(linear_num_key_heads=lin.num_key_heads, linear_key_head_dim=lin.key_head_dim,
                      linear_num_value_heads=lin.num_value_heads, linear_value_head_dim=lin.value_head_dim,
                      linear_conv_kernel_dim=lin.conv_kernel)
    return config


def _qwen35_config(spec: ModelSpec, model_type: str) -> dict:
    config = _linear_config(spec, model_type)
    lin = spec.linear_attention
    if lin is not None and lin.state_dtype:
        config["mamba_ssm_dtype"] = HF_STATE_DTYPES[lin.state_dtype]
    config["mtp_num_hidden_layers"] = spec.mtp.num_modules if spec.mtp else 0
    return config


def next_config(spec: ModelSpec) -> dict:
    config = _linear_config(spec, "qwen3_next")
    labels = common.moe_labels(spec)
    config.update(decoder_sparse_step=1, mlp_only_layers=[i for i, x in enumerate(labels) if x == "dense"])
    if spec.moe:
        config.update(num_experts=spec.moe.num_experts, num_experts_per_tok=spec.moe.experts_per_token,
                      moe_intermediate_size=spec.moe.expert_intermediate_size,
                      shared_expert_intermediate_size=spec.moe.shared_width, **common.router_config(spec))
    return config


def qwen35_moe_config(spec: ModelSpec) -> dict:
    config = _qwen35_config(spec, "qwen3_5_moe_text")
    config.pop("intermediate_size")  # Qwen3_5MoeTextConfig has no dense width
    if spec.moe:
        config.update(num_experts=spec.moe.num_experts, num_experts_per_tok=spec.moe.experts_per_token,
                      moe_intermediate_size=spec.moe.expert_intermediate_size,
                      shared_expert_intermediate_size=spec.moe.shared_width)
    return config


FAMILIES = (
    Family("qwen3_next", "qwen3-next", NEXT, next_spec, next_config),
    Family("qwen3_5_text", "qwen3.5", TEXT, qwen35_spec, lambda s: _qwen35_config(s, "qwen3_5_text")),
    Family("qwen3_5_moe_text", "qwen3.5", MOE_TEXT, qwen35_moe_spec, qwen35_moe_config),
)
# The multimodal wrappers (archcmp.hf.families.WRAPPERS) carry tie_word_embeddings
# for the text model: Qwen3_5ForConditionalGeneration ties its lm_head by the
# top-level key, whatever text_config says (checked in transformers 5.24).
