"""One :class:`Family` per supported transformers ``model_type``.

A family knows every key its transformers config class and modeling code
read (``defaults``: the transformers defaults, used for keys a file leaves
out), the keys that change no parameter or cache size (``ignored``), how to
read a config into a spec body and how to write a spec back.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import field

from archcmp.hf.reader import Reader
from archcmp.record import record
from archcmp.schema import ModelSpec


@record
class Family:
    model_type: str
    family: str  # the spec's ``family`` label
    defaults: dict
    to_spec: Callable[[Reader], dict]
    to_config: Callable[[ModelSpec], dict]
    ignored: frozenset[str] = frozenset()
    # config attribute_map: another name transformers accepts for a key
    aliases: dict[str, str] = field(default_factory=dict)
    # the model_type written on export when transformers knows the family
    # under another name (Kimi K2 ships DeepSeek-V3 code)
    export_as: str | None = None
    # keys whose value may hold JSON's Infinity/NaN: ones the family ignores
    # but transformers writes so (NemotronHConfig's time_step_limit)
    nonfinite_ok: frozenset[str] = frozenset()


def _all() -> dict[str, Family]:
    from archcmp.hf.families import (  # linear-attention hybrids  # sparse and compressed attention
        deepseek,
        deepseek_v4,
        dsa,
        gemma,
        gemma3n,
        gemma4,
        glm,
        gpt,
        kimi_linear,
        llama,
        llama4,
        minimax,
        mistral4,
        mistral_large4,
        nemotron_h,
        olmo3,
        qwen,
        qwen_next,
    )

    families: dict[str, Family] = {}
    for module in (llama, qwen, gemma, gemma3n, deepseek, glm, llama4, gpt, gemma4, minimax, olmo3, mistral4,
                   qwen_next, kimi_linear, nemotron_h, dsa, deepseek_v4, mistral_large4):
        for family in module.FAMILIES:
            families[family.model_type] = family
    return families


FAMILIES = _all()

# Multimodal wrappers: the language model is ``text_config``, of this
# model_type when the text config does not say.
WRAPPERS = {"gemma3": "gemma3_text", "gemma3n": "gemma3n_text", "llama4": "llama4_text", "mistral3": "mistral",
            "gemma4": "gemma4_text", "kimi_k25": "deepseek_v3", "mistral_large4": "mistral_large4_text",
            "qwen3_5": "qwen3_5_text", "qwen3_5_moe": "qwen3_5_moe_text"}
# Keys of a wrapper that its text model obeys, copied into text_config unless it sets them.
WRAPPER_KEYS = {"qwen3_5": ("tie_word_embeddings",), "qwen3_5_moe": ("tie_word_embeddings",)}
# A wrapper without any text_config builds this one (``SubConfigSpec.init_kwargs``
# of ``Mistral3Config``: Mistral Small 3.1's text model); the others their text class defaults.
ABSENT_TEXT_CONFIG = {
    "mistral3": {"attention_dropout": 0.0, "head_dim": 128, "hidden_act": "silu", "hidden_size": 5120,
                 "initializer_range": 0.02, "intermediate_size": 32768, "max_position_embeddings": 131072,
                 "model_type": "mistral", "num_attention_heads": 32, "num_hidden_layers": 40,
                 "num_key_value_heads": 8, "rms_norm_eps": 1e-05, "rope_theta": 1000000000.0,
                 "sliding_window": None, "use_cache": True, "vocab_size": 131072},
}


def supported() -> list[str]:
    return sorted([*FAMILIES, *WRAPPERS])
