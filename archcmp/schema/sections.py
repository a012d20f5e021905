"""The spec sections other than the token mixers: embeddings, positions,
normalization, feed-forward, mixture of experts and model extras."""

from typing import Annotated, Literal

from pydantic import Field

from archcmp.schema.base import Activation, FiniteFloat, LayerPattern, NonNegInt, Size, Strict


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
    """How the rotary frequencies are rescaled. ``factor`` is required but
    for ``proportional`` (Gemma 4's global layers: the rotated part of each
    head keeps the frequencies of the whole head, the rest is not rotated;
    transformers ``_compute_proportional_rope_parameters``, factor 1 unless given)."""

    type: Literal["linear", "dynamic", "yarn", "llama3", "longrope", "proportional"]
    factor: FiniteFloat | None = None
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
    plain RoPE over the whole head, and ``rope_theta``, ``rope_scaling`` and
    ``partial_rotary_factor`` apply to the full-attention layers (transformers
    ``Gemma3RotaryEmbedding``; Gemma 4 and Olmo 3 keep one rope dict per
    layer type the same way)."""

    kind: Literal["rope", "learned", "none"]
    rope_theta: FiniteFloat | None = None
    rope_local_theta: FiniteFloat | None = None
    rope_scaling: RopeScaling | None = None
    partial_rotary_factor: Annotated[float, Field(gt=0, le=1, strict=True)] = 1.0
    nope_pattern: LayerPattern | None = None
    # Mistral Large 4's LeRoPE: RoPE's inverse frequencies times exp(alpha),
    # one learned alpha per rotary pair (transformers MistralLarge4TextRotaryEmbedding).
    learned_frequencies: bool = False


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
      which add a bias to the scores for choosing the experts only; Llama 4),
      or ``sqrtsoftplus``, sqrt(softplus(logit)) per expert (DeepSeek-V4).
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
    router_scoring: Literal["softmax", "sigmoid", "sqrtsoftplus"] | None = None
    normalize_top_k: bool | None = None
    routed_scaling_factor: FiniteFloat | None = None
    layer_pattern: LayerPattern = LayerPattern(repeat=["moe"])
    # Gemma 4 26B-A4B (``enable_moe_block``): every MoE layer also runs the
    # dense FFN beside the experts, each branch normed apart, outputs summed.
    parallel_dense: bool = False
    # Gemma 4's router: a learned input scale (hidden) and per-expert weight
    # scale (num_experts) beside its projection (``Gemma4TextRouter``).
    router_scales: bool = False
    # DeepSeek-V4: the first hash_layers MoE layers pick experts from a fixed
    # token-id table (tid2eid, a buffer) instead of the scores, which still
    # weight them (transformers DeepseekV4HashRouter).
    hash_layers: NonNegInt = 0
    # Nemotron 3 Super's LatentMoE: the routed experts work in a latent of this
    # width, behind H → latent and latent → H projections (biased as the FFN
    # is); the router and shared experts read the hidden state itself.
    latent_size: Size | None = None

    @property
    def shared_width(self) -> int:
        if self.num_shared_experts == 0:
            return 0
        explicit = self.shared_expert_intermediate_size
        return explicit or self.num_shared_experts * self.expert_intermediate_size


class KVSharing(Strict):
    """Layers that hold no cache (nor k/v projections) and read another
    layer's cache. ``num_shared_layers``: the last that many layers each read
    the last earlier layer of the same attention type (Gemma 3n).
    ``source_layers``: explicit ``{layer: layer it reads}`` pairs, for any
    other arrangement. Exactly one of the two is given."""

    num_shared_layers: Size | None = None
    source_layers: dict[NonNegInt, NonNegInt] | None = None
    # Gemma 4 E2B (``use_double_wide_mlp``): a layer that reads another's
    # cache has a dense MLP twice ``intermediate_size`` wide.
    double_wide_mlp: bool = False


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
    MTP). Counted apart, never in the main total. Each module is one copy of
    the last layer, or, with ``blocks``, that list of one-sublayer blocks
    (Nemotron-H's ``mtp_layers_block_type``, ``block_pattern`` labels)."""

    num_modules: Size
    blocks: list[Literal["linear", "attention", "moe", "mlp"]] | None = Field(default=None, min_length=1)
