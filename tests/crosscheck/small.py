"""Shared helpers for cross-checks: reference configs, their text model, a
transformers model built from a config dict, and shrunk copies of both a
config and a spec (smaller hidden/vocab/layers, same heads, head dims, MLA
ranks, windows and layer pattern).

Imported only by tests under tests/crosscheck/, which skip without torch.
"""

from __future__ import annotations

import json
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
# CI clones the repo into another folder with a copy of shared/ beside it.
REFERENCE = REPO.parent / "shared" / "reference"

# Model types transformers does not know under the hub name.
MODEL_TYPE_ALIASES = {"kimi_k2": "deepseek_v3"}


def reference_names() -> list[str]:
    return sorted(p.stem for p in (REFERENCE / "configs").glob("*.json"))


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
        return AutoModelForCausalLM.from_config(hf, attn_implementation=attn_implementation)


def unique_param_count(model) -> int:
    seen, total = set(), 0
    for p in model.parameters():
        if id(p) not in seen:
            seen.add(id(p))
            total += p.numel()
    return total
