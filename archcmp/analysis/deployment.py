"""What each GPU of a layout holds: weights in a storage format, and the
cache of its layers per sequence. Shared by ``fit`` and ``speed``.

Which tensors take the weight format (``--quant-scope``), as common
checkpoints do: ``linear`` every block matrix but the routers and the shared
expert's sigmoid gate (GPTQ/AWQ/FP8 checkpoints keep them 16-bit), ``experts``
the routed experts only (gpt-oss MXFP4), ``all`` every matrix, embeddings,
head and routers too (GGUF files quantize ``token_embd``). Everything else
stays bf16; vectors (norms, biases) are never quantized, and are F32 in GGUF.
A float format (bf16, fp16, fp32) stores every tensor in it.

Cache per GPU and sequence, per layer: ``min(context, window)`` tokens (the
vLLM convention, as ``archcmp kvcache``) of ``2 × kv_heads_per_gpu ×
head_dim`` elements, where ``kv_heads_per_gpu = max(1, kv_heads // TP)``;
MLA caches its latent and RoPE key on every TP rank, whole; a KV-shared layer
holds nothing.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from functools import cached_property, lru_cache

from archcmp.analysis.kvcache import dtype_bits, kv_elements_per_token, packed_bytes
from archcmp.analysis.sharding import Layout, model_tensor_stages, shard, stage_layers
from archcmp.analysis.tensors import Tensor, layer_tensors, model_tensors
from archcmp.analysis.weight_formats import WeightFormat
from archcmp.errors import ArchcmpError
from archcmp.plan import LayerPlan, expand
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


@dataclass(frozen=True)
class StageWeights:
    """One GPU of one pipeline stage (the heaviest, where experts do not
    divide evenly). ``experts`` lists, per MoE layer, the local expert
    copies and the bytes of one of them; ``gathered`` the input tables a
    step only looks rows up in."""

    stage: int
    layers: range
    bytes: int
    by_component: dict[str, int]
    gathered: int
    experts: tuple[tuple[int, int], ...]

    @property
    def always_read(self) -> int:
        """What every decode step reads whatever the routing."""
        return self.bytes - self.gathered - sum(n * size for n, size in self.experts)


@dataclass(frozen=True)
class LayerCache:
    index: int
    window: int | None  # tokens held at most; None grows with the context
    elements_per_token: int  # per GPU, in the cache dtype
    replicated: bool  # a latent cache every TP rank holds whole

    def bytes(self, context: int, bits: int) -> int:
        held = context if self.window is None else min(context, self.window)
        return packed_bytes(held * self.elements_per_token, bits)


class ModelTensors:
    """A model's tensors, built once and shared by the layouts a search tries."""

    def __init__(self, spec: ModelSpec):
        self.plan = expand(spec)
        self.model = model_tensors(spec)
        self.layers = tuple(layer_tensors(spec, layer) for layer in self.plan)


class Deployment:
    """A model on a layout, in a weight format, with a cache dtype."""

    def __init__(self, spec: ModelSpec, layout: Layout, fmt: WeightFormat, scope: str, kv_dtype: str,
                 tensors: ModelTensors | None = None):
        if scope not in QUANT_SCOPES:
            raise ArchcmpError(f"bad --quant-scope {scope!r}: expected one of {', '.join(QUANT_SCOPES)}")
        self.spec, self.layout, self.fmt, self.scope = spec, layout, fmt, scope
        self.kv_dtype, self.kv_bits = kv_dtype, dtype_bits(kv_dtype)
        self.tensors = tensors or ModelTensors(spec)
        self.plan = self.tensors.plan
        self.stages = stage_layers(spec.num_layers, layout.pp)
        self._kv_heads = None if spec.attention.kind == "mla" else spec.attention.num_kv_heads

    @cached_property
    def weights(self) -> tuple[StageWeights, ...]:
        return tuple(self._stage_weights(s, layers) for s, layers in enumerate(self.stages))

    @cached_property
    def caches(self) -> tuple[LayerCache, ...]:
        return tuple(self._layer_cache(layer) for layer in self.plan)

    def cache_bytes(self, stage: int, context: int, batch: int) -> int:
        """The cache one GPU of ``stage`` holds for ``batch`` sequences."""
        return batch * sum(self.caches[i].bytes(context, self.kv_bits) for i in self.stages[stage])

    def cache_bytes_per_token(self, stage: int) -> int:
        """What one more token adds once every window is full (growing layers)."""
        caches = [self.caches[i] for i in self.stages[stage] if self.caches[i].window is None]
        return packed_bytes(sum(c.elements_per_token for c in caches), self.kv_bits)

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
        for signature, count in Counter(self.tensors.layers[i] for i in layers).items():
            expert_bytes = 0
            for tensor in signature:
                size = self._bytes(tensor)
                by_component[tensor.component] += count * size
                expert_bytes += size if tensor.component == "routed_experts" else 0
            if expert_bytes:
                local = -(-self.spec.moe.num_experts // self.layout.ep)
                experts += [(local, expert_bytes // local)] * count
        return StageWeights(stage, layers, sum(by_component.values()), dict(by_component), gathered, tuple(experts))

    def _bytes(self, tensor: Tensor) -> int:
        return gpu_tensor_bytes(tensor, self.layout, self._kv_heads, self.fmt, self.scope)

    def _layer_cache(self, layer: LayerPlan) -> LayerCache:
        elements = kv_elements_per_token(self.spec, layer)
        mla = self.spec.attention.kind == "mla"
        if elements and not mla:
            kv = self.spec.attention.num_kv_heads
            elements = elements // kv * max(1, kv // self.layout.tp)
        return LayerCache(layer.index, layer.window, elements, mla)

    @property
    def kv_heads_replicated(self) -> bool:
        return self._kv_heads is not None and self.layout.tp > self._kv_heads
