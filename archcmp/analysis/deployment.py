"""What each GPU of a layout holds: weights in a storage format, and the
cache of its layers per sequence. Shared by ``fit`` and ``speed``.

Which tensors take the weight format (``--quant-scope``), as common
checkpoints do: ``linear`` every block matrix but the routers and the shared
expert's sigmoid gate (GPTQ/AWQ/FP8 checkpoints keep them 16-bit), ``experts``
the routed experts only (gpt-oss MXFP4), ``all`` every matrix, embeddings,
head and routers too (GGUF files quantize ``token_embd``). Everything else
stays bf16; vectors (norms, biases) are never quantized, and are F32 in GGUF.
A float format (bf16, fp16, fp32) stores every tensor in it.

Cache per GPU and sequence, per layer: what the layer's kind caches under the
chosen convention, vLLM's by default (as ``archcmp kvcache --convention``:
``min(context, window)`` tokens of a sliding layer under ``vllm``; a recurrent
state in ``state_dtype`` when one is asked for, as ``--state-dtype``), with softmax K/V split by heads, ``max(1, kv_heads // TP)``
per GPU, and an MLA latent whole on every TP rank; a KV-shared layer holds
nothing. Parts without ``held`` are fixed states, once per sequence. A layer
kind with no sharding rule here is an error, never a guess. A part vLLM packs
for the cache dtype is counted packed (``fp8_ds_mla`` for DSA in fp8); one it
stores in one layout only (DeepSeek-V4's ``fp8_ds_mla``) in that layout,
whatever the cache dtype, since a server has no other.
"""

from __future__ import annotations

from collections import Counter
from fractions import Fraction
from functools import cached_property, lru_cache

from archcmp.analysis.kvcache import DTYPE_BITS, dtype_bits, packed_bytes, stored_parts
from archcmp.analysis.sharding import Layout, model_tensor_stages, shard, stage_layers
from archcmp.analysis.sharding_linear import LINEAR_MIXERS
from archcmp.analysis.weight_formats import WeightFormat
from archcmp.errors import ArchcmpError
from archcmp.kinds.base import CachePart, Tensor
from archcmp.kinds.compressed import CompressedMixer
from archcmp.kinds.ffn import MoEFFN
from archcmp.kinds.latent import LatentMixer
from archcmp.kinds.parallel import ParallelFFN
from archcmp.kinds.softmax import SoftmaxMixer
from archcmp.plan import Block, Mixer, expand
from archcmp.record import record
from archcmp.schema import ModelSpec

QUANT_SCOPES = ("linear", "experts", "all")
_GATHERED = {"embed_tokens", "embed_positions", "embed_tokens_per_layer"}  # looked up, never multiplied


def quantized(tensor: Tensor, fmt: WeightFormat, scope: str) -> bool:
    if len(tensor.shape) != 2 or fmt.is_float:
        return False
    if scope == "all":
        return True
    if tensor.component in ("embedding", "lm_head", "router") or tensor.name.endswith("shared_expert_gate"):
        return False
    return scope == "linear" or tensor.component == "routed_experts"


@lru_cache(maxsize=65536)
def gpu_tensor_bytes(tensor: Tensor, layout: Layout, kv_heads: int | None, fmt: WeightFormat, scope: str) -> int:
    """Bytes one GPU holds of ``tensor`` (all its local copies)."""
    part = shard(tensor, layout, kv_heads)
    if quantized(tensor, fmt, scope):
        return part.copies * fmt.matrix_bytes(*part.shape)
    bits = fmt.vector_bits if (fmt.is_float or len(part.shape) == 1) else 16
    elements = part.copies
    for n in part.shape:
        elements *= n
    return elements * bits // 8


@record
class StageWeights:
    """One GPU of one pipeline stage (the heaviest, where experts do not
    divide evenly). ``experts`` lists, per MoE layer, the local expert
    copies, the bytes of one of them, the layer's experts and experts per
    token; ``gathered`` the input tables a step only looks rows up in."""

    stage: int
    layers: range
    bytes: int
    by_component: dict[str, int]
    gathered: int
    experts: tuple[tuple[int, int, int, int], ...]

    @property
    def always_read(self) -> int:
        """What every decode step reads whatever the routing."""
        return self.bytes - self.gathered - sum(n * size for n, size, _, _ in self.experts)


@record
class PartCache:
    """One cached tensor of one layer on one GPU: ``elements`` per entry (or
    in all, for a fixed state), ``cap`` entries at most, in ``dtype`` (None:
    the cache dtype chosen)."""

    elements: int
    grows: bool  # False: a fixed state, held once per sequence
    cap: int | None
    stride: int
    dtype: str | None
    remainder: bool = False  # the tokens not yet pooled into an entry (Held.remainder)

    def bytes(self, context: int, bits: int) -> int:
        bits = DTYPE_BITS[self.dtype] if self.dtype else bits
        if not self.grows:
            return packed_bytes(self.elements, bits)
        if self.remainder:
            return packed_bytes(context % self.stride * self.elements, bits)
        entries = context // self.stride
        return packed_bytes((entries if self.cap is None else min(entries, self.cap)) * self.elements, bits)


@record
class LayerCache:
    index: int
    parts: tuple[PartCache, ...]
    window: int | None  # the span's window or chunk, for notes

    def bytes(self, context: int, bits: int, grows: bool = True) -> int:
        """The growing parts (or, with ``grows=False``, the fixed states) of one sequence."""
        return sum(part.bytes(context, bits) for part in self.parts if part.grows == grows)


class ModelTensors:
    """A model's plan and tensors, built once and shared by the layouts a search tries."""

    def __init__(self, spec: ModelSpec):
        self.plan = expand(spec)
        self.model = self.plan.model_tensors
        alike = {block.weights_key: block for block, _ in self.plan.distinct_blocks()}
        tensors = {key: block.tensors() for key, block in alike.items()}  # blocks alike in weights: the same
        self.layers = tuple(tensors[block.weights_key] for block in self.plan)
        # Layers of the same tensors and KV heads shard alike: the search
        # counts each kind once (by its first layer), not every layer per layout.
        first: dict[tuple, int] = {}
        self.kind_of = tuple(first.setdefault((tensors, _kv_heads(block)), i)
                             for i, (tensors, block) in enumerate(zip(self.layers, self.plan)))


class Deployment:
    """A model on a layout, in a weight format, with a cache dtype."""

    def __init__(self, spec: ModelSpec, layout: Layout, fmt: WeightFormat, scope: str, kv_dtype: str,
                 tensors: ModelTensors | None = None, *, convention: str = "vllm", state_dtype: str | None = None):
        if scope not in QUANT_SCOPES:
            raise ArchcmpError(f"bad --quant-scope {scope!r}: expected one of {', '.join(QUANT_SCOPES)}")
        self.spec, self.layout, self.fmt, self.scope = spec, layout, fmt, scope
        self.kv_dtype, self.kv_bits = kv_dtype, dtype_bits(kv_dtype)
        self.convention, self.state_dtype = convention, state_dtype
        self.tensors = tensors or ModelTensors(spec)
        self.plan = self.tensors.plan
        self.stages = stage_layers(spec.num_layers, layout.pp)

    @cached_property
    def weights(self) -> tuple[StageWeights, ...]:
        return tuple(self._stage_weights(s, layers) for s, layers in enumerate(self.stages))

    @cached_property
    def caches(self) -> tuple[LayerCache, ...]:
        parts: dict[Mixer, tuple[PartCache, ...]] = {}  # a layer's parts depend on its mixer alone
        return tuple(self._layer_cache(layer, parts) for layer in self.plan)

    @cached_property
    def _stage_caches(self) -> tuple[tuple[tuple[LayerCache, int], ...], ...]:
        """Each stage's layer caches, alike ones counted once: the searches
        for max context and fewest GPUs ask for a stage's bytes many times."""
        stages = []
        for layers in self.stages:
            kinds: dict[tuple, list] = {}
            for i in layers:
                kinds.setdefault(self.caches[i].parts, [self.caches[i], 0])[1] += 1
            stages.append(tuple((cache, count) for cache, count in kinds.values()))
        return tuple(stages)

    def cache_bytes(self, stage: int, context: int, batch: int) -> int:
        """The growing cache (KV, latents) one GPU of ``stage`` holds for ``batch`` sequences."""
        return batch * sum(count * cache.bytes(context, self.kv_bits) for cache, count in self._stage_caches[stage])

    def sequences_bytes(self, stage: int, context: int, batch: int) -> int:
        """Everything ``batch`` sequences hold on one GPU: cache and fixed states."""
        return self.cache_bytes(stage, context, batch) + self.state_bytes(stage, batch)

    def cache_bytes_per_token(self, stage: int) -> int:
        """What one more token adds once every window is full (growing, uncapped parts)."""
        parts = [p for i in self.stages[stage] for p in self.caches[i].parts if p.grows and p.cap is None]
        # a part holding one entry per `stride` tokens (DeepSeek-V4's compressed entries) adds 1/stride of one
        bits = sum(Fraction(p.elements * (DTYPE_BITS[p.dtype] if p.dtype else self.kv_bits), p.stride) for p in parts)
        return -(-bits.numerator // (8 * bits.denominator))

    def state_bytes(self, stage: int, batch: int) -> int:
        """Fixed states (recurrent layers), once per sequence."""
        return batch * sum(count * cache.bytes(0, self.kv_bits, grows=False)
                           for cache, count in self._stage_caches[stage])

    def _stage_weights(self, stage: int, layers: range) -> StageWeights:
        by_component: Counter[str] = Counter()
        gathered, experts = 0, []
        last = stage == self.layout.pp - 1
        for tensor in self.tensors.model:
            if stage in model_tensor_stages(tensor, self.layout.pp, self.spec.embeddings.tied_output):
                size = self._bytes(tensor)
                by_component[tensor.component] += size
                head = tensor.name == "embed_tokens" and self.spec.embeddings.tied_output and last
                gathered += size if tensor.name in _GATHERED and not head else 0
        for kind, count in Counter(self.tensors.kind_of[i] for i in layers).items():
            expert_bytes, kv_heads = 0, _kv_heads(self.plan.blocks[kind])
            for tensor in self.tensors.layers[kind]:
                size = self._bytes(tensor, kv_heads)
                by_component[tensor.component] += count * size
                expert_bytes += size if tensor.component == "routed_experts" else 0
            if expert_bytes:
                ffn = _routed(self.plan.blocks[kind].ffn)
                local = -(-ffn.num_experts // self.layout.ep)
                experts += [(local, expert_bytes // local, ffn.num_experts, ffn.experts_per_token)] * count
        return StageWeights(stage, layers, sum(by_component.values()), dict(by_component), gathered, tuple(experts))

    def _bytes(self, tensor: Tensor, kv_heads: int | None = None) -> int:
        return gpu_tensor_bytes(tensor, self.layout, kv_heads, self.fmt, self.scope)

    def _layer_cache(self, block: Block, known: dict) -> LayerCache:
        if block.mixer is None:  # a block of an FFN alone caches nothing
            return LayerCache(block.index, (), None)
        if block.mixer not in known:
            known[block.mixer] = tuple(self._part(block, part)
                                       for part in stored_parts(block.mixer, self.convention, self.kv_dtype, False))
        return LayerCache(block.index, known[block.mixer],
                          None if block.mixer.span is None else block.mixer.span.window)

    def _part(self, block: Block, part: CachePart) -> PartCache:
        """One GPU's share of a cached tensor: softmax K/V by heads, an MLA
        latent whole (every rank attends over all of it)."""
        match block.mixer:
            case SoftmaxMixer(num_kv_heads=kv):
                elements = part.elements // kv * max(1, kv // self.layout.tp)
            case LatentMixer() | CompressedMixer():  # one latent, or one K=V head: whole on every rank
                elements = part.elements
            case mixer if isinstance(mixer, LINEAR_MIXERS):  # each rank keeps its heads' conv and state share
                elements = part.elements // self.layout.tp
            case mixer:
                raise ArchcmpError(f"{self.spec.id}: no cache sharding rule for the layer kind {type(mixer).__name__}")
        held = part.held
        dtype = self.state_dtype if part.recurrent and self.state_dtype else part.dtype
        return PartCache(elements, held is not None, held.cap if held else None, held.stride if held else 1, dtype,
                         held.remainder if held else False)

    @property
    def replicated_kv_heads(self) -> int | None:
        """The fewest KV heads of a layer, when TP exceeds them (each is then
        held by several ranks)."""
        heads = [b.mixer.num_kv_heads for b in self.plan if isinstance(b.mixer, SoftmaxMixer)]
        return min(heads) if heads and self.layout.tp > min(heads) else None


def _kv_heads(block: Block) -> int | None:
    return block.mixer.num_kv_heads if isinstance(block.mixer, SoftmaxMixer) else None


def _routed(ffn) -> MoEFFN | None:
    """The routed experts of a feed-forward, alone or beside a dense MLP."""
    if isinstance(ffn, ParallelFFN):
        return ffn.moe
    return ffn if isinstance(ffn, MoEFFN) else None
