"""Gemma 4 and the other 2026 standard-block families against transformers.

* Parameters: every wave-2 reference config of these families
  (tests/data/reference/wave2/configs) built on the meta device; its unique
  parameter count and components equal archcmp's import of the same file.
* KV cache: shrunk copies (hidden 64, vocabulary 256, window 16) run a real
  CPU prefill in fp32; every layer of the returned ``DynamicCache`` holds
  exactly archcmp's ``--convention transformers`` bytes (``window - 1``
  tokens on sliding layers, nothing on KV-shared ones, V cached on K=V layers).
* FLOPs: the same small models under ``FlopCounterMode`` (eager attention and
  experts, weights a constant): a prefill below the window measures archcmp's
  linear FLOPs and ``--attention full`` core FLOPs exactly; one decode step
  likewise. Gemma 4 E models run their KV-shared layers on the last position
  only in a prefill that keeps one logit (``_maybe_slice_kv_shared_inputs``);
  asking for hidden states turns that off, so their prefill is measured
  with every layer over every token, as archcmp (and vLLM) count it.
* The bundled E2B and E4B (tests/data/hf/gemma4-e*-text.json: their text
  configs) shrunk to their first layers, KV sharing kept: cache and FLOPs as
  above.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from small import build_model, shrink_config
from test_flops_vs_transformers import measure, uninitialised_model
from test_params_vs_transformers import assert_same_counts

from archcmp.analysis.flops import count_flops
from archcmp.analysis.kvcache import kv_cache
from archcmp.hf.importer import import_file

WAVE2 = Path(__file__).resolve().parents[1] / "data" / "reference" / "wave2" / "configs"
HF = Path(__file__).resolve().parents[1] / "data" / "hf"
REFERENCES = ("gemma4-26b-a4b", "gemma4-31b", "minimax-m2.5", "olmo3-32b", "glm-4.6", "kimi-k2.5")
WINDOW, TOKENS = 16, 12
# A Gemma 4 E model as the E2B config describes one (PLE, 4 sliding : 1 full,
# the last layers KV-shared with double-wide MLPs), small.
E_MODEL = {"model_type": "gemma4_text", "num_hidden_layers": 10, "num_attention_heads": 4, "num_key_value_heads": 1,
           "head_dim": 32, "global_head_dim": 64, "hidden_size_per_layer_input": 16, "num_kv_shared_layers": 4,
           "use_double_wide_mlp": True, "layer_types": (["sliding_attention"] * 4 + ["full_attention"]) * 2,
           "final_logit_softcapping": 30.0}


def text_config(name: str) -> dict:
    """The language model's config; its saved bf16 dtype dropped, so that
    small models run in fp32."""
    config = json.loads((WAVE2 / f"{name}.json").read_text())
    config.get("text_config", config).pop("dtype", None)
    inner = config.get("text_config")
    if inner is None:
        return config
    inner = dict(inner)
    inner.setdefault("model_type", {"gemma4": "gemma4_text", "kimi_k25": "deepseek_v3"}[config["model_type"]])
    return inner


@pytest.mark.parametrize("name", REFERENCES)
def test_reference_config_counts_equal_transformers(name):
    assert_same_counts(import_file(WAVE2 / f"{name}.json").spec, text_config(name))


def e_config(name: str) -> dict:
    config = json.loads((HF / f"gemma4-{name}-text.json").read_text())
    config.pop("dtype", None)
    return config


def small_configs() -> dict[str, dict]:
    window = {"sliding_window": WINDOW}
    return {
        "gemma4-31b": shrink_config(text_config("gemma4-31b"), 6, **window),
        "gemma4-26b-a4b": shrink_config(text_config("gemma4-26b-a4b"), 6, top_k_experts=2, **window),
        "gemma4-e-model": shrink_config(E_MODEL, 10, **window),
        # E2B's first 10 layers with its last 4 shared (4 sliding : 1 full, double-wide MLPs);
        # E4B's first 12 with its last 4 shared (5 : 1, two KV heads)
        "gemma4-e2b": shrink_config(e_config("e2b"), 10, num_kv_shared_layers=4, **window),
        "gemma4-e4b": shrink_config(e_config("e4b"), 12, num_kv_shared_layers=4, **window),
        "olmo3": shrink_config(text_config("olmo3-32b"), 4, **window),
        "minimax-m2": shrink_config(text_config("minimax-m2.5"), 2),
    }


SMALL = small_configs()


def spec_of(config: dict, tmp_path):
    path = tmp_path / "config.json"
    path.write_text(json.dumps(config))
    return import_file(path).spec


@pytest.mark.parametrize("tokens", (TOKENS, 40))
@pytest.mark.parametrize("name", sorted(SMALL))
def test_cache_layers_hold_the_transformers_convention(name, tokens, tmp_path):
    import torch

    config = SMALL[name]
    torch.manual_seed(0)
    model = build_model(config, device="cpu").eval()
    ids = torch.randint(0, config["vocab_size"], (1, tokens))
    with torch.no_grad():
        cache = model(input_ids=ids, use_cache=True).cache
    held = [sum(t.numel() * t.element_size() for t in (layer.keys, layer.values) if t is not None)
            for layer in cache.layers]
    ours = kv_cache(spec_of(config, tmp_path), tokens, dtype="fp32", convention="transformers")
    expected = [layer.bytes for layer in ours.layers]
    assert held + [0] * (len(expected) - len(held)) == expected


def _flops_case(name: str, tmp_path):
    import torch

    config = {**SMALL[name], "experts_implementation": "eager"}
    spec = spec_of(SMALL[name], tmp_path)
    torch.manual_seed(0)
    return spec, uninitialised_model(config), torch.randint(0, config["vocab_size"], (1, TOKENS + 1))


@pytest.mark.parametrize("name", sorted(SMALL))
def test_prefill_flops_equal_measured(name, tmp_path):
    import torch

    spec, model, ids = _flops_case(name, tmp_path)
    # output_hidden_states: E models' KV-shared layers then run over the whole prompt
    with torch.no_grad():
        measured = measure(model, lambda: model(input_ids=ids[:, :TOKENS], logits_to_keep=1,
                                                output_hidden_states=True))
    ours = count_flops(spec, TOKENS, attention="full").prefill
    assert (ours.linear, ours.attention) == (measured.linear, measured.attention)


@pytest.mark.parametrize("name", sorted(SMALL))
def test_decode_step_flops_equal_measured(name, tmp_path):
    import torch

    spec, model, ids = _flops_case(name, tmp_path)
    with torch.no_grad():
        cache = model(input_ids=ids[:, :TOKENS], use_cache=True).cache
        measured = measure(model, lambda: model(input_ids=ids[:, TOKENS:], cache=cache, use_cache=True))
    ours = count_flops(spec, TOKENS).decode
    assert (ours.linear, ours.attention) == (measured.linear, measured.attention)
