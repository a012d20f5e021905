"""archcmp's parameter counts against the models transformers builds.

Every bundled spec (exported with ``archcmp export``), every reference
config and every fixture in tests/data/hf/ (imported with ``archcmp
import``) is instantiated with transformers 5.24 on the ``meta`` device
(nothing allocated). The unique parameter count must equal archcmp's total
exactly, and so must each component, after sorting the transformers
parameter names into archcmp's components by the rules below.

The per-family key lists and defaults are checked against the transformers
config classes too, so a transformers upgrade that adds a key shows up here.
"""

from __future__ import annotations

import dataclasses
import functools
import json
import re
from collections import Counter
from pathlib import Path

import pytest
from hybrid_configs import HYBRID_TYPES, random_hybrid_config
from small import build_model, hybrid_name
from testpaths import DATA, REFERENCE, reference_names

from archcmp.analysis.params import COMPONENTS, count_params
from archcmp.hf.common import BASE_IGNORED
from archcmp.hf.exporter import export_spec
from archcmp.hf.families import FAMILIES, WRAPPERS
from archcmp.hf.importer import import_file
from archcmp.hf.sameness import differences
from archcmp.registry import Registry

FIXTURES = sorted((DATA / "hf").glob("*.json"))
CONFIGS = REFERENCE / "configs"

# First match wins. Attention keeps its own norms (q/k norm, MLA latent
# norms) and sinks; Gemma 3n's AltUp/LAuReL norms are norms, the rest of
# those modules "other" (tests/data/reference/README.md, components).
RULES = (
    (r"(^|\.)lm_head\.", "lm_head"),
    (r"\.(embed_tokens|embed_tokens_per_layer|wte|wpe)\.", "embedding"),
    (r"\.linear_attn\.", "linear_mixer"),  # Gated DeltaNet, KDA and Mamba-2 layers (small.hybrid_name)
    (r"\.self_attn\.(compressor\.)?indexer\.", "indexer"),  # DSA's and CSA's lightning indexer
    (r"\.self_attn\.compressor\.", "compressor"),  # DeepSeek-V4
    (r"(^|\.)(attn_hc|ffn_hc|hc_head)\.", "hyper_connections"),  # DeepSeek-V4's mHC
    (r"\.(self_attn|attn)\.", "attention"),
    (r"\.experts\.", "routed_experts"),
    (r"\.router\.", "router"),  # Gemma 4's router: proj, scale and per_expert_scale
    (r"\.shared_experts?(_gate)?\.", "shared_experts"),
    (r"\.(gate|router)\.(weight|bias)$", "router"),
    (r"(norm(_\d)?|ln_\d+|ln_f)\.(weight|bias)$", "norms"),  # Gemma 4: post_feedforward_layernorm_1
    (r"(altup|laurel|per_layer_)", "other"),
    (r"\.fc[12]_latent_proj\.", "routed_experts"),  # Nemotron 3 Super's latent MoE projections
    (r"\.(mlp|feed_forward)\.", "dense_mlp"),
)


def component(name: str) -> str:
    for pattern, part in RULES:
        if re.search(pattern, name):
            return part
    raise AssertionError(f"no component for transformers parameter {name!r}")


def hf_components(model) -> dict[str, int]:
    counts = Counter(dict.fromkeys(COMPONENTS, 0))
    for name, param in model.named_parameters():  # shared (tied) tensors once
        counts[component(hybrid_name(name, model.config))] += param.numel()
    return dict(counts)


def text_config(config: dict) -> dict:
    """The language model's config dict, ``model_type`` filled in."""
    if config.get("model_type") in WRAPPERS:
        inner = dict(config.get("text_config") or {})
        inner.setdefault("model_type", WRAPPERS[config["model_type"]])
        return inner
    return config


def assert_same_counts(spec, config: dict) -> None:
    model = build_model(text_config(config))
    ours = count_params(spec)
    theirs = hf_components(model)
    assert ours.components == theirs
    assert ours.total_params == sum(theirs.values())


@functools.cache
def registry() -> Registry:
    return Registry(use_env=False)


@pytest.mark.parametrize("spec_id", [e.id for e in registry().entries])
def test_bundled_spec_via_export(spec_id):
    spec = registry().resolve(spec_id)
    assert_same_counts(spec, export_spec(spec).config)


@pytest.mark.parametrize("name", reference_names())
def test_reference_config_via_import(name):
    path = CONFIGS / f"{name}.json"
    assert_same_counts(import_file(path).spec, json.loads(path.read_text()))


@pytest.mark.parametrize("path", FIXTURES, ids=[p.stem for p in FIXTURES])
def test_fixture_config_via_import(path):
    assert_same_counts(import_file(path).spec, json.loads(path.read_text()))


# A longrope spec cannot be exported: the per-dimension factor lists are not
# in a spec (tests/test_export.py checks the message).
EXPORTABLE = [p for p in FIXTURES if "longrope" not in p.stem]


@pytest.mark.parametrize("path", EXPORTABLE, ids=[p.stem for p in EXPORTABLE])
def test_exported_fixture_builds_the_same_model(path):
    """import, export, build: the written config.json is one transformers
    reads as the same architecture."""
    spec = import_file(path).spec
    assert_same_counts(spec, export_spec(spec).config)


def saved_by_transformers(config: dict, tmp_path) -> Path:
    """``config`` as transformers 5 writes it back (``to_dict``: every
    field, derived ones and the v5 ``rope_parameters`` form included)."""
    from transformers import AutoConfig

    config = dict(config)
    model_type = config.pop("model_type")
    path = tmp_path / "config.json"
    saved = AutoConfig.for_model(model_type, **config).to_dict()
    # json.dumps writes NemotronHConfig's time_step_limit (0.0, inf) as [0.0, Infinity], as transformers does
    path.write_text(json.dumps(saved, default=str))
    return path


@pytest.mark.parametrize("spec_id", [e.id for e in registry().entries])
def test_config_saved_by_transformers_imports_as_the_same_spec(tmp_path, spec_id):
    spec = registry().resolve(spec_id)
    path = saved_by_transformers(export_spec(spec).config, tmp_path)
    assert differences(spec, import_file(path).spec) == []


# DeepseekV2Config has no default num_experts_per_tok, which a spec needs.
# Mistral Large 4's text model has no causal-LM class of its own: tests/crosscheck/test_sparse_vs_transformers.py
# counts it inside MistralLarge4ForConditionalGeneration.
DEFAULT_BUILDS = sorted(set(FAMILIES) - {"kimi_k2", "deepseek_v2", "mistral_large4_text"})


@pytest.mark.parametrize("model_type", DEFAULT_BUILDS)
def test_transformers_default_config_of_each_family(tmp_path, model_type):
    path = saved_by_transformers({"model_type": model_type}, tmp_path)
    assert_same_counts(import_file(path).spec, {"model_type": model_type})


# transformers fills these in __post_init__ rather than as field defaults.
POST_INIT_DEFAULTS = {("gpt_oss", "rope_parameters")}
COMMON_FIELDS = {"transformers_version", "architectures", "output_hidden_states", "return_dict", "dtype",
                 "chunk_size_feed_forward", "is_encoder_decoder", "id2label", "label2id", "problem_type"}


def _config_class(model_type: str):
    from transformers import CONFIG_MAPPING

    return CONFIG_MAPPING["deepseek_v3" if model_type == "kimi_k2" else model_type]


@pytest.mark.parametrize("model_type", sorted(FAMILIES))
def test_family_knows_every_transformers_config_field(model_type):
    family = FAMILIES[model_type]
    known = family.defaults.keys() | family.ignored | BASE_IGNORED
    fields = {f.name for f in dataclasses.fields(_config_class(model_type))} - COMMON_FIELDS
    assert {family.aliases.get(f, f) for f in fields} - known == set()


@pytest.mark.parametrize("model_type", sorted(FAMILIES))
def test_family_defaults_are_the_transformers_defaults(model_type):
    family, cls = FAMILIES[model_type], _config_class(model_type)
    for f in dataclasses.fields(cls):
        name = family.aliases.get(f.name, f.name)
        if name not in family.defaults or (model_type, name) in POST_INIT_DEFAULTS:
            continue
        default = f.default_factory() if f.default is dataclasses.MISSING else f.default
        assert family.defaults[name] == default, name
    theta = cls.default_theta
    if isinstance(theta, dict):
        assert (family.defaults["rope_theta"], family.defaults["rope_local_base_freq"]) == (
            theta["global"], theta["local"])
    elif "rope_theta" in family.defaults:
        assert family.defaults["rope_theta"] == theta


# ---- random small configs: every switch a family reads, drawn at random --


def random_config(model_type: str, rng) -> dict:
    """A small config of ``model_type`` with that family's switches (biases,
    window and layer-type settings, MoE placement, NoPE lists, ...) drawn."""
    if model_type in HYBRID_TYPES:
        return random_hybrid_config(model_type, rng)
    n, heads = rng.randint(1, 7), rng.choice([2, 4])
    flip = lambda: rng.random() < 0.5
    subset = lambda: sorted(rng.sample(range(n), rng.randint(0, n)))
    types = lambda *kinds: [rng.choice(kinds) for _ in range(n)]
    if model_type == "gpt2":
        return {"model_type": "gpt2", "vocab_size": 300, "n_embd": 64, "n_layer": n, "n_head": heads,
                "n_positions": 64, "n_inner": rng.choice([None, 100]), "tie_word_embeddings": flip(),
                "activation_function": rng.choice(["gelu_new", "relu", "gelu"]), "bos_token_id": 0, "eos_token_id": 0}
    c = {"model_type": model_type, "vocab_size": 300, "hidden_size": rng.choice([64, 96]), "num_hidden_layers": n,
         "num_attention_heads": heads, "num_key_value_heads": rng.choice([1, heads]), "intermediate_size": 80,
         "tie_word_embeddings": flip(), "pad_token_id": 0, "bos_token_id": 1, "eos_token_id": 2}
    if flip() and model_type != "mistral4":  # Mistral4Config sets head_dim to qk_nope + qk_rope itself
        c["head_dim"] = rng.choice([16, 24])
    defaults = FAMILIES[model_type].defaults
    for key in ("attention_bias", "mlp_bias", "qkv_bias", "use_qk_norm", "use_sliding_window"):
        if key in defaults and model_type not in ("mistral", "mixtral", "phi3"):
            c[key] = flip()
    if "sliding_window" in defaults:
        c["sliding_window"] = rng.choice([None, 32]) if model_type in ("mistral", "mixtral", "phi3") else 32
    if model_type == "deepseek_v4":
        return random_v4_config(c, n, rng)
    sparse = ("deepseek_v32", "glm_moe_dsa")  # every layer indexed_attention
    if "layer_types" in defaults and model_type not in ("mistral", "mixtral", "llama4_text", "gemma3n_text",
                                                        *sparse) and flip():
        c["layer_types"] = types("full_attention", "sliding_attention")
    if "max_window_layers" in defaults:
        c["max_window_layers"] = rng.randint(0, n)
    if "sliding_window_pattern" in defaults:
        c["sliding_window_pattern"] = rng.randint(1, 4)
    experts = {"mixtral": "num_local_experts", "gpt_oss": "num_local_experts", "llama4_text": "num_local_experts",
               "qwen2_moe": "num_experts", "qwen3_moe": "num_experts", "glm4_moe": "n_routed_experts",
               "deepseek_v2": "n_routed_experts", "deepseek_v3": "n_routed_experts",
               "deepseek_v32": "n_routed_experts", "glm_moe_dsa": "n_routed_experts"}
    if model_type in experts:
        c.update({experts[model_type]: rng.randint(1, 4), "num_experts_per_tok": 1})
    for key, size in (("moe_intermediate_size", 24), ("shared_expert_intermediate_size", 40)):
        if key in defaults:
            c[key] = size
    if model_type in ("qwen2_moe", "qwen3_moe"):
        c.update(decoder_sparse_step=rng.randint(1, 3), mlp_only_layers=subset())
    if model_type in ("glm4_moe", "deepseek_v2", "deepseek_v3", *sparse):
        c.update(first_k_dense_replace=rng.randint(0, n), n_shared_experts=rng.randint(0, 2))
    if model_type == "deepseek_v2" and c["n_shared_experts"] == 0:
        c["mlp_bias"] = False  # refused on import: see deepseek_spec
    if model_type.startswith("deepseek"):
        c.update(q_lora_rank=rng.choice([None, 16]), kv_lora_rank=12, qk_nope_head_dim=8, qk_rope_head_dim=4,
                 v_head_dim=rng.choice([8, 12]), n_group=1, topk_group=1)
    if model_type in sparse:  # a lightning indexer (its head dim holds the rope dims), always a q LoRA rank
        c.update(q_lora_rank=16, index_n_heads=rng.choice([2, 4]), index_head_dim=8, index_topk=rng.randint(1, 8))
    if model_type == "glm_moe_dsa":  # IndexCache: layer 0 always runs its indexer (offset >= 1)
        c.update(index_topk_freq=rng.randint(1, 3), index_skip_topk_offset=rng.randint(1, 3))
    if model_type in ("smollm3", "llama4_text"):
        c["no_rope_layer_interval"] = rng.randint(2, 4)
        if flip():
            c["no_rope_layers"] = [rng.randint(0, 1) for _ in range(n)]
    if model_type == "llama4_text":
        c.update(intermediate_size_mlp=96, attention_chunk_size=rng.choice([None, 32]),
                 **({"interleave_moe_layer_step": rng.randint(1, 3)} if flip() else {"moe_layers": subset()}))
    if model_type in ("phi3", "glm4_moe") and flip():
        c["partial_rotary_factor"] = 0.5
    if model_type == "gemma":
        c["hidden_act"] = rng.choice(["gelu", "gelu_pytorch_tanh"])
    # routing and score scaling change no count, but export must carry them
    if "norm_topk_prob" in defaults:
        c["norm_topk_prob"] = flip()
    if "routed_scaling_factor" in defaults:
        c["routed_scaling_factor"] = rng.choice([1.0, 2.5])
    if "query_pre_attn_scalar" in defaults:
        c["query_pre_attn_scalar"] = rng.choice([24, c.get("head_dim", c["hidden_size"] // heads)])
    for key in ("final_logit_softcapping", "attn_logit_softcapping"):
        if key in defaults and model_type != "gemma3n_text":  # Gemma3nTextConfig refuses a null cap
            c[key] = rng.choice([None, 30.0])
    if model_type == "gemma4_text":
        return random_gemma4_config(c, n, rng)
    if model_type == "mistral4":
        c.update(q_lora_rank=rng.choice([None, 16]), kv_lora_rank=12, qk_nope_head_dim=8, qk_rope_head_dim=4,
                 v_head_dim=rng.choice([8, 12]), n_routed_experts=rng.randint(1, 4), num_experts_per_tok=1,
                 first_k_dense_replace=rng.randint(0, n), n_shared_experts=rng.randint(0, 2), n_group=1,
                 topk_group=1)
    if model_type == "minimax_m2":
        c.update(num_local_experts=rng.randint(1, 4), num_experts_per_tok=1,
                 **({"rotary_dim": 8} if flip() else {}))
    if model_type == "gemma3n_text":
        c.update(vocab_size_per_layer_input=250, hidden_size_per_layer_input=8, laurel_rank=4,
                 altup_num_inputs=rng.randint(2, 4), intermediate_size=[rng.choice([64, 80]) for _ in range(n)])
        c["num_kv_shared_layers"] = rng.randint(0, max(0, n - 5))  # keep an owner of each type
    return c


def random_gemma4_config(c: dict, n: int, rng) -> dict:
    """Gemma 4: layer types absent (every 6th full), drawn (a sliding last
    layer is forced full), the full layers' geometry as the hub writes it
    or as ``per_layer_config`` (what transformers saves), K=V, PLE, KV
    sharing as deep as every shared type keeps an owner, double-wide MLPs,
    the parallel MoE, the rope dicts and vision-only bidirectional attention."""
    flip = lambda: rng.random() < 0.5
    if flip():
        c.pop("layer_types", None)
        labels = ["full" if (i + 1) % 6 == 0 else "sliding" for i in range(n)]
    else:
        c["layer_types"] = [rng.choice(["full_attention", "sliding_attention"]) for _ in range(n)]
        labels = [t.split("_")[0] for t in c["layer_types"]]
    labels[-1] = "full"
    deepest = max(s for s in range(n) if set(labels[:n - s]) == set(labels))
    c.update(attention_k_eq_v=flip(), hidden_size_per_layer_input=rng.choice([0, 8]), vocab_size_per_layer_input=250,
             use_double_wide_mlp=flip(), num_kv_shared_layers=rng.randint(0, deepest),
             use_bidirectional_attention=rng.choice([None, "vision"]), sliding_window=rng.choice([16, 32]))
    if flip():
        c.update(global_head_dim=rng.choice([16, 32]), num_global_key_value_heads=rng.choice([None, 1]))
    else:  # per layer, one geometry per layer type (transformers' rotary embedding needs that)
        geometry = lambda: {k: v for k, v in (("head_dim", rng.choice([None, 16, 32])),
                                               ("num_key_value_heads", rng.choice([None, 1]))) if v}
        by_type = {"full": geometry(), "sliding": geometry() if flip() else {}}
        c["per_layer_config"] = {str(i): by_type[label] for i, label in enumerate(labels) if by_type[label]}
    if flip():
        full = {"rope_type": rng.choice(["default", "proportional"]), "rope_theta": rng.choice([1e6, 5e5])}
        if flip():
            full["partial_rotary_factor"] = rng.choice([0.25, 0.5])
        c["rope_parameters"] = {"full_attention": full,
                                "sliding_attention": {"rope_type": "default", "rope_theta": rng.choice([1e4, 5e4])}}
    if flip():
        c.update(enable_moe_block=True, num_experts=rng.randint(1, 4), top_k_experts=1, moe_intermediate_size=24)
    return c


def random_v4_config(c: dict, n: int, rng) -> dict:
    """DeepSeek-V4: every layer window, CSA or HCA, written per layer type
    with rates, or as the published per-layer compress_ratios."""
    types = [rng.choice(["sliding_attention", "compressed_sparse_attention", "heavily_compressed_attention"])
             for _ in range(n)]
    v4 = {key: c[key] for key in ("model_type", "vocab_size", "num_hidden_layers", "num_attention_heads",
                                  "tie_word_embeddings", "pad_token_id", "bos_token_id", "eos_token_id")}
    v4.update(hidden_size=64, head_dim=32, q_lora_rank=16, o_groups=rng.choice([1, 2]), o_lora_rank=8,
              sliding_window=8, index_n_heads=2, index_head_dim=16, index_topk=4, n_routed_experts=rng.randint(1, 4),
              num_experts_per_tok=1, moe_intermediate_size=24, num_hash_layers=rng.randint(0, n),
              hc_mult=rng.choice([2, 4]), hc_sinkhorn_iters=rng.randint(1, 20),
              num_nextn_predict_layers=rng.randint(0, 1), scoring_func=rng.choice(["sqrtsoftplus", "sigmoid"]),
              norm_topk_prob=rng.random() < 0.5, routed_scaling_factor=rng.choice([1.0, 1.5]),
              mlp_bias=rng.random() < 0.5)
    if rng.random() < 0.5:
        v4.update(layer_types=types, compress_rates={"compressed_sparse_attention": rng.choice([2, 4]),
                                                     "heavily_compressed_attention": rng.choice([8, 16])},
                  partial_rotary_factor=rng.choice([0.25, 0.5]))
    else:
        ratios = {"sliding_attention": 0, "compressed_sparse_attention": 4, "heavily_compressed_attention": 128}
        v4.update(compress_ratios=[ratios[t] for t in types] + [rng.choice([0, 4, 128])], qk_rope_head_dim=8)
    return v4


RANDOM_CASES = [(t, seed) for t in sorted(FAMILIES) if t not in ("kimi_k2", "mistral_large4_text") for seed in range(6)]


@pytest.mark.parametrize("model_type, seed", RANDOM_CASES)
def test_random_config_counts_and_export(tmp_path, model_type, seed):
    import random

    config = random_config(model_type, random.Random(f"{model_type}-{seed}"))
    path = tmp_path / "config.json"
    path.write_text(json.dumps(config))
    spec = import_file(path).spec
    assert_same_counts(spec, config)
    exported = export_spec(spec).config
    assert_same_counts(spec, exported)
    path.write_text(json.dumps(exported))
    assert differences(spec, import_file(path).spec) == []
