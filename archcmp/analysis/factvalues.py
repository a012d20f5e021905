"""Structured fact values: what a card says, as data. Each is hashable (so
``compare`` can tell equal values apart) and turns into plain JSON; the
words for it are written by :mod:`archcmp.render.facts_text`."""

from __future__ import annotations

import dataclasses

from archcmp.record import record


@record
class Run:
    """Layers ``start`` to ``stop`` (inclusive) share ``label``."""

    start: int
    stop: int
    label: str


def runs(labels: list[str]) -> tuple[Run, ...]:
    """``[dense, dense, moe, moe]`` → runs 0-1 dense, 2-3 moe."""
    found, start = [], 0
    for i in range(1, len(labels) + 1):
        if i == len(labels) or labels[i] != labels[start]:
            found.append(Run(start, i - 1, labels[start]))
            start = i
    return tuple(found)


@record
class SpanCount:
    span: str  # "full" | "sliding" | "chunked" | "csa" | "hca"
    window: int | None
    num_layers: int


@record
class IndexerFact:
    """A lightning indexer (DSA, CSA): heads × head dim, the keys each query
    keeps, and on how many layers it runs (the others reuse a selection)."""

    num_heads: int
    head_dim: int
    topk: int
    layers: int
    num_layers: int


@record
class AttentionLayout:
    """The attention kind and how many layers attend in each span, in the
    order sliding, chunked, full (then compressed ones), and the lightning
    indexer that picks the keys, if any."""

    kind: str
    spans: tuple[SpanCount, ...]
    indexer: IndexerFact | None = None
    # tokens per compressed entry of each compressed span (DeepSeek-V4: csa 4, hca 128)
    ratios: tuple[tuple[str, int], ...] = ()


def mixer_label(mixer) -> str:
    """A softmax layer's span (``full``, ``sliding``, ``chunked``, ``csa``,
    ``hca``), else the kind of its linear mixer, which has no span."""
    return mixer.kind if mixer.span is None else mixer.span.kind


def attention_layout(kind: str, plan, indexer: IndexerFact | None = None) -> AttentionLayout:
    """The softmax layers only: a hybrid's linear layers have their own facts."""
    counts: dict[tuple, int] = {}
    ratios: dict[str, int] = {}
    for block in plan.mixer_blocks():
        span = block.mixer.span
        if span is None:
            continue
        counts[(span.kind, span.window)] = counts.get((span.kind, span.window), 0) + 1
        if getattr(span, "ratio", None):  # a compressed span
            ratios[span.kind] = span.ratio
    order = ("sliding", "chunked", "full", "csa", "hca")
    spans = sorted((SpanCount(s, w, n) for (s, w), n in counts.items()), key=lambda c: order.index(c.span))
    return AttentionLayout(kind, tuple(spans), indexer, tuple(ratios.items()))


@record
class MixPart:
    """``count`` layers (or blocks) of one kind: a linear mixer's kind, the
    softmax attention kind (``gated``: with an output gate), or a block of an
    FFN alone (``moe``, ``dense``)."""

    kind: str
    count: int
    gated: bool = False


@record
class LayerMix:
    """How a hybrid mixes its layers, and the linear : softmax ratio
    (reduced). ``blocks``: the parts are single-sublayer blocks (Nemotron-H)."""

    parts: tuple[MixPart, ...]
    ratio: tuple[int, int]
    blocks: bool


@record
class LinearHeads:
    """A linear mixer's heads: query/key heads and dims, value heads and
    dims (one of each for KDA and Mamba-2), Mamba-2's groups and state size."""

    kind: str
    key_heads: int
    key_dim: int
    value_heads: int
    value_dim: int
    groups: int | None = None
    state_size: int | None = None


@record
class FixedState:
    """One linear layer's state, the same at every context, in a convention
    and cache dtype; ``num_layers`` of them."""

    bytes_per_layer: int
    num_layers: int
    convention: str
    dtype: str


@record
class PerSpan:
    """A value that differs by span (Gemma 4: head dim 256 on sliding
    layers, 512 on full ones), in the order sliding, chunked, full."""

    values: tuple[tuple[str, int], ...]


def per_span(plan, name: str) -> int | PerSpan | None:
    """The mixers' ``name`` (layers of kinds without one left out): one
    number when all agree."""
    found: dict[str, int] = {}
    for block in plan.mixer_blocks():
        if block.mixer.span is not None and getattr(block.mixer, name, None) is not None:  # softmax layers only
            found.setdefault(block.mixer.span.kind, getattr(block.mixer, name))
    if len(set(found.values())) <= 1:
        return next(iter(found.values()), None)
    order = ("sliding", "chunked", "full")
    return PerSpan(tuple(sorted(found.items(), key=lambda item: order.index(item[0]))))


@record
class PartialRope:
    """RoPE on ``factor`` of each head's dims; on the full-attention layers
    only when local layers have their own plain RoPE."""

    factor: float
    full_layers_only: bool


@record
class LatentDims:
    qk_nope_head_dim: int
    qk_rope_head_dim: int


@record
class ScoreScale:
    """Scores not scaled at all (``unit``), or by 1/sqrt(``dim``)."""

    unit: bool
    dim: int | None


@record
class PositionKind:
    kind: str  # "rope" | "learned" | "none"
    learned_positions: int | None


@record
class Scaling:
    type: str
    factor: float | None  # None: the type has no factor (proportional)
    full_layers_only: bool  # with a separate local theta, local layers keep plain RoPE


@record
class LayerSet:
    layers: tuple[int, ...]
    num_layers: int


@record
class FFNKind:
    moe: bool
    gated: bool
    activation: str


@record
class Router:
    """The parts of the routing the spec states (``None``: not stated)."""

    scoring: str | None
    top_k: int
    normalize_top_k: bool | None
    routed_scaling_factor: float | None
    hash_layers: int = 0  # leading layers that route by a token-id table (DeepSeek-V4)


@record
class GroupedOutput:
    """DeepSeek-V4's output projection: heads in ``groups``, each group to
    ``rank``, then one matrix to the hidden size."""

    groups: int
    rank: int


@record
class HyperConnectionsFact:
    streams: int
    sinkhorn_iterations: int


@record
class NormFact:
    kind: str
    placement: str


@record
class MatFormerFact:
    parent: str | None
    nested: tuple[str, ...]


def jsonable(value: object) -> object:
    """Plain JSON data for a fact value."""
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return {f.name: jsonable(getattr(value, f.name)) for f in dataclasses.fields(value)}
    if isinstance(value, tuple | list):
        return [jsonable(v) for v in value]
    if isinstance(value, dict):
        return {key: jsonable(v) for key, v in value.items()}
    return value
