"""The spec file format: pydantic v2 models, unknown fields forbidden.

A spec reads like a model card: metadata first, then the sizes, then one
section per architectural choice. Per-layer variation (local vs global
attention, NoPE layers, dense vs MoE layers) is written as a
:class:`LayerPattern` and resolved in :mod:`archcmp.plan`, nowhere else.

Type and range checks live here; checks that relate several fields live in
:mod:`archcmp.checks`, so every problem of a file can be reported at once
with the field it concerns.
"""

from __future__ import annotations

import datetime
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

# Upper bounds no real model approaches (contexts of 10M tokens, vocabularies
# of 262k, 126 layers), so that a typo such as 10**40 fails at once instead
# of running every per-layer loop for ever. MAX_SIZE is also --ctx's bound.
MAX_SIZE = 2**30
MAX_LAYERS = 10_000
NonNegInt = Annotated[int, Field(ge=0, le=MAX_SIZE, strict=True)]
Size = Annotated[int, Field(gt=0, le=MAX_SIZE, strict=True)]
LayerCount = Annotated[int, Field(gt=0, le=MAX_LAYERS, strict=True)]
# strict: a float field takes a number (an int too), never true or "1.5".
FiniteFloat = Annotated[float, Field(gt=0, allow_inf_nan=False, strict=True)]
Figure = Annotated[str, Field(pattern=r"^[0-9]{1,9}(\.[0-9]{1,9})?\s*[KMBT]$")]

AttentionKind = Literal["mha", "gqa", "mqa", "mla"]
LayerAttention = Literal["full", "sliding", "chunked"]
Activation = Literal["silu", "gelu", "gelu_tanh", "relu", "relu2", "swiglu_clamped"]


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, strict=False, defer_build=True)


class LayerPattern(Strict):
    """Per-layer labels: ``first`` covers the first layers, then ``repeat``
    cycles until the last layer (it may stop part-way through a cycle, as
    Gemma 3's 62 layers do with a 6-layer cycle). A plain list is shorthand
    for ``{repeat: [...]}``."""

    first: list[str] = []
    repeat: list[str] = Field(min_length=1)

    @model_validator(mode="before")
    @classmethod
    def _shorthand(cls, data: object) -> object:
        if isinstance(data, list):
            return {"repeat": data}
        return data

    def label(self, index: int) -> str:
        if index < len(self.first):
            return self.first[index]
        return self.repeat[(index - len(self.first)) % len(self.repeat)]


class Source(Strict):
    """Where a value comes from: a URL and what it is (config, paper, blog).
    ``file://`` is for a local config.json that ``archcmp import`` read."""

    url: str = Field(pattern=r"^(https?|file)://\S+$")
    what: str


class Published(Strict):
    """Figures as the vendor states them, e.g. ``671B``. ``validate`` checks
    the computed counts against them within the vendor's rounding."""

    total_params: Figure | None = None
    active_params: Figure | None = None
    effective_params: Figure | None = None
    includes: list[Literal["vision_encoder", "audio_encoder", "mtp"]] = []


class Training(Strict):
    tokens: Figure | None = None
    optimizer: str | None = None
    context_length: Size | None = None
    notes: str | None = None


class PerLayerEmbeddings(Strict):
    """Gemma 3n's per-layer embeddings (PLE): a second table of
    ``vocab_size × (num_layers · width)`` plus projections into each layer."""

    vocab_size: Size
    width: Size


class Embeddings(Strict):
    tied_output: bool
    learned_positions: Size | None = None
    per_layer: PerLayerEmbeddings | None = None
    scaled: bool = False


class RopeScaling(Strict):
    type: Literal["linear", "dynamic", "yarn", "llama3", "longrope", "proportional"]
    factor: FiniteFloat
    original_context: Size | None = None
    low_freq_factor: FiniteFloat | None = None
    high_freq_factor: FiniteFloat | None = None
    beta_fast: FiniteFloat | None = None
    beta_slow: FiniteFloat | None = None
    mscale: FiniteFloat | None = None
    mscale_all_dim: FiniteFloat | None = None


class Positions(Strict):
    """RoPE on every layer unless ``nope_pattern`` marks some ``nope``;
    ``learned`` is GPT-2's absolute table (see ``embeddings``). With
    ``rope_local_theta`` set, sliding and chunked layers use that base and
    plain RoPE, and ``rope_theta`` and ``rope_scaling`` apply to the
    full-attention layers (transformers ``Gemma3RotaryEmbedding``)."""

    kind: Literal["rope", "learned", "none"]
    rope_theta: FiniteFloat | None = None
    rope_local_theta: FiniteFloat | None = None
    rope_scaling: RopeScaling | None = None
    partial_rotary_factor: Annotated[float, Field(gt=0, le=1, strict=True)] = 1.0
    nope_pattern: LayerPattern | None = None


class Attention(Strict):
    """How a score q·k is scaled before the softmax (no choice here changes a
    count): by 1/sqrt(head_dim), unless

    * ``query_scale_dim`` replaces head_dim there: 1/sqrt(query_scale_dim)
      (Gemma 2/3 ``query_pre_attn_scalar``; Gemma 3 27B: 168, the hidden size
      per head, with head_dim 128). Left out when it equals the q/k head dim.
    * ``unit_scale`` says scores are not scaled at all (Gemma 3n, whose q and
      k are RMS-normed: transformers ``Gemma3nTextAttention.scaling = 1.0``).
      A flag rather than a float scale because configs state a dimension and
      1/sqrt(168) has no exact float.

    MLA's default is 1/sqrt(qk_nope_head_dim + qk_rope_head_dim), times YaRN's
    mscale² where ``positions.rope_scaling`` sets ``mscale_all_dim``.
    ``logit_softcapping``: scores pass through cap·tanh(score/cap) first
    (Gemma 2: 50)."""

    kind: AttentionKind
    num_heads: Size
    num_kv_heads: Size | None = None
    head_dim: Size | None = None
    q_lora_rank: Size | None = None
    kv_lora_rank: Size | None = None
    qk_nope_head_dim: Size | None = None
    qk_rope_head_dim: Size | None = None
    v_head_dim: Size | None = None
    qkv_bias: bool = False
    out_bias: bool = False
    qk_norm: Literal["none", "per_head", "full", "l2"] = "none"
    sinks: bool = False
    logit_softcapping: FiniteFloat | None = None
    query_scale_dim: Size | None = None
    unit_scale: bool = False
    layer_pattern: LayerPattern = LayerPattern(repeat=["full"])
    sliding_window: Size | None = None
    chunk_size: Size | None = None


class Norm(Strict):
    """``pre``: norm before each sublayer (Llama). ``post``: after the
    sublayer, inside the residual (OLMo 2). ``sandwich``: both (Gemma)."""

    kind: Literal["rmsnorm", "layernorm"]
    placement: Literal["pre", "post", "sandwich"]
    bias: bool = False
    final: bool = True


class FeedForward(Strict):
    """The dense FFN; in MoE layers the experts replace it.
    ``intermediate_size`` may be a list, one per layer (MatFormer)."""

    gated: bool
    activation: Activation
    intermediate_size: Size | list[Size]
    bias: bool = False


class MoE(Strict):
    """Routed experts (and shared ones, always active). How the router turns
    its logits into expert weights changes no count:

    * ``router_scoring``: ``softmax`` over all experts (Mixtral, Qwen-MoE;
      gpt-oss's softmax over the top-k logits is the same, renormalized) or
      an independent ``sigmoid`` per expert (DeepSeek-V3, Kimi K2 and GLM-4.5,
      which add a bias to the scores for choosing the experts only; Llama 4).
    * ``normalize_top_k``: the chosen experts' weights are divided by their
      sum (``norm_topk_prob``).
    * ``routed_scaling_factor``: the routed experts' weighted sum is then
      multiplied by it (DeepSeek-V3: 2.5); left out, it is 1 (no such step).

    ``router_scoring`` and ``normalize_top_k`` left out mean the spec does not
    say; ``archcmp import`` always fills them in."""

    num_experts: Size
    experts_per_token: Size
    expert_intermediate_size: Size
    num_shared_experts: NonNegInt = 0
    shared_expert_intermediate_size: Size | None = None
    shared_expert_gate: bool = False
    router_bias: bool = False
    expert_bias: bool = False
    router_scoring: Literal["softmax", "sigmoid"] | None = None
    normalize_top_k: bool | None = None
    routed_scaling_factor: FiniteFloat | None = None
    layer_pattern: LayerPattern = LayerPattern(repeat=["moe"])

    @property
    def shared_width(self) -> int:
        if self.num_shared_experts == 0:
            return 0
        explicit = self.shared_expert_intermediate_size
        return explicit or self.num_shared_experts * self.expert_intermediate_size


class KVSharing(Strict):
    """The last ``num_shared_layers`` layers hold no cache (nor k/v
    projections) and read the cache of the last earlier layer of the same
    attention type (Gemma 3n)."""

    num_shared_layers: Size


class AltUp(Strict):
    num_inputs: Size
    active_index: NonNegInt = 0


class Laurel(Strict):
    rank: Size


class MatFormer(Strict):
    parent: str | None = None
    nested: list[str] = []


class MultiTokenPrediction(Strict):
    """Extra blocks the checkpoint carries beside the main model (DeepSeek-V3's
    MTP). Counted apart, never in the main total."""

    num_modules: Size


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
    training: Training | None = None
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
    norm: Norm
    ffn: FeedForward
    moe: MoE | None = None
    kv_sharing: KVSharing | None = None
    altup: AltUp | None = None
    laurel: Laurel | None = None
    matformer: MatFormer | None = None
    mtp: MultiTokenPrediction | None = None

    @field_validator("aliases")
    @classmethod
    def _alias_form(cls, value: list[str]) -> list[str]:
        for alias in value:
            if not alias or alias != alias.strip().lower():
                raise ValueError(f"alias {alias!r} must be lower-case without spaces")
        return value

    def intermediate_size_at(self, index: int) -> int:
        size = self.ffn.intermediate_size
        return size[index] if isinstance(size, list) else size


def json_schema() -> dict:
    """The JSON Schema editors use (``# yaml-language-server: $schema=``)."""
    schema = ModelSpec.model_json_schema()
    schema["$schema"] = "https://json-schema.org/draft/2020-12/schema"
    schema["title"] = "archcmp model spec"
    return schema

