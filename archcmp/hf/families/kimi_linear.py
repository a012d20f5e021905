"""Kimi Linear: Kimi Delta Attention layers and MLA layers without positions,
then DeepSeek-style MoE (transformers 5.24 ``KimiLinearConfig``,
``KimiLinearForCausalLM``).

The release layout is ``linear_attn_config`` (``kda_layers`` and
``full_attn_layers``, 1-based), not the class default (full attention on
every 4th layer from layer 4). transformers applies no rotary embedding at
all (MLA with NoPE; ``mla_use_nope``), though the cache still holds the
``qk_rope_head_dim`` part of the latent.
"""

from __future__ import annotations

from archcmp.errors import ArchcmpError
from archcmp.hf import common, patterns
from archcmp.hf.families import Family
from archcmp.hf.families.deepseek import mla_attention
from archcmp.hf.reader import Reader
from archcmp.schema import ModelSpec

DEFAULTS = {
    "vocab_size": 163840, "hidden_size": 2304, "intermediate_size": 9216, "moe_intermediate_size": 1024,
    "num_hidden_layers": 27, "num_attention_heads": 32, "num_shared_experts": 1, "routed_scaling_factor": 2.446,
    "kv_lora_rank": 512, "q_lora_rank": None, "qk_rope_head_dim": 64, "v_head_dim": 128, "qk_nope_head_dim": 128,
    "num_experts_per_token": 8, "moe_renormalize": True, "hidden_act": "silu", "model_max_length": 1048576,
    "tie_word_embeddings": False, "attention_bias": False, "num_experts": 256, "mlp_layer_types": None,
    "layer_types": None, "linear_head_dim": 128, "linear_num_heads": 32, "linear_conv_kernel_dim": 4,
    # read by KimiLinearConfig.__post_init__ from its kwargs
    "linear_attn_config": None, "first_k_dense_replace": 1,
    # hub keys the transformers code does not read; a value it would contradict is refused
    "mla_use_nope": True, "moe_router_activation_func": "sigmoid", "moe_layer_freq": 1,
    "num_nextn_predict_layers": 0,
}
# Router grouping, and keys the config class recomputes (head_dim = qk_rope_head_dim);
# RoPE keys, since no layer applies rotary embeddings.
IGNORED = frozenset({"num_expert_group", "topk_group", "use_grouped_topk", "head_dim", "qk_head_dim",
                     "num_key_value_heads", "rope_theta", "rope_scaling", "rope_parameters"})
ALIASES = {"n_shared_experts": "num_shared_experts", "norm_topk_prob": "moe_renormalize",
           "num_local_experts": "num_experts", "num_experts_per_tok": "num_experts_per_token",
           "n_group": "num_expert_group", "max_position_embeddings": "model_max_length"}
_NO_LINEAR = type("NoLinear", (), {"num_heads": 32, "head_dim": 128, "conv_kernel": 4})  # the class defaults
LINEAR_KEYS = {"head_dim", "num_heads", "short_conv_kernel_size", "kda_layers", "full_attn_layers"}


def _linear_config(r: Reader) -> dict:
    sub = r.dict("linear_attn_config") or {}
    unknown = sorted(set(sub) - LINEAR_KEYS)
    if unknown:
        r.fail("linear_attn_config", f"unknown keys {', '.join(unknown)}; archcmp will not guess what they change")
    return sub


def attention_labels(r: Reader, sub: dict) -> list[str]:
    """``layer_types``, else ``linear_attn_config``'s 1-based lists, else full on every 4th layer from 4."""
    n = r.int("num_hidden_layers")
    types = r.list("layer_types", n)
    if types is None and "kda_layers" in sub and "full_attn_layers" in sub:
        types = [None] * n
        for key, kind in (("full_attn_layers", "full_attention"), ("kda_layers", "linear_attention")):
            for layer in sub[key]:
                if not isinstance(layer, int) or not 1 <= layer <= n:
                    r.fail("linear_attn_config", f"{key}: {layer!r} is no layer of 1..{n}")
                types[layer - 1] = kind
        if None in types:
            r.fail("linear_attn_config", f"layer {types.index(None) + 1} is in neither kda_layers nor full_attn_layers")
    types = types or ["full_attention" if i and i % 4 == 0 else "linear_attention" for i in range(n)]
    names = {"linear_attention": "linear", "full_attention": "full"}
    if any(t not in names for t in types):
        r.fail("layer_types", "expected linear_attention or full_attention per layer")
    return [names[t] for t in types]


def mlp_labels(r: Reader) -> list[str]:
    n = r.int("num_hidden_layers")
    types = r.list("mlp_layer_types", n)
    if types is None:
        first = r.int("first_k_dense_replace", minimum=0)
        return ["dense" if i < first else "moe" for i in range(n)]
    if any(t not in ("dense", "sparse") for t in types):
        r.fail("mlp_layer_types", "expected dense or sparse per layer")
    return ["moe" if t == "sparse" else "dense" for t in types]


def _checks(r: Reader) -> None:
    if not r.bool("mla_use_nope"):
        r.fail("mla_use_nope", "false, but transformers 5.24's KimiLinearAttention applies no rotary embedding")
    if r.str("moe_router_activation_func") != "sigmoid":
        r.fail("moe_router_activation_func", "transformers 5.24's KimiLinearTopkRouter always scores with sigmoid")
    if r.int("moe_layer_freq") != 1:
        r.fail("moe_layer_freq", "transformers 5.24 ignores it; MoE layers follow first_k_dense_replace")
    if r.int("num_nextn_predict_layers", minimum=0):
        r.fail("num_nextn_predict_layers", "multi-token prediction layers are not supported for kimi_linear")


def untied(r: Reader) -> bool:
    """``KimiLinearForCausalLM`` declares no tied weights: transformers 5.24 builds a
    separate output head whatever ``tie_word_embeddings`` says."""
    if r.bool("tie_word_embeddings"):
        r.warn("tie_word_embeddings", "true ignored, as transformers 5.24 does: KimiLinearForCausalLM never ties its head")
    return False


def spec_body(r: Reader) -> dict:
    _checks(r)
    sub, labels, mlp = _linear_config(r), None, mlp_labels(r)
    labels = attention_labels(r, sub)
    attention = mla_attention(r) | {"layer_pattern": patterns.optional(labels, "full")}
    attention = {k: v for k, v in attention.items() if v is not None}
    linear = {"kind": "kimi_delta_attention", "num_heads": sub.get("num_heads", r.int("linear_num_heads")),
              "head_dim": sub.get("head_dim", r.int("linear_head_dim")),
              "conv_kernel": sub.get("short_conv_kernel_size", r.int("linear_conv_kernel_dim")),
              "state_dtype": "fp32"}  # vLLM and transformers both keep KDA's state in fp32
    body = {"vocab_size": r.int("vocab_size"), "hidden_size": r.int("hidden_size"),
            "num_layers": r.int("num_hidden_layers"), "max_context": r.int("model_max_length"),
            "embeddings": {"tied_output": untied(r)}, "positions": {"kind": "none"},
            "attention": attention, "linear_attention": linear, "norm": {"kind": "rmsnorm", "placement": "pre"},
            "ffn": common.ffn(r)}
    if "linear" not in labels:
        del body["linear_attention"]
    if "moe" in mlp:
        body["moe"] = {"num_experts": r.int("num_experts"), "experts_per_token": r.int("num_experts_per_token"),
                       "expert_intermediate_size": r.int("moe_intermediate_size"),
                       "num_shared_experts": r.int("num_shared_experts", minimum=0),
                       **common.router("sigmoid", r.bool("moe_renormalize"),
                                       common.positive(r, "routed_scaling_factor", required=True))}
        pattern = patterns.optional(mlp, "moe")
        if pattern is not None:
            body["moe"]["layer_pattern"] = pattern
        if body["moe"]["num_shared_experts"] == 0:
            del body["moe"]["num_shared_experts"]
    return body


def to_config(spec: ModelSpec) -> dict:
    if spec.embeddings.tied_output:
        raise ArchcmpError("a tied output head: transformers 5.24's KimiLinearForCausalLM never ties it")
    att, lin = spec.attention, spec.linear_attention or _NO_LINEAR
    labels = common.attention_labels(spec)
    mlp = common.moe_labels(spec)
    first = common.first_dense(spec)
    config = {
        "vocab_size": spec.vocab_size, "hidden_size": spec.hidden_size, "num_hidden_layers": spec.num_layers,
        "model_max_length": spec.max_context or 4096, "tie_word_embeddings": False,
        "hidden_act": common.hf_activation(spec), "intermediate_size": spec.intermediate_size_at(0),
        "num_attention_heads": att.num_heads, "q_lora_rank": att.q_lora_rank, "kv_lora_rank": att.kv_lora_rank,
        "qk_nope_head_dim": att.qk_nope_head_dim, "qk_rope_head_dim": att.qk_rope_head_dim,
        "v_head_dim": att.v_head_dim, "attention_bias": att.qkv_bias, "mla_use_nope": True,
        "linear_attn_config": {"num_heads": lin.num_heads, "head_dim": lin.head_dim,
                               "short_conv_kernel_size": lin.conv_kernel,
                               "kda_layers": [i + 1 for i, x in enumerate(labels) if x == "linear"],
                               "full_attn_layers": [i + 1 for i, x in enumerate(labels) if x == "full"]},
    }
    if mlp == ["dense" if i < first else "moe" for i in range(spec.num_layers)]:
        config["first_k_dense_replace"] = first
    else:
        config["mlp_layer_types"] = ["sparse" if x == "moe" else "dense" for x in mlp]
    if spec.moe:
        config.update(num_experts=spec.moe.num_experts, num_experts_per_token=spec.moe.experts_per_token,
                      moe_intermediate_size=spec.moe.expert_intermediate_size,
                      num_shared_experts=spec.moe.num_shared_experts,
                      **common.router_config(spec, "moe_renormalize", "routed_scaling_factor"))
    return config


FAMILIES = (Family("kimi_linear", "kimi-linear", DEFAULTS, spec_body, to_config, ignored=IGNORED, aliases=ALIASES),)
