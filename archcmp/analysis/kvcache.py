"""KV-cache bytes, layer by layer, under a named convention.

What one layer keeps is its kind's answer (:mod:`archcmp.kinds`): per token,
MHA/GQA/MQA cache ``2 × num_kv_heads × head_dim`` elements, MLA its latent
and shared RoPE key ``kv_lora_rank + qk_rope_head_dim``; a KV-shared layer
(Gemma 3n) holds nothing; NoPE changes what is cached, not how much. A full
layer holds ``context`` tokens; a sliding layer ``min(context, window)``
under ``vllm`` (what a server allocates: ``SlidingWindowSpec``) and
``min(context, window - 1)`` under ``transformers`` (what 5.24's
``DynamicSlidingWindowLayer`` holds after a prefill); a chunked layer
``min(context, chunk_size)`` (``ChunkedLocalAttentionSpec``).

Sizes are exact integers. Elements are counted in bits and a sequence's
cache in one layer is one packed buffer per cached tensor, so with ``int4``
an odd element count rounds up to the next whole byte per layer and
sequence; every other dtype is a whole number of bytes per element and never
rounds.
"""

from __future__ import annotations

from dataclasses import replace
from fractions import Fraction
from functools import lru_cache

from archcmp.analysis.kvresult import BudgetFit, KindTotal, KVCacheResult, LayerKV, StatePart
from archcmp.errors import ArchcmpError
from archcmp.kinds.base import CONVENTIONS, CachePart
from archcmp.plan import Mixer, MixerBlock, Plan, expand
from archcmp.record import record
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


@record
class CacheRequest:
    """What to count: ``batch`` sequences of ``context`` tokens, the cache
    dtype for the parts whose dtype the user chooses, and the convention."""

    context: int
    batch: int = 1
    dtype: str = "bf16"
    convention: str = "vllm"
    state_dtype: str | None = None  # overrides the dtype of every recurrent state
    # A part the convention stores in one layout only (vLLM's DeepSeek-V4):
    # refuse another dtype (strict), or count the layout the engine has.
    strict: bool = False

    def bits(self, part: CachePart) -> int:
        return DTYPE_BITS[self.dtype_of(part)]

    def dtype_of(self, part: CachePart) -> str:
        if part.recurrent and self.state_dtype is not None:
            return self.state_dtype
        return part.dtype or self.dtype


def part_bytes(part: CachePart, request: CacheRequest) -> int:
    """One sequence's buffer of one cached tensor."""
    entries = 1 if part.held is None else part.held.entries(request.context)
    return packed_bytes(entries * part.elements, request.bits(part))


def parts_bytes(parts: tuple[CachePart, ...], request: CacheRequest) -> int:
    return request.batch * sum(part_bytes(part, request) for part in parts)


def block_bytes(block: MixerBlock, request: CacheRequest) -> int:
    return parts_bytes(block_parts(block, request), request)


class UnansweredCache(ArchcmpError):
    """The convention stores some part only in layouts of other dtypes."""


def block_parts(block: MixerBlock, request: CacheRequest) -> tuple[CachePart, ...]:
    """What the block's mixer caches under the request's convention, with a
    part the convention packs for this dtype replaced by the packed record's
    parts (vLLM's ``fp8_ds_mla``)."""
    try:
        return stored_parts(block.mixer, request.convention, request.dtype, request.strict)
    except _Unstored as exc:
        part, layouts = exc.args
        names = " or ".join(f"{option.name} (--dtype {option.dtype})" for option in layouts)
        asks = " or ".join(f"--dtype {option.dtype}" for option in layouts)
        raise UnansweredCache(f"--convention {request.convention} stores layer {block.index}'s {part} "
                              f"only as {names}, so a {request.dtype} cache has no exact answer under it: "
                              f"ask {asks}, or --convention transformers for {request.dtype}") from None


class _Unstored(Exception):
    """A part the request's convention stores only in other dtypes' layouts."""


@lru_cache(maxsize=4096)
def stored_parts(mixer: Mixer, convention: str, cache_dtype: str, strict: bool) -> tuple[CachePart, ...]:
    """What one mixer caches under ``convention`` for a ``cache_dtype`` cache, as
    :func:`block_parts` says; ``strict=False``: a part stored only in other
    dtypes' layouts counts the engine's one layout (what ``fit`` holds).
    Kept per mixer: a plan's alike layers share theirs, and the answer does
    not depend on the context or batch."""
    stored: list[CachePart] = []
    for part in mixer.cache(convention):
        layout = part.layout(cache_dtype)
        if layout is not None:
            stored += [CachePart(f"{part.name}.{name}", (n,), part.held, dtype) for name, n, dtype in layout.parts]
        elif part.only_layouts and not strict:  # what the server allocates, whatever was asked
            layout = part.layouts[0]
            stored += [CachePart(f"{part.name}.{name}", (n,), part.held, dtype) for name, n, dtype in layout.parts]
        elif part.only_layouts:
            raise _Unstored(part.name, part.layouts)
        else:
            stored.append(part)
    return tuple(stored)


def kv_cache(spec: ModelSpec, context: int, batch: int = 1, dtype: str = "bf16", budget_bytes: int | None = None,
             convention: str = "vllm", plan: Plan | None = None, state_dtype: str | None = None,
             strict: bool = False) -> KVCacheResult:
    """The cache of ``batch`` sequences of ``context`` tokens each.
    ``state_dtype`` overrides the dtype of linear layers' recurrent states.
    ``strict``: a dtype the convention cannot store some part in
    (DeepSeek-V4 under vLLM but in fp8) raises :class:`UnansweredCache`
    rather than counting the engine's one layout."""
    dtype_bits(dtype)
    if state_dtype is not None:
        dtype_bits(state_dtype)
    _check_choice("convention", convention, CONVENTIONS)
    _check_positive(context, "context")
    _check_positive(batch, "batch")
    plan = plan or expand(spec)
    request = CacheRequest(context, batch, dtype, convention, state_dtype=state_dtype, strict=strict)
    try:
        layers = tuple(_layer_kv(block, request) for block in plan.mixer_blocks())
    except UnansweredCache as exc:
        raise UnansweredCache(f"{spec.id}: {exc}") from None
    return KVCacheResult(
        model=spec.id,
        context=context,
        batch=batch,
        dtype=dtype,
        convention=convention,
        model_max_context=spec.max_context,
        kv_bytes=sum(layer.bytes for layer in layers),
        kv_bytes_per_token_full_layers=bytes_per_token(plan, request, growing_only=True),
        kv_bytes_per_token_all_layers=bytes_per_token(plan, request),
        mha_equivalent_bytes=sum(_mha_bytes(block, request) for block in plan.mixer_blocks()),
        mla_naive_kv_bytes=_expanded_bytes(plan, request),
        by_kind=_by_kind(layers),
        layers=layers,
        budget=None if budget_bytes is None else fit_budget(plan, request, budget_bytes),
        state_bytes=sum(part.bytes for layer in layers for part in layer.state),
        state_dtype=state_dtype,
    )


def _check_positive(value: int, what: str) -> None:
    if value < 1:
        raise ArchcmpError(f"bad {what} {value}: must be at least 1")


def _check_choice(what: str, value: str, choices: tuple[str, ...]) -> None:
    if value not in choices:
        raise ArchcmpError(f"bad {what} {value!r}: expected {' or '.join(choices)}")


def _layer_kv(block: MixerBlock, request: CacheRequest) -> LayerKV:
    mixer = block.mixer
    parts = block_parts(block, request)
    growing = [part for part in parts if part.held is not None]
    fixed = [part for part in parts if part.held is None]
    held = [part.held for part in growing if part.held is not None]
    return LayerKV(
        index=block.index,
        attention=mixer.kind if mixer.span is None else mixer.span.kind,  # a linear mixer has no span
        window=None if mixer.span is None else mixer.span.window,
        nope=mixer.position == "nope",
        kv_source=block.kv_source,
        cached_tokens=held[0].entries(request.context) if held else 0,
        # DeepSeek-V4's csa/hca layers: one pooled entry per ratio tokens beside the window
        compressed_entries=max((h.entries(request.context) for h in held if h.stride > 1 and h.grows), default=0),
        elements_per_token=sum(part.elements for part in growing),
        bytes=parts_bytes(parts, request),
        state=tuple(StatePart(part.name, part.shape, request.dtype_of(part), parts_bytes((part,), request))
                    for part in fixed),
    )


def bytes_per_token(plan: Plan, request: CacheRequest, growing_only: bool = False) -> int:
    """What one more token adds over every layer (or over the layers whose
    cache grows without bound), packed once; a part holding one entry per
    ``stride`` tokens adds 1/stride of one."""
    bits = Fraction(0)
    for block, count in _by_mixer(plan):
        for part in block_parts(block, request):
            if part.held is not None and (part.held.grows or not growing_only):
                bits += count * part.elements * request.bits(part) * part.held.per_token
    return -(-bits.numerator // (8 * bits.denominator))


def _by_mixer(plan: Plan) -> list[tuple[MixerBlock, int]]:
    """The first block of each mixer and how many blocks share it (what a
    block caches is its mixer's)."""
    first: dict[Mixer, list] = {}
    for block in plan.mixer_blocks():
        first.setdefault(block.mixer, [block, 0])[1] += 1
    return [(block, count) for block, count in first.values()]


def _mha_bytes(block: MixerBlock, request: CacheRequest) -> int:
    """The same layer as full multi-head attention over the whole context."""
    elements = request.context * block.mixer.mha_equivalent_elements()
    return request.batch * packed_bytes(elements, DTYPE_BITS[request.dtype])


def _expanded_bytes(plan: Plan, request: CacheRequest) -> int | None:
    blocks = plan.mixer_blocks()
    layouts = [block.mixer.expanded_cache(request.convention) for block in blocks]
    if all(layout is None for layout in layouts):
        return None
    # a layer with no other layout (a linear layer's fixed state) keeps its own cache in the figure
    return sum(parts_bytes(block_parts(block, request) if layout is None else layout, request)
               for block, layout in zip(blocks, layouts))


def _by_kind(layers: tuple[LayerKV, ...]) -> tuple[KindTotal, ...]:
    groups: dict[str, list[LayerKV]] = {}
    for layer in layers:
        groups.setdefault(layer.kind, []).append(layer)
    return tuple(KindTotal(kind, len(group), group[0].cached_tokens, sum(layer.bytes for layer in group),
                           group[0].compressed_entries)
                 for kind, group in groups.items())


def total_bytes(plan: Plan, request: CacheRequest) -> int:
    """``kv_bytes`` alone, for searches that evaluate many contexts."""
    return sum(block_bytes(block, request) for block in plan.mixer_blocks())


def fit_budget(plan: Plan, request: CacheRequest, budget_bytes: int) -> BudgetFit:
    """Bytes grow monotonically with context (each part's term is
    non-decreasing), so a binary search finds the exact largest context;
    batch enters as a factor, so the largest batch is a floor division."""
    low, high = 0, MAX_CONTEXT  # the answer lies in [low, high]; 0 tokens always fit
    while low < high:
        middle = (low + high + 1) // 2
        if total_bytes(plan, _at(request, context=middle)) <= budget_bytes:
            low = middle
        else:
            high = middle - 1
    per_sequence = total_bytes(plan, _at(request, batch=1))
    return BudgetFit(budget_bytes=budget_bytes, max_context=low, max_batch=budget_bytes // per_sequence)


def _at(request: CacheRequest, **changes) -> CacheRequest:
    return replace(request, **changes)
