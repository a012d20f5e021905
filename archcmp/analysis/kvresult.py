"""The result objects of the KV-cache count: plain data, exact integers."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class StatePart:
    """One fixed-size state tensor of one layer (a linear layer's conv or
    recurrent state): its shape for one sequence, dtype, bytes for the batch."""

    name: str
    shape: tuple[int, ...]
    dtype: str
    bytes: int

    def to_json(self) -> dict:
        return {"name": self.name, "shape": list(self.shape), "dtype": self.dtype, "bytes": self.bytes}


@dataclass(frozen=True)
class LayerKV:
    index: int
    attention: str  # "full" | "sliding" | "chunked"
    window: int | None
    nope: bool  # no position encoding in this layer (not said of learned absolute positions)
    kv_source: int
    cached_tokens: int
    elements_per_token: int
    bytes: int  # for the whole batch, state included
    state: tuple[StatePart, ...] = ()  # the fixed part of ``bytes``
    compressed_entries: int = 0  # beside the window: pooled entries of a compressed layer (DeepSeek-V4)

    @property
    def state_bytes(self) -> int:
        return sum(part.bytes for part in self.state)

    @property
    def kind(self) -> str:
        """``full``, ``sliding``, ``chunked`` (or a linear mixer's kind), with
        ``nope`` and ``shared`` marks."""
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
            "compressed_entries": self.compressed_entries,
            "elements_per_token": self.elements_per_token,
            "bytes": self.bytes,
            "state": [part.to_json() for part in self.state],
        }


@dataclass(frozen=True)
class KindTotal:
    """Layers of one kind (``LayerKV.kind``) and what they hold together."""

    kind: str
    num_layers: int
    cached_tokens: int  # per layer
    bytes: int
    compressed_entries: int = 0  # per layer, beside cached_tokens (DeepSeek-V4's csa and hca layers)

    def to_json(self) -> dict:
        return {"kind": self.kind, "num_layers": self.num_layers, "cached_tokens": self.cached_tokens,
                "compressed_entries": self.compressed_entries, "bytes": self.bytes}


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
    convention: str
    model_max_context: int | None
    kv_bytes: int
    kv_bytes_per_token_full_layers: int
    kv_bytes_per_token_all_layers: int
    mha_equivalent_bytes: int
    mla_naive_kv_bytes: int | None
    by_kind: tuple[KindTotal, ...]
    layers: tuple[LayerKV, ...]
    budget: BudgetFit | None = None
    state_bytes: int = 0  # the fixed part of kv_bytes: linear layers' states, whatever the context
    state_dtype: str | None = None  # the --state-dtype override, if any

    @property
    def growing_bytes(self) -> int:
        """What the context costs: kv_bytes without the fixed states."""
        return self.kv_bytes - self.state_bytes

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
            "convention": self.convention,
            "kv_bytes": self.kv_bytes,
            "state_bytes": self.state_bytes,
            "state_dtype": self.state_dtype,
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
