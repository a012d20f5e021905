"""Does a model fit on N accelerators, and how much context and batch does.

Per GPU (the heaviest one, of the heaviest pipeline stage):

    total = weights + cache(context, batch) + reserve  ≤  usable
    usable = floor(memory × mem_util)

``memory`` is the vendor's decimal figure (``--memory-basis nominal``, the
conservative default) or what a driver reported (``reported``); ``mem_util``
is the fraction an engine may take (vLLM ``--gpu-memory-utilization``,
default 0.9), and ``reserve`` what the user sets aside for activations, CUDA
graphs and the like (default 0: the 10 % left by ``mem_util`` is the slack).
Weights and cache are exact (:mod:`archcmp.analysis.deployment`), so each
figure here is exact for those conventions; how much an engine really needs
beyond them is the reserve's job, not an estimate made here.

The largest context at the batch and the largest batch at the context are
exact: cache bytes never decrease with the context, so a binary search finds
the last context that fits, and they are linear in the batch. The fewest GPUs
tries N = 1, 2, … with, for each N, pipeline stages as few as the heads allow
(TP first), and stops at the first layout that fits.
"""

from __future__ import annotations

from dataclasses import field
from decimal import Decimal

from archcmp.analysis.deployment import Deployment, ModelTensors
from archcmp.analysis.sharding import Layout, layout_problem
from archcmp.analysis.weight_formats import WeightFormat
from archcmp.errors import ArchcmpError
from archcmp.hardware.schema import Device
from archcmp.kinds.latent import LatentMixer
from archcmp.record import record
from archcmp.schema import ModelSpec
from archcmp.units import MAX_CONTEXT

MEMORY_BASES = ("nominal", "reported")
MAX_SEARCH_GPUS = 1024


@record
class Budget:
    """Per-GPU memory and what the user keeps back."""

    memory_bytes: int
    memory_basis: str
    mem_util: Decimal
    reserve_bytes: int

    @property
    def usable_bytes(self) -> int:
        return int(Decimal(self.memory_bytes) * self.mem_util)


def budget(device: Device, basis: str = "nominal", mem_util: Decimal = Decimal("0.9"), reserve: int = 0) -> Budget:
    if basis not in MEMORY_BASES:
        raise ArchcmpError(f"bad --memory-basis {basis!r}: expected nominal or reported")
    if not Decimal(0) < mem_util <= Decimal(1):
        raise ArchcmpError(f"bad --mem-util {mem_util}: must be above 0 and at most 1")
    if reserve < 0:
        raise ArchcmpError(f"bad --reserve {reserve}: must not be negative")
    memory = device.memory.bytes_nominal if basis == "nominal" else device.memory.bytes_reported
    if memory is None:
        raise ArchcmpError(f"{device.id} has no driver-reported memory figure; use --memory-basis nominal")
    return Budget(memory, basis, mem_util, reserve)


@record
class StageFit:
    stage: int
    first_layer: int
    num_layers: int
    weights_bytes: int
    cache_bytes: int
    state_bytes: int
    total_bytes: int

    def to_json(self) -> dict:
        return {"stage": self.stage, "first_layer": self.first_layer, "num_layers": self.num_layers,
                "weights_bytes_per_gpu": self.weights_bytes, "cache_bytes_per_gpu": self.cache_bytes,
                "state_bytes_per_gpu": self.state_bytes, "total_bytes_per_gpu": self.total_bytes}


@record
class FitResult:
    model: str
    device: str
    gpus: int
    layout: Layout
    weights: str
    quant_scope: str
    kv_dtype: str
    convention: str
    state_dtype: str | None
    context: int
    batch: int
    budget: Budget
    weights_bytes_per_gpu: int
    weights_by_component: dict[str, int]
    kv_bytes_per_gpu: int
    kv_bytes_per_token_per_gpu: int
    state_bytes_per_gpu: int
    total_bytes_per_gpu: int
    stages: tuple[StageFit, ...]
    max_context: int
    max_batch: int
    min_gpus: int | None
    min_gpus_layout: Layout | None
    model_max_context: int | None
    model_weights_bytes: int  # the whole checkpoint in this format, unsharded
    notes: tuple[str, ...] = field(default=())

    @property
    def usable_bytes_per_gpu(self) -> int:
        return self.budget.usable_bytes

    @property
    def margin_bytes(self) -> int:
        return self.usable_bytes_per_gpu - self.total_bytes_per_gpu

    @property
    def fits(self) -> bool:
        return self.margin_bytes >= 0

    def to_json(self) -> dict:
        return {
            "model": self.model, "device": self.device, "gpus": self.gpus, "layout": self.layout.to_json(),
            "weights": self.weights, "quant_scope": self.quant_scope, "kv_dtype": self.kv_dtype,
            "convention": self.convention, "state_dtype": self.state_dtype,
            "model_weights_bytes": self.model_weights_bytes,
            "context": self.context, "batch": self.batch, "memory_basis": self.budget.memory_basis,
            "memory_bytes_per_gpu": self.budget.memory_bytes, "mem_util": str(self.budget.mem_util),
            "reserve_bytes_per_gpu": self.budget.reserve_bytes,
            "weights_bytes_per_gpu": self.weights_bytes_per_gpu,
            "weights_by_component_per_gpu": dict(self.weights_by_component),
            "kv_bytes_per_gpu": self.kv_bytes_per_gpu, "kv_bytes_per_token_per_gpu": self.kv_bytes_per_token_per_gpu,
            "state_bytes_per_gpu": self.state_bytes_per_gpu, "total_bytes_per_gpu": self.total_bytes_per_gpu,
            "usable_bytes_per_gpu": self.usable_bytes_per_gpu, "margin_bytes_per_gpu": self.margin_bytes,
            "fits": self.fits, "max_context": self.max_context, "max_batch": self.max_batch,
            "min_gpus": self.min_gpus, "min_gpus_layout": self.min_gpus_layout.to_json() if self.min_gpus_layout else None,
            "model_max_context": self.model_max_context, "stages": [s.to_json() for s in self.stages],
            "notes": list(self.notes),
        }


def check_request(context: int, batch: int) -> None:
    if context < 1:
        raise ArchcmpError(f"bad context {context}: must be at least 1")
    if batch < 1:
        raise ArchcmpError(f"bad --batch {batch}: must be at least 1")


def fit(spec: ModelSpec, device: Device, gpus: int, layout: Layout, fmt: WeightFormat, scope: str, kv_dtype: str,
        context: int, batch: int, room: Budget, tensors: ModelTensors | None = None, *, convention: str = "vllm",
        state_dtype: str | None = None) -> FitResult:
    """``convention`` and ``state_dtype``: whose cache layout, as ``archcmp kvcache`` takes them."""
    check_request(context, batch)
    tensors = tensors or ModelTensors(spec)
    cache = {"convention": convention, "state_dtype": state_dtype}
    deployment = Deployment(spec, layout, fmt, scope, kv_dtype, tensors, **cache)
    stages = tuple(_stage_fit(deployment, s, context, batch, room) for s in range(layout.pp))
    heaviest = max(stages, key=lambda s: s.total_bytes)
    min_gpus, min_layout = fewest_gpus(spec, tensors, fmt, scope, kv_dtype, context, batch, room, layout.ep > 1,
                                       **cache)
    return FitResult(
        model=spec.id, device=device.id, gpus=gpus, layout=layout, weights=fmt.name, quant_scope=scope,
        kv_dtype=kv_dtype, convention=convention, state_dtype=state_dtype, context=context, batch=batch, budget=room,
        weights_bytes_per_gpu=heaviest.weights_bytes,
        weights_by_component=deployment.weights[heaviest.stage].by_component,
        kv_bytes_per_gpu=heaviest.cache_bytes,
        kv_bytes_per_token_per_gpu=deployment.cache_bytes_per_token(heaviest.stage),
        state_bytes_per_gpu=heaviest.state_bytes,
        total_bytes_per_gpu=heaviest.total_bytes, stages=stages,
        max_context=max_context(deployment, batch, room), max_batch=max_batch(deployment, context, room),
        min_gpus=min_gpus, min_gpus_layout=min_layout, model_max_context=spec.max_context,
        model_weights_bytes=Deployment(spec, Layout(1, 1, 1, 1), fmt, scope, kv_dtype, tensors).weights[0].bytes,
        notes=_notes(deployment, context),
    )


def _stage_fit(deployment: Deployment, stage: int, context: int, batch: int, room: Budget) -> StageFit:
    weights = deployment.weights[stage].bytes
    cache, state = deployment.cache_bytes(stage, context, batch), deployment.state_bytes(stage, batch)
    layers = deployment.stages[stage]
    return StageFit(stage, layers.start, len(layers), weights, cache, state,
                    weights + cache + state + room.reserve_bytes)


def _fits(deployment: Deployment, context: int, batch: int, room: Budget) -> bool:
    usable = room.usable_bytes - room.reserve_bytes
    return all(w.bytes + deployment.sequences_bytes(s, context, batch) <= usable
               for s, w in enumerate(deployment.weights))


def max_context(deployment: Deployment, batch: int, room: Budget) -> int:
    """The largest context (at most ``units.MAX_CONTEXT``) that fits at
    ``batch``; 0 if not even one token does."""
    if not _fits(deployment, 1, batch, room):
        return 0
    low, high = 1, MAX_CONTEXT  # the answer lies in [low, high]
    while low < high:
        middle = (low + high + 1) // 2
        if _fits(deployment, middle, batch, room):
            low = middle
        else:
            high = middle - 1
    return low


def max_batch(deployment: Deployment, context: int, room: Budget) -> int:
    usable = room.usable_bytes - room.reserve_bytes
    batches = []
    for s, weights in enumerate(deployment.weights):
        per_sequence = deployment.sequences_bytes(s, context, 1)
        left = usable - weights.bytes
        if left < 0:
            return 0
        if per_sequence:
            batches.append(left // per_sequence)
    return min(batches) if batches else 0


def fewest_gpus(spec: ModelSpec, tensors: ModelTensors, fmt: WeightFormat, scope: str, kv_dtype: str,
                context: int, batch: int, room: Budget, expert_parallel: bool, *, convention: str = "vllm",
                state_dtype: str | None = None) -> tuple[int | None, Layout | None]:
    """The smallest N (≤ 1024) with a layout that fits: TP as wide as the
    heads allow, then pipeline stages; experts whole on each GPU (EP = TP)
    when the request used expert parallelism."""
    for gpus in range(1, MAX_SEARCH_GPUS + 1):
        for pp in (d for d in range(1, gpus + 1) if gpus % d == 0):
            tp = gpus // pp
            ep = tp if expert_parallel and spec.moe and tp <= spec.moe.num_experts else 1
            layout = Layout(tp, pp, ep, 1)
            if layout_problem(spec, layout, tensors.plan):
                continue
            deployment = Deployment(spec, layout, fmt, scope, kv_dtype, tensors, convention=convention,
                                    state_dtype=state_dtype)
            if _fits(deployment, context, batch, room):
                return gpus, layout
    return None, None


def _notes(deployment: Deployment, context: int) -> tuple[str, ...]:
    spec, layout, notes = deployment.spec, deployment.layout, []
    kv = deployment.replicated_kv_heads
    if kv:
        notes.append(f"TP {layout.tp} exceeds the {kv} KV heads: each GPU holds 1 KV head, each head "
                     f"replicated on {layout.tp // kv} GPUs")
    if layout.tp > 1 and any(isinstance(b.mixer, LatentMixer) and b.mixer.owns_cache for b in deployment.plan):
        notes.append(f"MLA: every one of the {layout.tp} TP ranks holds the whole latent cache; it does not shrink")
    windowed = [c for c in deployment.caches if c.window is not None and c.parts]
    if windowed:
        notes.append(f"{len(windowed)} sliding or chunked layers hold at most {windowed[0].window:,} tokens each")
    if spec.max_context is not None and context > spec.max_context:
        notes.append(f"context {context:,} is beyond the model's max_context {spec.max_context:,}")
    if layout.dp > 1:
        notes.append(f"{layout.dp} data-parallel replicas of {layout.tp * layout.pp} GPUs; --batch is per replica")
    return tuple(notes)
