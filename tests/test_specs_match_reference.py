"""Every bundled spec agrees with its model's published config.json.

The reference configs are ``tests/data/reference/configs/*.json`` (published
hub files; see PROVENANCE.md there). Each one is compared field by field with ``specs/<name>.yaml``,
and the spec's per-layer plan (:func:`archcmp.plan.expand`) with the layer
layout transformers derives from the config. The derivation rules and the
config defaults are restated here from transformers 5.24 rather than
imported, so this test runs without transformers installed.
"""

from __future__ import annotations

import json

import pytest
from plans import layer_row
from testpaths import REFERENCE, SPECS, reference_names

from archcmp.analysis.params import count_params
from archcmp.load import load_spec_file
from archcmp.plan import expand

# Values a config may omit: the field defaults of the transformers 5.24 config
# classes. Gemma 3 hub files list only what differs from Gemma3TextConfig; the
# OLMo 2 and Llama 4 reference copies are abridged.
_NO_TIE = {"tie_word_embeddings": False}
DEFAULTS: dict[str, dict] = {
    "gemma3_text": {  # Gemma3TextConfig
        "vocab_size": 262_208,
        "hidden_size": 2304,
        "intermediate_size": 9216,
        "num_hidden_layers": 26,
        "num_attention_heads": 8,
        "num_key_value_heads": 4,
        "head_dim": 256,
        "max_position_embeddings": 131_072,
        "tie_word_embeddings": True,
        "sliding_window": 4096,
        "sliding_window_pattern": 6,
        "rope_theta": 1_000_000.0,
        "rope_local_base_freq": 10_000.0,
        "query_pre_attn_scalar": 256,
        "final_logit_softcapping": None,
        "attn_logit_softcapping": None,
    },
    "gemma3n_text": {"tie_word_embeddings": True, "final_logit_softcapping": 30.0},  # Gemma3nTextConfig
    "llama4_text": {  # Llama4TextConfig
        **_NO_TIE,
        "use_qk_norm": True,
        "interleave_moe_layer_step": 1,
        "no_rope_layer_interval": 4,
        "attention_chunk_size": 8192,
    },
    "smollm3": {"tie_word_embeddings": True, "no_rope_layer_interval": 4},  # SmolLM3Config
    "olmo2": _NO_TIE,
    "mistral": _NO_TIE,
    "llama": _NO_TIE,
    "qwen3": _NO_TIE,
    "qwen3_moe": {**_NO_TIE, "decoder_sparse_step": 1, "mlp_only_layers": [], "norm_topk_prob": False},
    "deepseek_v3": {**_NO_TIE, "first_k_dense_replace": 3, "norm_topk_prob": True, "routed_scaling_factor": 2.5},
}
# Kimi K2 ships DeepSeek-V3's code under its own model_type.
MODEL_TYPE_ALIASES = {"kimi_k2": "deepseek_v3"}

# Which q/k norm each model class builds (transformers 5.24 modeling code).
QK_NORM = {
    "olmo2": "full",  # Olmo2Attention: RMSNorm over all heads of q and of k
    "qwen3": "per_head",
    "qwen3_moe": "per_head",
    "gemma3_text": "per_head",
    "gemma3n_text": "per_head",
}

# How each router turns logits into weights (transformers 5.24 modeling
# code): the scoring is hard-coded in each router class (DeepSeek's
# ``scoring_func`` is not read); Llama4Router never renormalizes and no
# router but DeepSeek's scales.
ROUTER_SCORING = {"deepseek_v3": "sigmoid", "qwen3_moe": "softmax", "llama4_text": "sigmoid"}
NEVER_RENORMALIZES = {"llama4_text"}
# Gemma3nTextAttention.scaling = 1.0; it reads no query_pre_attn_scalar nor
# attn_logit_softcapping.
UNSCALED_SCORES = {"gemma3n_text"}

MLA_FIELDS = ("q_lora_rank", "kv_lora_rank", "qk_nope_head_dim", "qk_rope_head_dim", "v_head_dim")
LAYER_KIND = {"full_attention": "full", "sliding_attention": "sliding", "chunked_attention": "chunked"}


def text_config(name: str) -> dict:
    """The language model's config (``text_config`` of a multimodal one),
    with the defaults transformers fills in."""
    raw = json.loads((REFERENCE / "configs" / f"{name}.json").read_text())
    config = raw.get("text_config", raw)
    model_type = MODEL_TYPE_ALIASES.get(config["model_type"], config["model_type"])
    return {**DEFAULTS.get(model_type, {}), **config, "model_type": model_type}


def load_spec(name: str):
    path = SPECS / f"{name}.yaml"
    assert path.is_file(), f"reference config {name}.json has no spec {path.name}"
    return load_spec_file(path)


# ---- per-layer layout, as transformers derives it from a config ----------


def layer_types(cfg: dict) -> list[str]:
    n, model_type = cfg["num_hidden_layers"], cfg["model_type"]
    if model_type == "gemma3_text":  # Gemma3TextConfig.__post_init__
        every = cfg["sliding_window_pattern"]
        return ["sliding_attention" if (i + 1) % every else "full_attention" for i in range(n)]
    if model_type == "llama4_text":  # Llama4TextConfig.__post_init__
        chunked = cfg["attention_chunk_size"] is not None
        return ["chunked_attention" if rope and chunked else "full_attention" for rope in rope_layers(cfg)]
    if cfg.get("layer_types"):
        return list(cfg["layer_types"])
    if model_type in ("qwen3", "qwen3_moe") and cfg.get("use_sliding_window") and cfg.get("sliding_window"):
        return ["sliding_attention" if i >= cfg["max_window_layers"] else "full_attention" for i in range(n)]
    if model_type == "mistral" and cfg.get("sliding_window"):
        return ["sliding_attention"] * n
    return ["full_attention"] * n


def rope_layers(cfg: dict) -> list[bool]:
    """False on NoPE layers (Llama 4, SmolLM3: ``no_rope_layers`` holds 1
    where RoPE is used, by default all but every ``no_rope_layer_interval``-th)."""
    n = cfg["num_hidden_layers"]
    if cfg["model_type"] not in ("llama4_text", "smollm3"):
        return [True] * n
    flags = cfg.get("no_rope_layers") or [
        int((i + 1) % cfg["no_rope_layer_interval"] != 0) for i in range(n)]
    return [bool(flag) for flag in flags]


def rope_thetas(cfg: dict) -> dict[str, float]:
    """RoPE base per attention kind."""
    if "rope_parameters" in cfg:  # Gemma 3n
        params = cfg["rope_parameters"]
        return {kind: params[f"{kind}_attention"]["rope_theta"] for kind in ("full", "sliding")}
    local = cfg.get("rope_local_base_freq", cfg["rope_theta"])
    return {"full": cfg["rope_theta"], "sliding": local, "chunked": cfg["rope_theta"]}


def moe_layers(cfg: dict) -> list[bool]:
    n, model_type = cfg["num_hidden_layers"], cfg["model_type"]
    if model_type == "deepseek_v3":  # DeepseekV3DecoderLayer
        return [i >= cfg["first_k_dense_replace"] for i in range(n)]
    if model_type == "llama4_text":  # Llama4TextConfig.__post_init__
        step = cfg["interleave_moe_layer_step"]
        moe = cfg.get("moe_layers")
        moe = set(range(step - 1, n, step)) if moe is None else set(moe)
        return [i in moe for i in range(n)]
    if model_type == "qwen3_moe":  # Qwen3MoeDecoderLayer
        step, dense = cfg["decoder_sparse_step"], set(cfg["mlp_only_layers"])
        return [i not in dense and cfg["num_experts"] > 0 and (i + 1) % step == 0 for i in range(n)]
    return [False] * n


def dense_widths(cfg: dict) -> list[int]:
    n = cfg["num_hidden_layers"]
    width = cfg.get("intermediate_size_mlp", cfg["intermediate_size"])  # Llama 4 names its dense FFN so
    return list(width) if isinstance(width, list) else [width] * n


def kv_sources(cfg: dict, kinds: list[str]) -> list[int]:
    """Gemma3nTextConfig.kv_sharing_modes: each of the last
    ``num_kv_shared_layers`` layers reuses the cache of the last earlier
    non-shared layer of its own type."""
    n = len(kinds)
    first_shared = n - cfg.get("num_kv_shared_layers", 0)
    sources = list(range(n))
    for i in range(first_shared, n):
        sources[i] = max(j for j in range(first_shared) if kinds[j] == kinds[i])
    return sources


def expected_plan(cfg: dict) -> list[dict]:
    kinds = layer_types(cfg)
    ropes, moes, widths = rope_layers(cfg), moe_layers(cfg), dense_widths(cfg)
    thetas, sources = rope_thetas(cfg), kv_sources(cfg, kinds)
    windows = {"full": None, "sliding": cfg.get("sliding_window"), "chunked": cfg.get("attention_chunk_size")}
    plan = []
    for i, kind in enumerate(kinds):
        attention = LAYER_KIND[kind]
        plan.append({
            "index": i,
            "attention": attention,
            "window": windows[attention],
            "rope": ropes[i],
            "rope_theta": float(thetas[attention]) if ropes[i] else None,
            "kv_source": sources[i],
            "ffn": "moe" if moes[i] else "dense",
            "intermediate_size": 0 if moes[i] else widths[i],
        })
    return plan


# ---- scalar fields ---------------------------------------------------------


def expected_fields(spec, cfg: dict) -> dict[str, tuple]:
    """``field: (spec value, config value)`` for every comparable field."""
    att, pos = spec.attention, spec.positions
    kinds = {LAYER_KIND[k] for k in layer_types(cfg)}
    thetas = rope_thetas(cfg)
    widths = dense_widths(cfg)
    heads = cfg["num_attention_heads"]
    fields = {
        "vocab_size": (spec.vocab_size, cfg["vocab_size"]),
        "hidden_size": (spec.hidden_size, cfg["hidden_size"]),
        "num_hidden_layers": (spec.num_layers, cfg["num_hidden_layers"]),
        "num_attention_heads": (att.num_heads, heads),
        "tie_word_embeddings": (spec.embeddings.tied_output, cfg["tie_word_embeddings"]),
        "max_position_embeddings": (spec.max_context, cfg["max_position_embeddings"]),
        "attention_bias": (att.qkv_bias, cfg.get("attention_bias", False)),
        "rope_theta": (pos.rope_theta, float(thetas["full"])),
        "rope_local_theta": (pos.rope_local_theta,
                             float(thetas["sliding"]) if "sliding" in kinds and "full" in kinds else None),
        "sliding_window": (att.sliding_window, cfg.get("sliding_window") if "sliding" in kinds else None),
        "attention_chunk_size": (att.chunk_size,
                                 cfg.get("attention_chunk_size") if "chunked" in kinds else None),
        "qk_norm": (getattr(att, "qk_norm", "none"), expected_qk_norm(cfg)),  # latent attention has none
        "intermediate_size": (spec.ffn.intermediate_size, widths[0] if len(set(widths)) == 1 else widths),
    }
    if "kv_lora_rank" in cfg:
        fields["attention.kind"] = (att.kind, "mla")
        fields.update({name: (getattr(att, name), cfg[name]) for name in MLA_FIELDS})
    else:
        fields["num_key_value_heads"] = (att.num_kv_heads, cfg.get("num_key_value_heads") or heads)
        fields["head_dim"] = (att.head_dim, cfg.get("head_dim") or cfg["hidden_size"] // heads)
    fields.update(moe_fields(spec, cfg))
    fields.update(router_fields(spec, cfg))
    fields.update(score_fields(spec, cfg))
    fields.update(rope_scaling_fields(spec, cfg))
    fields.update(gemma3n_fields(spec, cfg))
    return fields


def expected_qk_norm(cfg: dict) -> str:
    if cfg["model_type"] == "llama4_text":  # Llama4TextL2Norm, parameter-free
        return "l2" if cfg["use_qk_norm"] else "none"
    return QK_NORM.get(cfg["model_type"], "none")


def moe_fields(spec, cfg: dict) -> dict[str, tuple]:
    experts = cfg.get("n_routed_experts") or cfg.get("num_local_experts") or cfg.get("num_experts")
    if not experts:
        return {"moe": (spec.moe, None)}
    moe = spec.moe
    if moe is None:
        return {"moe": (None, f"{experts} experts")}
    shared = 1 if cfg["model_type"] == "llama4_text" else cfg.get("n_shared_experts", 0)
    # Llama 4's intermediate_size is the expert width (intermediate_size_mlp the dense one)
    expert_width = cfg.get("moe_intermediate_size", cfg["intermediate_size"])
    return {
        "num_experts": (moe.num_experts, experts),
        "num_experts_per_tok": (moe.experts_per_token, cfg["num_experts_per_tok"]),
        "num_shared_experts": (moe.num_shared_experts, shared),
        "moe_intermediate_size": (moe.expert_intermediate_size, expert_width),
    }


def router_fields(spec, cfg: dict) -> dict[str, tuple]:
    model_type, moe = cfg["model_type"], spec.moe
    if moe is None or model_type not in ROUTER_SCORING:
        return {}
    scoring = ROUTER_SCORING[model_type]
    normalize = False if model_type in NEVER_RENORMALIZES else cfg["norm_topk_prob"]
    return {
        "router_scoring": (moe.router_scoring, scoring),
        "scoring_func": (moe.router_scoring, cfg.get("scoring_func", scoring)),  # where a hub file states it
        "norm_topk_prob": (moe.normalize_top_k, normalize),
        "routed_scaling_factor": (moe.routed_scaling_factor or 1.0, cfg.get("routed_scaling_factor", 1.0)),
    }


def score_fields(spec, cfg: dict) -> dict[str, tuple]:
    """Score scaling and soft-caps; ``query_pre_attn_scalar`` defaults to
    head_dim where a model has none (scores scale by 1/sqrt(head_dim))."""
    att, unscaled = spec.attention, cfg["model_type"] in UNSCALED_SCORES
    head_dim = cfg.get("head_dim") or cfg["hidden_size"] // cfg["num_attention_heads"]
    scale_dim = head_dim if unscaled else cfg.get("query_pre_attn_scalar", head_dim)
    return {
        "unit_scale": (att.unit_scale, unscaled),
        "query_pre_attn_scalar": (att.query_scale_dim or head_dim, scale_dim),
        "attn_logit_softcapping": (att.logit_softcapping, None if unscaled else cfg.get("attn_logit_softcapping")),
        "final_logit_softcapping": (spec.final_logit_softcapping, cfg.get("final_logit_softcapping")),
    }


def rope_scaling_fields(spec, cfg: dict) -> dict[str, tuple]:
    scaling, ours = cfg.get("rope_scaling"), spec.positions.rope_scaling
    if not scaling:
        return {"rope_scaling": (ours, None)}
    if ours is None:
        return {"rope_scaling": (None, scaling)}
    names = {"factor": "factor", "original_max_position_embeddings": "original_context",
             "low_freq_factor": "low_freq_factor", "high_freq_factor": "high_freq_factor",
             "beta_fast": "beta_fast", "beta_slow": "beta_slow",
             "mscale": "mscale", "mscale_all_dim": "mscale_all_dim"}
    fields = {"rope_scaling.type": (ours.type, scaling.get("rope_type", scaling.get("type")))}
    for key, name in names.items():
        if key in scaling:
            fields[f"rope_scaling.{key}"] = (getattr(ours, name), scaling[key])
    return fields


def gemma3n_fields(spec, cfg: dict) -> dict[str, tuple]:
    if cfg["model_type"] != "gemma3n_text":
        return {}
    per_layer = spec.embeddings.per_layer
    return {
        "num_kv_shared_layers": (spec.kv_sharing and spec.kv_sharing.num_shared_layers,
                                 cfg["num_kv_shared_layers"]),
        "altup_num_inputs": (spec.altup and spec.altup.num_inputs, cfg["altup_num_inputs"]),
        "altup_active_idx": (spec.altup and spec.altup.active_index, cfg["altup_active_idx"]),
        "laurel_rank": (spec.laurel and spec.laurel.rank, cfg["laurel_rank"]),
        "vocab_size_per_layer_input": (per_layer and per_layer.vocab_size, cfg["vocab_size_per_layer_input"]),
        "hidden_size_per_layer_input": (per_layer and per_layer.width, cfg["hidden_size_per_layer_input"]),
    }


# ---- tests -------------------------------------------------------------------


@pytest.mark.parametrize("name", reference_names())
def test_spec_fields_match_config(name):
    spec, cfg = load_spec(name), text_config(name)
    wrong = {field: pair for field, pair in expected_fields(spec, cfg).items() if pair[0] != pair[1]}
    assert not wrong, "spec vs config: " + "; ".join(
        f"{field}: spec {ours!r}, config {theirs!r}" for field, (ours, theirs) in wrong.items())


@pytest.mark.parametrize("name", reference_names())
def test_layer_plan_matches_config(name):
    spec, cfg = load_spec(name), text_config(name)
    ours = [layer_row(block) for block in expand(spec)]
    theirs = expected_plan(cfg)
    assert len(ours) == len(theirs)
    wrong = [(a, b) for a, b in zip(ours, theirs, strict=True) if a != b]
    assert not wrong, (
        f"{len(wrong)} of {len(ours)} layers differ; first: spec {wrong[0][0]}, config {wrong[0][1]}")


@pytest.mark.parametrize("name", reference_names())
def test_param_counts_match_transformers(name):
    expected = json.loads((REFERENCE / "expected_params.json").read_text())[name]
    counts = count_params(load_spec(name))
    assert counts.total_params == expected["total_params"]
    assert counts.active_params == expected["active_params"]
    assert counts.active_params_excl_embedding == expected["active_params_excl_embedding"]
    assert counts.components == expected["components"]
