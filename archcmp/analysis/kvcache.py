"""KV-cache bytes, layer by layer, the way serving engines allocate them.

Per token, a layer caches:

* MHA/GQA/MQA: ``2 × num_kv_heads × head_dim`` elements (K and V of every
  KV head; Shazeer 2019, arXiv:1911.02150; Ainslie et al. 2023,
  arXiv:2305.13245);
* MLA: ``kv_lora_rank + qk_rope_head_dim`` elements, the compressed latent
  and the shared RoPE key (DeepSeek-V2, arXiv:2405.04434 §2.1.2; vLLM and
  SGLang cache exactly this). The *naive* MLA figure caches decompressed
  per-head K (``qk_nope + qk_rope``) and V (``v_head_dim``) instead, as
  DeepSeek's reference inference code does with ``attn_impl="naive"``.

and holds ``context`` tokens on a full-attention layer, ``min(context,
window)`` on a sliding-window layer and ``min(context, chunk_size)`` on a
chunked local-attention layer (vLLM's ``SlidingWindowSpec`` and
``ChunkedLocalAttentionSpec``). A KV-shared layer (Gemma 3n) reads another
layer's cache and holds nothing. NoPE changes what is cached, not how much.

A window of ``w`` covers the current token and ``w - 1`` before it.
transformers' ``DynamicSlidingWindowLayer`` therefore keeps only ``w - 1``
tokens between steps, but each step concatenates the new token into a
``w``-token buffer that stays allocated; a server reserves ``w`` slots. Both
ways, ``w`` tokens of memory is the figure (see the cross-check test).

Sizes are exact integers. Elements are counted in bits and a sequence's
cache in one layer is one packed buffer, so with ``int4`` an odd element
count rounds up to the next whole byte per layer and sequence; every other
dtype is a whole number of bytes per element and never rounds.
"""

from __future__ import annotations

from dataclasses import dataclass

from archcmp.errors import ArchcmpError
from archcmp.plan import LayerPlan, expand
from archcmp.schema import ModelSpec
from archcmp.units import MAX_CONTEXT

DTYPE_BITS = {"bf16": 16, "fp16": 16, "fp32": 32, "fp8": 8, "int8": 8, "int4": 4}


def dtype_bits(dtype: str) -> int:
    if dtype not in DTYPE_BITS:
        raise ArchcmpError(f"bad dtype {dtype!r}: expected one of {', '.join(DTYPE_BITS)}")
    return DTYPE_BITS[dtype]


def packed_bytes(elements: int, bits: int) -> int:
    """Whole bytes that hold ``elements`` values of ``bits`` bits each."""
    return -(-elements * bits // 8)


def kv_elements_per_token(spec: ModelSpec, layer: LayerPlan) -> int:
    """Elements one token adds to this layer's own cache (0 if KV-shared)."""
    att = spec.attention
    if not layer.owns_kv:
        return 0
    if att.kind == "mla":
        return att.kv_lora_rank + att.qk_rope_head_dim
    return 2 * att.num_kv_heads * att.head_dim


def mha_elements_per_token(spec: ModelSpec) -> int:
    """Full multi-head K and V of one token in one layer: ``num_heads`` K
    heads and V heads. For MLA, K heads are ``qk_nope + qk_rope`` wide and V
    heads ``v_head_dim`` wide: the decompressed cache of the naive path."""
    att = spec.attention
    if att.kind == "mla":
        return att.num_heads * (att.qk_nope_head_dim + att.qk_rope_head_dim + att.v_head_dim)
    return 2 * att.num_heads * att.head_dim


def cached_tokens(layer: LayerPlan, context: int) -> int:
    """Tokens a layer holds once ``context`` tokens have been seen."""
    if not layer.owns_kv:
        return 0
    return context if layer.window is None else min(context, layer.window)


@dataclass(frozen=True)
class LayerKV:
    index: int
    attention: str  # "full" | "sliding" | "chunked"
    window: int | None
    nope: bool  # no position encoding in this layer (not said of learned absolute positions)
    kv_source: int
    cached_tokens: int
    elements_per_token: int
    bytes: int  # for the whole batch

    @property
    def kind(self) -> str:
        """``full``, ``sliding``, ``chunked``, with ``nope`` and ``shared`` marks."""
        marks = (" nope" if self.nope else "") + ("" if self.kv_source == self.index else " shared")
        return self.attention + marks

    def to_json(self) -> dict:
        return {
            "index": self.index,
            "attention": self.attention,
            "window": self.window,
            "nope": self.nope,
            "kv_source": self.kv_source,
            "cached_tokens": self.cached_tokens,
            "elements_per_token": self.elements_per_token,
            "bytes": self.bytes,
        }


@dataclass(frozen=True)
class KindTotal:
    """Layers of one kind (``LayerKV.kind``) and what they hold together."""

    kind: str
    num_layers: int
    cached_tokens: int  # per layer
    bytes: int

    def to_json(self) -> dict:
        return {"kind": self.kind, "num_layers": self.num_layers, "cached_tokens": self.cached_tokens,
                "bytes": self.bytes}


@dataclass(frozen=True)
class BudgetFit:
    """What fits in ``budget_bytes`` of KV cache: the largest context at the
    chosen batch (capped at ``units.MAX_CONTEXT``; 0 if not one token fits)
    and the largest batch at the chosen context."""

    budget_bytes: int
    max_context: int
    max_batch: int


@dataclass(frozen=True)
class KVCacheResult:
    model: str
    context: int
    batch: int
    dtype: str
    model_max_context: int | None
    kv_bytes: int
    kv_bytes_per_token_full_layers: int
    kv_bytes_per_token_all_layers: int
    mha_equivalent_bytes: int
    mla_naive_kv_bytes: int | None
    by_kind: tuple[KindTotal, ...]
    layers: tuple[LayerKV, ...]
    budget: BudgetFit | None = None

    @property
    def mha_equivalent_ratio(self) -> float:
        return self.mha_equivalent_bytes / self.kv_bytes

    @property
    def exceeds_max_context(self) -> bool:
        return self.model_max_context is not None and self.context > self.model_max_context

    def to_json(self) -> dict:
        data = {
            "model": self.model,
            "context": self.context,
            "batch": self.batch,
            "dtype": self.dtype,
            "kv_bytes": self.kv_bytes,
            "kv_bytes_per_token_full_layers": self.kv_bytes_per_token_full_layers,
            "kv_bytes_per_token_all_layers": self.kv_bytes_per_token_all_layers,
            "mha_equivalent_bytes": self.mha_equivalent_bytes,
            "mha_equivalent_ratio": round(self.mha_equivalent_ratio, 4),
            "mla_naive_kv_bytes": self.mla_naive_kv_bytes,
            "model_max_context": self.model_max_context,
            "exceeds_max_context": self.exceeds_max_context,
            "by_kind": [k.to_json() for k in self.by_kind],
            "layers": [layer.to_json() for layer in self.layers],
        }
        if self.budget is not None:
            data.update(budget_bytes=self.budget.budget_bytes, budget_max_context=self.budget.max_context,
                        budget_max_batch=self.budget.max_batch)
        return data


def kv_cache(spec: ModelSpec, context: int, batch: int = 1, dtype: str = "bf16",
             budget_bytes: int | None = None) -> KVCacheResult:
    """The KV cache of ``batch`` sequences of ``context`` tokens each."""
    bits, plan = dtype_bits(dtype), expand(spec)
    _check_positive(context, "context")
    _check_positive(batch, "batch")
    layers = tuple(_layer_kv(spec, layer, context, batch, bits) for layer in plan)
    kv_bytes = sum(layer.bytes for layer in layers)
    owners = [layer for layer in plan if layer.owns_kv]
    growing = [layer for layer in owners if layer.window is None]
    mha_per_layer = batch * packed_bytes(context * mha_elements_per_token(spec), bits)
    return KVCacheResult(
        model=spec.id,
        context=context,
        batch=batch,
        dtype=dtype,
        model_max_context=spec.max_context,
        kv_bytes=kv_bytes,
        kv_bytes_per_token_full_layers=_bytes_per_token(spec, growing, bits),
        kv_bytes_per_token_all_layers=_bytes_per_token(spec, owners, bits),
        mha_equivalent_bytes=spec.num_layers * mha_per_layer,
        mla_naive_kv_bytes=_mla_naive_bytes(spec, plan, context, batch, bits),
        by_kind=_by_kind(layers),
        layers=layers,
        budget=None if budget_bytes is None else fit_budget(spec, context, batch, bits, budget_bytes),
    )


def _check_positive(value: int, what: str) -> None:
    if value < 1:
        raise ArchcmpError(f"bad {what} {value}: must be at least 1")


def layer_bytes(layer: LayerPlan, context: int, elements_per_token: int, batch: int, bits: int) -> int:
    """One layer's cache for ``batch`` sequences, one packed buffer each."""
    return batch * packed_bytes(cached_tokens(layer, context) * elements_per_token, bits)


def _layer_kv(spec: ModelSpec, layer: LayerPlan, context: int, batch: int, bits: int) -> LayerKV:
    elements = kv_elements_per_token(spec, layer)
    return LayerKV(
        index=layer.index,
        attention=layer.attention,
        window=layer.window,
        nope=not layer.rope and spec.positions.kind != "learned",
        kv_source=layer.kv_source,
        cached_tokens=cached_tokens(layer, context),
        elements_per_token=elements,
        bytes=layer_bytes(layer, context, elements, batch, bits),
    )


def _bytes_per_token(spec: ModelSpec, layers: list[LayerPlan], bits: int) -> int:
    return packed_bytes(sum(kv_elements_per_token(spec, layer) for layer in layers), bits)


def _mla_naive_bytes(spec: ModelSpec, plan: tuple[LayerPlan, ...], context: int, batch: int, bits: int) -> int | None:
    if spec.attention.kind != "mla":
        return None
    per_token = mha_elements_per_token(spec)
    return sum(layer_bytes(layer, context, per_token, batch, bits) for layer in plan)


def _by_kind(layers: tuple[LayerKV, ...]) -> tuple[KindTotal, ...]:
    groups: dict[str, list[LayerKV]] = {}
    for layer in layers:
        groups.setdefault(layer.kind, []).append(layer)
    return tuple(KindTotal(kind, len(group), group[0].cached_tokens, sum(layer.bytes for layer in group))
                 for kind, group in groups.items())


def total_bytes(spec: ModelSpec, plan: tuple[LayerPlan, ...], context: int, batch: int, bits: int) -> int:
    """``kv_bytes`` alone, for searches that evaluate many contexts."""
    return sum(layer_bytes(layer, context, kv_elements_per_token(spec, layer), batch, bits) for layer in plan)


def fit_budget(spec: ModelSpec, context: int, batch: int, bits: int, budget_bytes: int) -> BudgetFit:
    """Bytes grow monotonically with context (each layer's term is
    non-decreasing), so a binary search finds the exact largest context;
    batch enters as a factor, so the largest batch is a floor division."""
    plan = expand(spec)
    low, high = 0, MAX_CONTEXT  # the answer lies in [low, high]; 0 tokens always fit
    while low < high:
        middle = (low + high + 1) // 2
        if total_bytes(spec, plan, middle, batch, bits) <= budget_bytes:
            low = middle
        else:
            high = middle - 1
    per_sequence = total_bytes(spec, plan, context, 1, bits)
    return BudgetFit(budget_bytes=budget_bytes, max_context=low, max_batch=budget_bytes // per_sequence)
