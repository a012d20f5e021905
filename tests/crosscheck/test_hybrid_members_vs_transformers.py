"""The further hybrid family members (tests/data/hybrids/configs): their
published configs, imported, count what transformers 5.24 builds on the meta
device, component by component."""

from __future__ import annotations

import json

import pytest
from test_params_vs_transformers import assert_same_counts
from testpaths import DATA

from archcmp.hf.importer import import_file

CONFIGS = sorted((DATA / "hybrids" / "configs").glob("*.json"))


@pytest.mark.parametrize("path", CONFIGS, ids=[p.stem for p in CONFIGS])
def test_member_config_via_import(path):
    assert_same_counts(import_file(path).spec, json.loads(path.read_text()))


def _wrapped(model_type: str, rng) -> dict:
    """A random Qwen3.5 text config inside its multimodal wrapper, the way the
    hub ships them: the wrapper's tie_word_embeddings, a small vision tower."""
    from hybrid_configs import random_hybrid_config

    inner = random_hybrid_config(f"{model_type}_text", rng)
    inner.pop("tie_word_embeddings")
    if rng.random() < 0.5:  # the hub's rope form: partial_rotary_factor and M-RoPE inside rope_parameters
        inner["rope_parameters"] = {"rope_type": "default", "rope_theta": 10_000_000.0, "mrope_interleaved": True,
                                    "mrope_section": [2, 1, 1],
                                    "partial_rotary_factor": inner.pop("partial_rotary_factor")}
    vision = {"depth": 1, "hidden_size": 32, "intermediate_size": 64, "num_heads": 2, "out_hidden_size": 32}
    return {"model_type": model_type, "text_config": inner, "vision_config": vision,
            "tie_word_embeddings": rng.random() < 0.5}


@pytest.mark.parametrize("model_type, seed", [(t, s) for t in ("qwen3_5", "qwen3_5_moe") for s in range(4)])
def test_random_wrapped_qwen35_counts_its_language_model(tmp_path, model_type, seed):
    """The whole ``Qwen3_5(Moe)ForConditionalGeneration`` on meta, its vision
    tower left out: the wrapper's tie_word_embeddings ties the text head."""
    import random

    import torch
    import transformers

    from archcmp.analysis.params import count_params

    config = _wrapped(model_type, random.Random(f"wrapped-{model_type}-{seed}"))
    path = tmp_path / "config.json"
    path.write_text(json.dumps(config))
    hf = transformers.AutoConfig.for_model(**config)
    cls = {"qwen3_5": "Qwen3_5ForConditionalGeneration", "qwen3_5_moe": "Qwen3_5MoeForConditionalGeneration"}
    with torch.device("meta"):
        model = getattr(transformers, cls[model_type])(hf)
    language = {id(p): p.numel() for name, p in model.named_parameters() if ".visual." not in f".{name}"}
    assert count_params(import_file(path).spec).total_params == sum(language.values())
