"""The architecture of a spec as plain data, for "same model?" questions.

Metadata (names, sources, published figures, MatFormer links) is left out;
layer patterns are expanded to one label per layer and per-layer FFN widths
to one width per layer, so that two ways of writing the same model compare
equal (``[sliding, full]`` vs ``{repeat: [sliding, full, sliding, full]}``).
"""

from __future__ import annotations

from archcmp.hf import patterns
from archcmp.schema import ModelSpec

METADATA = frozenset({"id", "name", "family", "hf_model_type", "aliases", "release_date", "sources", "published",
                      "training", "notes", "matformer"})
# Fields a spec may leave unstated: left out, they match whatever the other
# spec says (a hand-written MoE spec that does not say how its router scores
# can still be exported; the family's routing then applies).
UNSTATED = frozenset({"moe.router_scoring", "moe.normalize_top_k",
                      "linear_attention.state_dtype"})  # left out: the family's engine dtype applies
# (section, field, label a missing pattern means)
_PATTERNS = (("attention", "layer_pattern", "full"), ("positions", "nope_pattern", "rope"),
             ("moe", "layer_pattern", "moe"))


def architecture(spec: ModelSpec) -> dict:
    data = spec.model_dump(exclude=set(METADATA))
    for section, name, plain in _PATTERNS:
        model = getattr(spec, section)
        if model is not None:
            data[section][name] = patterns.expand(getattr(model, name), spec.num_layers, plain)
    data["ffn"]["intermediate_size"] = [spec.intermediate_size_at(i) for i in range(spec.num_layers)]
    if spec.block_pattern is not None:
        data["block_pattern"] = spec.block_pattern.labels(spec.num_layers)
    return data


def differences(a: ModelSpec, b: ModelSpec) -> list[str]:
    """Dotted paths of the architecture fields where ``a`` and ``b`` differ,
    with both values; an :data:`UNSTATED` field ``a`` leaves out differs from nothing."""
    out: list[str] = []
    _diff(architecture(a), architecture(b), "", out)
    return out


def _diff(a, b, path: str, out: list[str]) -> None:
    if isinstance(a, dict) and isinstance(b, dict):
        for key in sorted(a.keys() | b.keys()):
            _diff(a.get(key), b.get(key), f"{path}.{key}" if path else key, out)
    elif a != b and not (a is None and path in UNSTATED):
        out.append(f"{path}: {_short(a)} -> {_short(b)}")


def _short(value) -> str:
    if isinstance(value, list) and len(set(map(str, value))) == 1 and len(value) > 3:
        return f"[{value[0]!r}] * {len(value)}"
    text = repr(value)
    return text if len(text) <= 80 else text[:77] + "..."
