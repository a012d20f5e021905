"""Expand a spec into one :class:`LayerPlan` per transformer block.

This is the only place where heterogeneous layers are resolved: local vs
global attention, chunked attention, NoPE layers, dense vs MoE feed-forward,
per-layer FFN widths and cross-layer KV sharing. Analyzers sum over the plan
and never look at model names.
"""

from __future__ import annotations

from dataclasses import dataclass

from archcmp.schema import ModelSpec


@dataclass(frozen=True)
class LayerPlan:
    index: int
    attention: str  # "full" | "sliding" | "chunked"
    window: int | None  # sliding window or chunk size; None for full attention
    rope: bool  # False on NoPE layers
    rope_theta: float | None
    kv_source: int  # the layer whose cache this layer reads; itself unless shared
    ffn: str  # "dense" | "moe"
    intermediate_size: int  # dense FFN width (0 in MoE layers)

    @property
    def owns_kv(self) -> bool:
        return self.kv_source == self.index


def expand(spec: ModelSpec) -> tuple[LayerPlan, ...]:
    """The per-layer plan of ``spec``."""
    kinds = [spec.attention.layer_pattern.label(i) for i in range(spec.num_layers)]
    sources = _kv_sources(spec, kinds)
    return tuple(_layer(spec, i, kinds[i], sources[i]) for i in range(spec.num_layers))


def _layer(spec: ModelSpec, index: int, attention: str, kv_source: int) -> LayerPlan:
    window = {"sliding": spec.attention.sliding_window, "chunked": spec.attention.chunk_size}
    rope = spec.positions.kind == "rope"
    if rope and spec.positions.nope_pattern is not None:
        rope = spec.positions.nope_pattern.label(index) == "rope"
    ffn = spec.moe.layer_pattern.label(index) if spec.moe else "dense"
    return LayerPlan(
        index=index,
        attention=attention,
        window=window.get(attention),
        rope=rope,
        rope_theta=_theta(spec, attention) if rope else None,
        kv_source=kv_source,
        ffn=ffn,
        intermediate_size=spec.intermediate_size_at(index) if ffn == "dense" else 0,
    )


def _theta(spec: ModelSpec, attention: str) -> float | None:
    local = spec.positions.rope_local_theta
    if attention != "full" and local is not None:
        return local
    return spec.positions.rope_theta


def _kv_sources(spec: ModelSpec, kinds: list[str]) -> list[int]:
    """Gemma 3n: each of the last ``num_shared_layers`` layers reads the cache
    of the last non-shared layer of its own attention type
    (transformers ``Gemma3nTextAttention.kv_shared_layer_index``)."""
    sources = list(range(len(kinds)))
    if spec.kv_sharing is None:
        return sources
    first_shared = len(kinds) - spec.kv_sharing.num_shared_layers
    owners = kinds[:first_shared]
    for i in range(first_shared, len(kinds)):
        sources[i] = first_shared - 1 - owners[::-1].index(kinds[i])
    return sources


def attention_label(spec: ModelSpec) -> str:
    """A short description such as ``GQA 5:1 sliding(1024):full``."""
    plan = expand(spec)
    kind = spec.attention.kind.upper()
    counts: dict[str, int] = {}
    for layer in plan:
        counts[layer.attention] = counts.get(layer.attention, 0) + 1
    if len(counts) == 1 and "full" in counts:
        return kind
    parts = []
    for name in ("sliding", "chunked", "full"):
        if name in counts:
            size = spec.attention.sliding_window if name == "sliding" else spec.attention.chunk_size
            parts.append(f"{name}({size})" if name != "full" else name)
    ratio = ":".join(str(counts[n]) for n in ("sliding", "chunked", "full") if n in counts)
    return f"{kind} {' + '.join(parts)} {ratio}"
