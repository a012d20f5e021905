"""Lay out KV-cache results: one row per model and context."""

from __future__ import annotations

from archcmp.analysis.kvcache import KindTotal, KVCacheResult
from archcmp.render.tabular import Table
from archcmp.units import MAX_CONTEXT, format_bytes, format_context

CAPTION = (
    "bytes in binary units (1 KiB = 1024 B). per token: bytes one more token adds once every window is "
    "full (full-context layers). by layer kind: layers × tokens held each; a sliding layer holds "
    "min(context, window), a chunked layer min(context, chunk), a KV-shared layer nothing. MHA equiv.: every "
    "layer caching full multi-head K and V for the whole context; saving = MHA equiv. / KV cache."
)
MLA_NOTE = ("MLA naive: decompressed per-head K and V cached instead of the latent "
            "(DeepSeek's attn_impl='naive').")
STATE_NOTE = ("fixed state: each linear-attention or Mamba layer's conv state and recurrent state, the same at "
              "every context (vllm: K-1 conv columns in the cache dtype, the recurrent state in the model's state "
              "dtype; transformers: K conv columns, the recurrent state in fp32); KV cache includes it.")
BUDGET_NOTE = ("max context: the largest that fits at batch {batch}; "
               "max batch: the largest that fits at the row's context.")


def kvcache_table(results: list[KVCacheResult], raw: bool = False) -> Table:
    first = results[0]
    has_state = any(r.state_bytes for r in results)
    columns = ["model", "context", "per token", *(["fixed state"] if has_state else []), "KV cache",
               "by layer kind", "MHA equiv.", "saving"]
    has_mla = any(r.mla_naive_kv_bytes is not None for r in results)
    has_budget = first.budget is not None
    if has_mla:
        columns.append("MLA naive")
    if has_budget:
        columns += [f"max context in {_bytes(first.budget.budget_bytes, raw)}", "max batch"]
    table = Table(f"KV cache ({first.dtype}, batch {first.batch})", columns)
    for result in results:
        table.add(*_row(result, raw, has_mla, has_budget, has_state))
    table.caption = " ".join(filter(None, [
        CAPTION,
        STATE_NOTE if has_state else "",
        MLA_NOTE if has_mla else "",
        BUDGET_NOTE.format(batch=first.batch) if has_budget else "",
        _beyond_note(results),
    ]))
    return table


def _row(result: KVCacheResult, raw: bool, has_mla: bool, has_budget: bool, has_state: bool = False) -> list[str]:
    context = str(result.context) if raw else format_context(result.context)
    row = [
        result.model,
        context + ("*" if result.exceeds_max_context and not raw else ""),
        _count(result.kv_bytes_per_token_full_layers, raw) + ("" if raw else " B"),
        *([_bytes(result.state_bytes, raw)] if has_state else []),
        _bytes(result.kv_bytes, raw),
        "; ".join(_kind_cell(kind, raw) for kind in result.by_kind),
        _bytes(result.mha_equivalent_bytes, raw),
        f"{result.mha_equivalent_ratio:.4g}" if raw else f"{result.mha_equivalent_ratio:.1f}×",
    ]
    if has_mla:
        naive = result.mla_naive_kv_bytes
        row.append("" if naive is None else _bytes(naive, raw))
    if has_budget:
        row += [_budget_context(result, raw), _count(result.budget.max_batch, raw)]
    return row


def _bytes(n: int, raw: bool) -> str:
    return str(n) if raw else format_bytes(n)


def _count(n: int, raw: bool) -> str:
    return str(n) if raw else f"{n:,}"


def _kind_cell(kind: KindTotal, raw: bool) -> str:
    if kind.cached_tokens == 0:  # a fixed state (linear layers) or nothing (KV-shared layers)
        return f"{kind.num_layers} {kind.kind}: {_bytes(kind.bytes, raw)}"
    tokens = str(kind.cached_tokens) if raw else format_context(kind.cached_tokens)
    return f"{kind.num_layers} {kind.kind} × {tokens}: {_bytes(kind.bytes, raw)}"


def _budget_context(result: KVCacheResult, raw: bool) -> str:
    tokens = result.budget.max_context
    if raw:
        return str(tokens)
    text = ("≥ " if tokens == MAX_CONTEXT else "") + _count(tokens, raw)
    limit = result.model_max_context
    return text + (f" (> {format_context(limit)} max)" if limit is not None and tokens > limit else "")


def _beyond_note(results: list[KVCacheResult]) -> str:
    beyond = sorted({r.model for r in results if r.exceeds_max_context})
    return f"* beyond the model's max_context: {', '.join(beyond)}." if beyond else ""


def layers_table(result: KVCacheResult, raw: bool = False) -> Table:
    """Every layer of one model at one context: what it holds and why."""
    title = f"{result.model} at {format_context(result.context)}: KV cache by layer ({result.dtype}, batch {result.batch})"
    has_state = any(layer.state for layer in result.layers)
    columns = ["layer", "attention", "window", "positions", "cache", "cached tokens", "bytes"]
    table = Table(title, columns + (["fixed state"] if has_state else []))
    for layer in result.layers:
        own = layer.kv_source == layer.index
        positions = "—" if layer.state and not layer.elements_per_token else "nope" if layer.nope else "rope"
        row = [layer.index, layer.attention, "" if layer.window is None else _count(layer.window, raw), positions,
               "own" if own else f"reads layer {layer.kv_source}", _count(layer.cached_tokens, raw),
               _bytes(layer.bytes, raw)]
        table.add(*row, *([_state_cell(layer.state, raw)] if has_state else []))
    return table


def _state_cell(parts, raw: bool) -> str:
    """``conv_state 3×8192 bf16 48.0 KiB; recurrent_state 32×128×128 bf16 1.0 MiB``."""
    return "; ".join(f"{p.name} {'×'.join(map(str, p.shape))} {p.dtype} {_bytes(p.bytes, raw)}" for p in parts)
