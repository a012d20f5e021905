"""What every layer kind tells the analyzers, in one vocabulary.

Each kind of token mixer, feed-forward and block extra is one module with one
frozen dataclass (its concrete shapes for one layer) that answers:

* ``tensors()``: its weights, one :class:`Tensor` per parameter, with the
  params component it belongs to;
* ``macs()``: the multiply-adds of one token through its weights, by
  component (2 FLOPs each);
* ``cache(convention)``: what it keeps per sequence, as :class:`CachePart`
  entries that grow with the context or are a fixed state (token mixers);
* ``prefill_core_flops`` / ``decode_core_flops``: the token-mixing FLOPs
  that are not a multiplication by a weight (attention scores and values).

This is the shape of vLLM's one-class-per-kind ``KVCacheSpec``
(``vllm/v1/kv_cache_interface.py``: ``page_size_bytes``,
``max_memory_usage_bytes``). Analyzers only sum these answers over the plan.
"""

from __future__ import annotations

from fractions import Fraction
from math import prod

from archcmp.record import record

# Components of the parameter and FLOP counts, one vocabulary for both
# (``shared/reference/expected_params.json`` names). FLOPs add
# ``attention_core``: scores and values, which multiply no weight.
PARAM_COMPONENTS = (
    "embedding", "attention", "dense_mlp", "routed_experts", "shared_experts", "router", "norms", "lm_head",
    "other",
)
FLOP_COMPONENTS = (
    "attention", "attention_core", "dense_mlp", "routed_experts", "shared_experts", "router", "lm_head", "other",
)
CONVENTIONS = ("vllm", "transformers")
# Components only some models have, left out of every other model's counts
# so those stay as they were. Linear-attention and state-space layers: their
# weights and their token mixing (conv and recurrence). Sparse and compressed
# attention: DeepSeek Sparse Attention's lightning indexer, DeepSeek-V4's
# compressors and mHC hyper-connections; ``indexer_core`` is the indexer's key
# scoring, token mixing like ``attention_core``.
LINEAR_PARAM_COMPONENTS = ("linear_mixer",)
LINEAR_FLOP_COMPONENTS = ("linear_mixer", "linear_mixer_core")
SPARSE_PARAM_COMPONENTS = ("indexer", "compressor", "hyper_connections")
SPARSE_FLOP_COMPONENTS = ("indexer", "indexer_core", "compressor", "hyper_connections")
OPTIONAL_PARAM_COMPONENTS = LINEAR_PARAM_COMPONENTS + SPARSE_PARAM_COMPONENTS
OPTIONAL_FLOP_COMPONENTS = LINEAR_FLOP_COMPONENTS + SPARSE_FLOP_COMPONENTS
CORE_FLOP_COMPONENTS = ("attention_core", "linear_mixer_core", "indexer_core")  # token mixing, not weight matmuls


def with_optional(parts: dict[str, int], base: tuple[str, ...], optional: tuple[str, ...]) -> dict[str, int]:
    """Every ``base`` component, then each ``optional`` one the model has,
    right after ``attention``, in one order."""
    after = base.index("attention") + 1
    present = [name for name in optional if parts.get(name)]
    return {name: parts.get(name, 0) for name in [*base[:after], *present, *base[after:]]}


class OneCoreComponent:
    """A mixer whose token mixing is one FLOP component, ``core_component``
    (a sparse layer's mixer splits its own: the indexer's scoring apart)."""

    core_component = "attention_core"

    def prefill_core_parts(self, tokens: int, options: FlopOptions) -> dict[str, int]:
        """``prefill_core_flops`` by FLOP component."""
        return {self.core_component: self.prefill_core_flops(tokens, options)}  # type: ignore[attr-defined]

    def decode_core_parts(self, position: int, options: FlopOptions) -> dict[str, int]:
        return {self.core_component: self.decode_core_flops(position, options)}  # type: ignore[attr-defined]


@record
class Tensor:
    """One parameter tensor: a matrix is ``(out_features, in_features)``, a
    vector ``(n,)``. ``copies`` identical tensors (a MoE layer's experts), of
    which one token uses ``active_copies`` (``None``: all of them)."""

    name: str
    component: str
    shape: tuple[int, ...]
    copies: int = 1
    active_copies: int | None = None

    @property
    def elements(self) -> int:
        return prod(self.shape) * self.copies

    @property
    def active_elements(self) -> int:
        used = self.copies if self.active_copies is None else self.active_copies
        return prod(self.shape) * used


def matrix_macs(tensors: tuple[Tensor, ...]) -> dict[str, int]:
    """Multiply-adds of one token through every weight matrix: one per
    element a token uses (a vector is a bias, norm or scale: element-wise)."""
    macs: dict[str, int] = {}
    for tensor in tensors:
        if len(tensor.shape) == 2:
            macs[tensor.component] = macs.get(tensor.component, 0) + tensor.active_elements
    return macs


@record
class Held:
    """How many entries a growing cache part holds once ``context`` tokens
    have been seen: one per ``stride`` tokens, at most ``cap``. With
    ``remainder``, the ``context mod stride`` tokens not yet pooled into an
    entry (DeepSeek-V4's compressor buffer, ``DeepseekV4HCACache.buffer_kv``)."""

    cap: int | None = None
    stride: int = 1
    remainder: bool = False

    def entries(self, context: int) -> int:
        if self.remainder:
            return context % self.stride
        count = context // self.stride
        return count if self.cap is None else min(count, self.cap)

    @property
    def grows(self) -> bool:
        """Without a cap, the part grows with the context for ever."""
        return self.cap is None and not self.remainder

    @property
    def per_token(self) -> Fraction:
        """Entries one more token adds while the part fills: one per
        ``stride`` tokens; a buffer that drains or an entry that appears once
        (a compressor's overlap state) adds none for good."""
        if self.remainder or (self.cap is not None and self.stride > 1):
            return Fraction(0)
        return Fraction(1, self.stride)


@record
class Layout:
    """How an engine stores one entry of a part when the user's dtype is
    ``dtype``: a packed record of other parts, of fixed dtypes (vLLM's
    ``fp8_ds_mla``: a DSA latent as 512 fp8 + 4 fp32 scales + 64 bf16 RoPE
    values, 656 B). ``name`` is the engine's."""

    name: str
    dtype: str
    parts: tuple[tuple[str, int, str], ...]  # (name, elements, dtype) of one entry


@record
class CachePart:
    """One cached tensor of one layer and sequence. With ``held``, ``shape``
    is one entry and there are ``held.entries(context)`` of them; without, it
    is a fixed state of that shape. ``dtype`` ``None`` is the cache dtype the
    user chose; a fixed dtype (a fp32 state) is named. ``layouts``: how an
    engine packs an entry for some user dtypes instead; ``only_layouts``: it
    stores the part in no other way (vLLM serves DeepSeek-V4 only in
    ``fp8_ds_mla``), so another dtype has no exact answer."""

    name: str
    shape: tuple[int, ...]
    held: Held | None
    dtype: str | None = None
    # A linear layer's recurrent state, whose dtype ``--state-dtype`` overrides.
    recurrent: bool = False
    layouts: tuple[Layout, ...] = ()
    only_layouts: bool = False

    @property
    def elements(self) -> int:
        return prod(self.shape)

    def layout(self, dtype: str) -> Layout | None:
        return next((layout for layout in self.layouts if layout.dtype == dtype), None)


ATTENTION_MODES = ("causal", "full")
MLA_DECODE_FORMS = ("absorbed", "expanded")


@record
class FlopOptions:
    """Conventions of the attention FLOP count: ``attention`` ``causal`` (a
    query sees the keys its mask allows) or ``full`` (every key, as an
    unmasked kernel computes); ``mla_decode`` how latent attention decodes."""

    attention: str = "causal"
    mla_decode: str = "absorbed"
