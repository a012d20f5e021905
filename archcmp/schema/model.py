"""The whole spec: metadata, sizes, and one section per architectural choice.

A spec reads like a model card: metadata first, then the sizes, then one
section per choice. Per-layer variation (local vs global attention, NoPE
layers, dense vs MoE layers, per-layer geometry) is written as layer
patterns and overrides and resolved in :mod:`archcmp.plan`, nowhere else.

A :class:`ModelSpec` is valid by construction: however it is made (a file, a
dict, code, import, export), the cross-field rules of :mod:`archcmp.checks`
run as its model validator, so analyzers never meet a missing number.
"""

import datetime

from pydantic import Field, field_validator, model_validator

from archcmp.schema.attention import Attention
from archcmp.schema.base import (
    FiniteFloat,
    LayerCount,
    LayerPattern,
    Published,
    Size,
    Source,
    Strict,
    TrainingInfo,
)
from archcmp.schema.compressed import HyperConnections
from archcmp.schema.linear import LinearAttention
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
    Positions,
)


class CrossFieldError(ValueError):
    """Every cross-field rule a spec breaks, each as ``(path, message)``.
    The file loader turns them into ``file:line:col`` problems."""

    def __init__(self, findings: list[tuple[tuple, str]]):
        super().__init__("; ".join(f"{'.'.join(map(str, path))}: {message}" for path, message in findings))
        self.findings = findings


class ModelSpec(Strict):
    id: str = Field(pattern=r"^[a-z0-9][a-z0-9._-]*$")
    name: str
    family: str
    # The transformers model_type this spec maps to (``archcmp import`` records
    # it; ``archcmp export`` writes a config.json of that type).
    hf_model_type: str | None = None
    aliases: list[str] = []
    release_date: datetime.date | None = None
    sources: list[Source] = Field(min_length=1)
    published: Published | None = None
    training: TrainingInfo | None = None
    notes: str | None = None

    vocab_size: Size
    hidden_size: Size
    num_layers: LayerCount
    max_context: Size | None = None
    # Output logits pass through cap·tanh(logit/cap) (Gemma 2 and 3n: 30).
    final_logit_softcapping: FiniteFloat | None = None
    embeddings: Embeddings
    positions: Positions
    attention: Attention
    # The layers labelled ``linear`` (hybrids: Qwen3-Next, Kimi Linear, Nemotron-H).
    linear_attention: LinearAttention | None = None
    # One sublayer per block, each with its own pre-norm (Nemotron-H): labels
    # linear, attention, moe, mlp (archcmp.schema.linear.BLOCK_LABELS).
    block_pattern: LayerPattern | None = None
    norm: Norm
    ffn: FeedForward
    moe: MoE | None = None
    kv_sharing: KVSharing | None = None
    altup: AltUp | None = None
    laurel: Laurel | None = None
    matformer: MatFormer | None = None
    mtp: MultiTokenPrediction | None = None
    hyper_connections: HyperConnections | None = None

    @field_validator("aliases")
    @classmethod
    def _alias_form(cls, value: list[str]) -> list[str]:
        for alias in value:
            if not alias or alias != alias.strip().lower():
                raise ValueError(f"alias {alias!r} must be lower-case without spaces")
        return value

    @model_validator(mode="after")
    def _cross_field_rules(self) -> "ModelSpec":
        from archcmp.checks import check  # checks reads the schema: import here, not at module load

        findings = check(self)
        if findings:
            raise CrossFieldError(findings)
        return self

    def intermediate_size_at(self, index: int) -> int:
        size = self.ffn.intermediate_size
        return size[index] if isinstance(size, list) else size


def json_schema() -> dict:
    """The JSON Schema editors use (``# yaml-language-server: $schema=``)."""
    schema = ModelSpec.model_json_schema()
    schema["$schema"] = "https://json-schema.org/draft/2020-12/schema"
    schema["title"] = "archcmp model spec"
    return schema
