"""Shared helpers for cross-checks: reference configs, their text model, a
transformers model built from a config dict, and shrunk copies of both a
config and a spec (smaller hidden/vocab/layers, same heads, head dims, MLA
ranks, windows and layer pattern).

Imported only by tests under tests/crosscheck/, which skip without torch.
"""

from __future__ import annotations

import json

from testpaths import REFERENCE

# Text models transformers 5.24 builds but leaves out of AutoModelForCausalLM.
CAUSAL_LM_CLASSES = {"mistral4": "Mistral4ForCausalLM"}

# Model types transformers does not know under the hub name.
MODEL_TYPE_ALIASES = {"kimi_k2": "deepseek_v3"}


def reference_config(name: str) -> dict:
    """The language model's config dict (``text_config`` of a multimodal one)."""
    config = json.loads((REFERENCE / "configs" / f"{name}.json").read_text())
    return dict(config.get("text_config", config))


def hf_config(config: dict):
    """A transformers config object for ``config`` (defaults filled in)."""
    from transformers import AutoConfig

    config = dict(config)
    model_type = MODEL_TYPE_ALIASES.get(config["model_type"], config.pop("model_type"))
    config.pop("model_type", None)
    for key in ("architectures", "auto_map", "quantization_config", "transformers_version", "torch_dtype"):
        config.pop(key, None)
    return AutoConfig.for_model(model_type, **config)


def build_model(config: dict, device: str = "meta", attn_implementation: str = "eager"):
    """``AutoModelForCausalLM.from_config`` on ``device`` (meta allocates nothing)."""
    import torch
    from transformers import AutoModelForCausalLM

    hf = hf_config(config)
    hf._attn_implementation = attn_implementation
    with torch.device(device):
        if hf.model_type in CAUSAL_LM_CLASSES:  # not in the AutoModelForCausalLM mapping
            import transformers

            return getattr(transformers, CAUSAL_LM_CLASSES[hf.model_type])(hf)
        return AutoModelForCausalLM.from_config(hf, attn_implementation=attn_implementation)


def unique_param_count(model) -> int:
    seen, total = set(), 0
    for p in model.parameters():
        if id(p) not in seen:
            seen.add(id(p))
            total += p.numel()
    return total


# Sizes that set the cost of a forward pass but not the structure under test.
SMALL_SIZES = {
    "hidden_size": 64,
    "vocab_size": 256,
    "intermediate_size": 128,
    "intermediate_size_mlp": 128,
    "moe_intermediate_size": 32,
    "vocab_size_per_layer_input": 256,
    "hidden_size_per_layer_input": 16,
    "laurel_rank": 8,
}
PER_LAYER_LISTS = ("layer_types", "activation_sparsity_pattern", "no_rope_layers")
TOKEN_IDS = ("bos_token_id", "eos_token_id", "pad_token_id")


def shrink_config(config: dict, num_layers: int, **overrides) -> dict:
    """A config dict that runs fast on a CPU: the first ``num_layers``
    layers, hidden size 64, vocabulary 256, narrow FFNs, at most 4 experts
    (2 per token, one group); heads, head dims, MLA ranks, windows and the
    layer pattern as published unless ``overrides`` change them."""
    small = dict(config)
    if "head_dim" not in small and "kv_lora_rank" not in small:  # else derived from the shrunk hidden_size
        small["head_dim"] = small["hidden_size"] // small["num_attention_heads"]
    for key, size in SMALL_SIZES.items():
        if key in small or key in ("hidden_size", "vocab_size"):
            small[key] = [size] * num_layers if isinstance(small.get(key), list) else size
    for key in PER_LAYER_LISTS:
        if isinstance(small.get(key), list):
            small[key] = small[key][:num_layers]
    for key in ("n_routed_experts", "num_local_experts", "num_experts"):
        if small.get(key):
            small[key] = min(small[key], 4)
    if small.get("num_experts_per_tok"):
        small["num_experts_per_tok"] = min(small["num_experts_per_tok"], 2)
    for key in ("n_group", "topk_group"):
        if key in small:
            small[key] = 1
    for key in TOKEN_IDS:  # ids beyond the small vocabulary only draw warnings
        ids = small.get(key)
        if any(i >= small["vocab_size"] for i in (ids if isinstance(ids, list) else [ids]) if i is not None):
            small[key] = None
    small["num_hidden_layers"] = num_layers
    small.update(overrides)
    return small


def shrink_spec(spec, num_layers: int, attention: dict | None = None, **updates):
    """The archcmp spec matching :func:`shrink_config` in what the KV cache
    and the layer plan depend on: the first ``num_layers`` layers (patterns
    count from layer 0, so they carry over), hidden size 64, vocabulary 256,
    ``attention`` fields and top-level ``updates`` replaced. FFN and expert
    widths are left alone: parameter comparisons need a matching rule of
    their own."""
    from archcmp.schema import ModelSpec

    data = spec.model_dump()
    data.update(num_layers=num_layers, hidden_size=SMALL_SIZES["hidden_size"],
                vocab_size=SMALL_SIZES["vocab_size"])
    if isinstance(data["ffn"]["intermediate_size"], list):
        data["ffn"]["intermediate_size"] = data["ffn"]["intermediate_size"][:num_layers]
    data["attention"].update(attention or {})
    data.update(updates)
    return ModelSpec.model_validate(data)
