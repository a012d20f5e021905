"""The spec file format: pydantic v2 models, unknown fields forbidden.

:mod:`~archcmp.schema.base` holds the shared types, :mod:`~archcmp.schema.attention`
the token-mixer variants (a union on ``kind``), :mod:`~archcmp.schema.sections`
the other sections and :mod:`~archcmp.schema.model` the whole spec.
"""

from archcmp.schema.attention import (
    ATTENTION_KINDS,
    SPAN_LABELS,
    Attention,
    AttentionOverride,
    LatentAttention,
    SoftmaxAttention,
)
from archcmp.schema.base import MAX_LAYERS, MAX_SIZE, LayerPattern, Published, Source, Strict, TrainingInfo
from archcmp.schema.compressed import CompressedAttention, HyperConnections
from archcmp.schema.linear import LINEAR_KINDS, GatedDeltaNet, KimiDeltaAttention, LinearAttention, Mamba2
from archcmp.schema.model import CrossFieldError, ModelSpec, json_schema
from archcmp.schema.sections import (
    AltUp,
    Embeddings,
    FeedForward,
    KVSharing,
    Laurel,
    MatFormer,
    MoE,
    MultiTokenPrediction,
    Norm,
    PerLayerEmbeddings,
    Positions,
    RopeScaling,
)
from archcmp.schema.sparse import LightningIndexer

__all__ = [
    "ATTENTION_KINDS",
    "LINEAR_KINDS",
    "MAX_LAYERS",
    "MAX_SIZE",
    "SPAN_LABELS",
    "AltUp",
    "Attention",
    "AttentionOverride",
    "CompressedAttention",
    "CrossFieldError",
    "Embeddings",
    "FeedForward",
    "GatedDeltaNet",
    "HyperConnections",
    "KVSharing",
    "KimiDeltaAttention",
    "LatentAttention",
    "Laurel",
    "LayerPattern",
    "LightningIndexer",
    "LinearAttention",
    "Mamba2",
    "MatFormer",
    "MoE",
    "ModelSpec",
    "MultiTokenPrediction",
    "Norm",
    "PerLayerEmbeddings",
    "Positions",
    "Published",
    "RopeScaling",
    "SoftmaxAttention",
    "Source",
    "Strict",
    "TrainingInfo",
    "json_schema",
]
