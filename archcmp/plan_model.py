"""What a spec resolves at model level, outside the blocks: its tensors
(token, position and per-layer embeddings, the output head, the final norm,
Gemma 3n's model-level projections: transformers ``Gemma3nTextModel``), and
the layer whose cache each layer reads."""

from __future__ import annotations

from archcmp.kinds.base import Tensor
from archcmp.kinds.extras import NormKind
from archcmp.kinds.hyper import hyper_head_tensors
from archcmp.schema import ModelSpec


def model_tensors(spec: ModelSpec) -> tuple[Tensor, ...]:
    h, emb, norm = spec.hidden_size, spec.embeddings, NormKind(spec.norm.kind, spec.norm.bias)
    parts = [Tensor("embed_tokens", "embedding", (spec.vocab_size, h))]
    if emb.learned_positions:
        parts.append(Tensor("embed_positions", "embedding", (emb.learned_positions, h)))
    if emb.per_layer:
        width = spec.num_layers * emb.per_layer.width
        parts += [Tensor("embed_tokens_per_layer", "embedding", (emb.per_layer.vocab_size, width)),
                  Tensor("per_layer_model_projection", "other", (width, h)),
                  *norm.tensors("per_layer_projection_norm", emb.per_layer.width)]
    if spec.altup:
        streams = spec.altup.num_inputs - 1
        parts += [Tensor("altup_projections", "other", (h, h), copies=streams),
                  Tensor("altup_unembed_projections", "other", (h, h), copies=streams)]
    if not emb.tied_output:  # a tied head is the embedding table, counted once
        parts.append(Tensor("lm_head", "lm_head", (spec.vocab_size, h)))
    if spec.positions.learned_frequencies:  # one alpha per rotary pair of the shared RoPE key
        parts.append(Tensor("rotary_emb.alpha", "attention", (spec.attention.qk_rope_head_dim // 2,)))
    if spec.hyper_connections:  # DeepSeek-V4's hc_head collapses the residual streams
        parts += hyper_head_tensors(h, spec.hyper_connections.streams)
    if spec.norm.final:
        parts += norm.tensors("norm", h)
    return tuple(parts)


def kv_sources(spec: ModelSpec, labels: list[str]) -> list[int]:
    """The layer whose cache each layer reads. ``num_shared_layers``: each of
    the last layers reads the last non-shared layer of its own attention type
    (transformers ``Gemma3nTextAttention.kv_shared_layer_index``);
    ``source_layers`` names them."""
    sources = list(range(len(labels)))
    sharing = spec.kv_sharing
    if sharing is None:
        return sources
    if sharing.source_layers is not None:
        for layer, source in sharing.source_layers.items():
            sources[layer] = source
        return sources
    first_shared = len(labels) - (sharing.num_shared_layers or 0)
    owners = labels[:first_shared]
    for i in range(first_shared, len(labels)):
        sources[i] = first_shared - 1 - owners[::-1].index(labels[i])
    return sources
