"""Cross-field rules of a spec whose fields already have the right types.

They run as :class:`archcmp.schema.ModelSpec`'s model validator, however the
spec is built. Each check yields ``(path, message)`` so that every problem of
a file can be reported at once, located at the field it concerns.
"""

from __future__ import annotations

from collections.abc import Iterator

from archcmp.checks_linear import NO_SECTION, check_linear
from archcmp.checks_sparse import check_sparse
from archcmp.schema.attention import SPAN_LABELS, LatentAttention, SoftmaxAttention
from archcmp.schema.base import LayerPattern
from archcmp.schema.compressed import CompressedAttention
from archcmp.schema.linear import LINEAR_LABEL

Finding = tuple[tuple[str | int, ...], str]


def check(spec) -> list[Finding]:
    return [
        *_attention_heads(spec),
        *_attention_layers(spec),
        *_overrides(spec),
        *_score_scale(spec),
        *_positions(spec),
        *_feed_forward(spec),
        *_extras(spec),
        *check_linear(spec, _pattern),
        *_said_once(spec),
        *check_sparse(spec, _pattern),
    ]


def _attention_heads(spec) -> Iterator[Finding]:
    att, at = spec.attention, ("attention",)
    if not isinstance(att, SoftmaxAttention):
        return
    heads, kv = att.num_heads, att.num_kv_heads
    if heads % kv:
        yield at + ("num_kv_heads",), f"num_heads ({heads}) must be divisible by num_kv_heads ({kv})"
    expected = {"mha": kv == heads, "mqa": kv == 1, "gqa": 1 < kv < heads}[att.kind]
    if not expected:
        rule = {"mha": f"num_kv_heads = num_heads ({heads})", "mqa": "num_kv_heads = 1",
                "gqa": f"1 < num_kv_heads < num_heads ({heads})"}[att.kind]
        yield at + ("kind",), f"kind {att.kind} needs {rule}, found num_kv_heads = {kv}"


def _attention_layers(spec) -> Iterator[Finding]:
    att, at = spec.attention, ("attention",)
    if isinstance(att, CompressedAttention):  # labels of its own: archcmp.checks_sparse
        return
    linear = {LINEAR_LABEL} if spec.linear_attention is not None else set()
    missing = {} if linear else {LINEAR_LABEL: NO_SECTION[LINEAR_LABEL]}
    yield from _pattern(spec, att.layer_pattern, at + ("layer_pattern",), set(SPAN_LABELS) | linear, missing)
    used = set(att.layer_pattern.labels(spec.num_layers))
    for label, size_field in (("sliding", "sliding_window"), ("chunked", "chunk_size")):
        size = getattr(att, size_field)
        if label in used and size is None:
            yield at + (size_field,), f"required: layer_pattern has {label} layers"
        if label not in used and size is not None:
            yield at + (size_field,), f"set, but layer_pattern has no {label} layers"


def _overrides(spec) -> Iterator[Finding]:
    att = spec.attention
    if not isinstance(att, SoftmaxAttention):
        return
    used = set(att.layer_pattern.labels(spec.num_layers))
    for i, override in enumerate(att.overrides):
        at = ("attention", "overrides", i)
        if (override.label is None) == (override.layers is None):
            yield at, "give exactly one of label and layers"
        if override.label is not None and override.label not in used:
            yield at + ("label",), f"no layer has label {override.label!r}"
        for layer in override.layers or []:
            if layer >= spec.num_layers:
                yield at + ("layers",), f"layer {layer} does not exist (num_layers is {spec.num_layers})"
        if override.num_kv_heads is None and override.head_dim is None and not override.k_eq_v:
            yield at, "changes nothing: set num_kv_heads, head_dim or k_eq_v"
        if override.num_kv_heads is not None and att.num_heads % override.num_kv_heads:
            yield at + ("num_kv_heads",), (
                f"num_heads ({att.num_heads}) must be divisible by num_kv_heads ({override.num_kv_heads})")


def _score_scale(spec) -> Iterator[Finding]:
    """One way to write each scale, so that a spec survives export and import
    unchanged (the importer leaves the default out)."""
    att, at = spec.attention, ("attention", "query_scale_dim")
    if att.query_scale_dim is None:
        return
    if att.unit_scale:
        yield at, "set, but unit_scale says scores are not scaled at all"
    qk_dim = att.qk_nope_head_dim + att.qk_rope_head_dim if isinstance(att, LatentAttention) else att.head_dim
    if att.query_scale_dim == qk_dim:
        yield at, f"equals the q/k head dim ({qk_dim}), the default; leave it out"


def _positions(spec) -> Iterator[Finding]:
    pos, at = spec.positions, ("positions",)
    if pos.kind == "rope" and pos.rope_theta is None:
        yield at + ("rope_theta",), "required for RoPE positions"
    if pos.kind != "rope":
        for name in ("rope_theta", "rope_local_theta", "rope_scaling", "nope_pattern"):
            if getattr(pos, name) is not None:
                yield at + (name,), f"only applies to kind rope, not {pos.kind}"
    if pos.nope_pattern is not None:
        yield from _pattern(spec, pos.nope_pattern, at + ("nope_pattern",), {"rope", "nope"})
    scaling = pos.rope_scaling
    if scaling is not None and scaling.factor is None and scaling.type != "proportional":
        yield at + ("rope_scaling", "factor"), f"required for rope_scaling type {scaling.type}"
    all_full = set(spec.attention.layer_pattern.labels(spec.num_layers)) == {"full"}
    if pos.rope_local_theta is not None and all_full:
        yield at + ("rope_local_theta",), "set, but every layer has full attention"
    learned = spec.embeddings.learned_positions is not None
    if learned != (pos.kind == "learned"):
        yield ("embeddings", "learned_positions"), "set exactly when positions.kind is learned"


def _feed_forward(spec) -> Iterator[Finding]:
    size = spec.ffn.intermediate_size
    if isinstance(size, list) and len(size) != spec.num_layers:
        yield ("ffn", "intermediate_size"), f"has {len(size)} entries for {spec.num_layers} layers"
    moe, at = spec.moe, ("moe",)
    if moe is None:
        return
    if moe.experts_per_token > moe.num_experts:
        yield at + ("experts_per_token",), (
            f"{moe.experts_per_token} exceeds num_experts ({moe.num_experts})")
    if moe.num_shared_experts == 0:
        for name in ("shared_expert_intermediate_size", "shared_expert_gate"):
            if getattr(moe, name):
                yield at + (name,), "set, but num_shared_experts is 0"
    if moe.routed_scaling_factor == 1:
        yield at + ("routed_scaling_factor",), "1 is no scaling, the default; leave it out"
    yield from _pattern(spec, moe.layer_pattern, at + ("layer_pattern",), {"dense", "moe"})
    if moe.parallel_dense and spec.norm.placement != "sandwich":
        yield at + ("parallel_dense",), (
            f"needs norm placement sandwich (each branch has its own pre- and post-norm), "
            f"not {spec.norm.placement}")


def _extras(spec) -> Iterator[Finding]:
    if spec.norm.bias and spec.norm.kind != "layernorm":
        yield ("norm", "bias"), "only LayerNorm has a bias"
    if spec.altup and spec.altup.active_index >= spec.altup.num_inputs:
        yield ("altup", "active_index"), f"must be below num_inputs ({spec.altup.num_inputs})"
    if spec.id in spec.aliases:
        yield ("aliases",), f"repeats the id {spec.id!r}"
    if spec.kv_sharing is not None:
        yield from _kv_sharing(spec)


def _said_once(spec) -> Iterator[Finding]:
    """Sections that would say something false or incomplete: an MoE section
    with no MoE layer (cards would still say "MoE, 256 experts"), an alias
    given twice, llama3 RoPE scaling without the keys transformers requires
    (its export would be a config transformers refuses)."""
    moe = spec.moe
    if moe is not None and all(moe.layer_pattern.label(i) == "dense" for i in range(spec.num_layers)):
        yield ("moe", "layer_pattern"), "no layer is MoE: every layer is dense; leave the moe section out"
    for i, alias in enumerate(spec.aliases):
        if alias in spec.aliases[:i]:
            yield ("aliases", i), f"repeats the alias {alias!r}"
    scaling, at = spec.positions.rope_scaling, ("positions", "rope_scaling")
    if scaling is not None and scaling.type == "llama3":
        for name in ("original_context", "low_freq_factor", "high_freq_factor"):
            if getattr(scaling, name) is None:
                yield at + (name,), "required for llama3 scaling (transformers requires it)"


def _kv_sharing(spec) -> Iterator[Finding]:
    sharing, at = spec.kv_sharing, ("kv_sharing",)
    if (sharing.num_shared_layers is None) == (sharing.source_layers is None):
        yield at, "give exactly one of num_shared_layers and source_layers"
        return
    if sharing.double_wide_mlp and isinstance(spec.ffn.intermediate_size, list):
        yield at + ("double_wide_mlp",), "set with per-layer intermediate sizes; write the widths out instead"
    labels = spec.attention.layer_pattern.labels(spec.num_layers)
    if sharing.num_shared_layers is not None:
        yield from _tail_sharing(spec, sharing.num_shared_layers, labels)
        return
    for layer, source in sharing.source_layers.items():
        where = at + ("source_layers", layer)
        if layer >= spec.num_layers:
            yield where, f"layer {layer} does not exist (num_layers is {spec.num_layers})"
        elif source >= layer:
            yield where, f"layer {layer} can only read an earlier layer's cache, not layer {source}"
        elif source in sharing.source_layers:
            yield where, f"layer {source} holds no cache of its own (it reads another layer's)"
        elif labels[source] != labels[layer]:
            yield where, f"layer {layer} is {labels[layer]} but layer {source} is {labels[source]}"


def _tail_sharing(spec, shared: int, labels: list[str]) -> Iterator[Finding]:
    at = ("kv_sharing", "num_shared_layers")
    if shared >= spec.num_layers:
        yield at, f"{shared} leaves no layer of the {spec.num_layers} to own a cache"
        return
    owners = set(labels[: spec.num_layers - shared])
    for i in range(spec.num_layers - shared, spec.num_layers):
        if labels[i] not in owners:
            yield at, f"shared layer {i} is {labels[i]}, but no earlier layer of that kind owns a cache"
            return


def _pattern(spec, pattern: LayerPattern, at: tuple, allowed: set[str],
             missing: dict[str, str] | None = None) -> Iterator[Finding]:
    """``missing``: labels the spec could use, but whose section it lacks (said once per label)."""
    said: set[str] = set()
    for part in ("first", "repeat"):
        for i, label in enumerate(getattr(pattern, part)):
            if label in (missing or {}):
                if label not in said:
                    yield at + (part, i), f"label {label!r} {missing[label]}"
                said.add(label)
            elif label not in allowed:
                yield at + (part, i), f"unknown label {label!r}; expected one of {', '.join(sorted(allowed))}"
    length = len(pattern.first) + len(pattern.repeat)
    if length > spec.num_layers:
        yield at, f"pattern covers {length} layers but num_layers is {spec.num_layers}"
