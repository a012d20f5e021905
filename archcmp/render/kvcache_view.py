"""Lay out KV-cache results: one row per model and context, and what each
kind of layer holds in a table of its own (a cell of several kinds does not
read at 80 columns)."""

from __future__ import annotations

from archcmp.analysis.kvcache import KindTotal, KVCacheResult
from archcmp.render.facts_text import KVCACHE_COLUMNS
from archcmp.render.tabular import Table
from archcmp.units import MAX_CONTEXT, format_bytes, format_context

CAPTION = (
    "bytes in binary units (1 KiB = 1024 B). per token: bytes one more token adds once every window is "
    "full (full-context layers). MHA equiv.: every layer caching full multi-head K and V for the whole "
    "context; saving = MHA equiv. / KV cache."
)
BY_KIND_CAPTION = ("tokens held: by each layer of the kind; a sliding layer holds min(context, window), "
                   "a chunked layer min(context, chunk), a KV-shared layer nothing.")
COMPRESSED_NOTE = ("window + n: a compressed layer (DeepSeek-V4's csa, hca) holds its window and n compressed "
                   "entries, one per compress-ratio tokens (csa 4, hca 128 in the published configs).")
MLA_NOTE = ("MLA naive: decompressed per-head K and V cached instead of the latent "
            "(DeepSeek's attn_impl='naive').")
STATE_NOTE = ("fixed state: what a layer keeps whatever the context; KV cache includes it.")
# What each fixed state part is, by the part names the kinds give them (archcmp.kinds.state, .compressed)
STATE_PART_NOTES = {
    "recurrent_state": ("linear-attention and Mamba layers: a conv state and a recurrent state (vllm: K-1 conv "
                        "columns in the cache dtype, the recurrent state in the model's state dtype; transformers: "
                        "K conv columns, the recurrent state in fp32)."),
    "compressor_state": ("compressed layers (vllm): each compressor's fp32 pooling state of its last ratio "
                         "tokens (and the indexer's, on csa layers)."),
}
BUDGET_NOTE = ("max context: the largest that fits at batch {batch}; "
               "max batch: the largest that fits at the row's context.")


def _table(title: str, keys: list[str]) -> Table:
    """Headers in words, CSV headers the JSON keys; column 0 holds ids."""
    table = Table(title, [KVCACHE_COLUMNS[k] for k in keys], id_column=0)
    table.column_keys = keys
    return table


def kvcache_table(results: list[KVCacheResult], raw: bool = False) -> Table:
    """One row per model and context. CSV (``raw``) keeps the layer kinds in
    a ``by_kind`` column, so that it stays one table; the other formats show
    them in :func:`by_kind_table`."""
    first = results[0]
    has_state = any(r.state_bytes for r in results)
    keys = ["model", "context", "kv_bytes_per_token_full_layers", *(["state_bytes"] if has_state else []),
            "kv_bytes", *(["by_kind"] if raw else []), "mha_equivalent_bytes", "mha_equivalent_ratio"]
    has_mla = any(r.mla_naive_kv_bytes is not None for r in results)
    has_budget = first.budget is not None
    if has_mla:
        keys.append("mla_naive_kv_bytes")
    if has_budget:
        keys += ["budget_max_context", "budget_max_batch"]
    table = _table(f"KV cache ({first.dtype}, batch {first.batch})", keys)
    table.split, table.lead = True, 2  # too many columns for the width: the rest below, model and context repeated
    if has_budget:
        table.columns[keys.index("budget_max_context")] = f"max context in {_bytes(first.budget.budget_bytes, raw)}"
    for result in results:
        table.add(*_row(result, raw, has_mla, has_budget, has_state))
    table.caption = "\n".join(filter(None, [
        CAPTION,
        _state_note(results) if has_state else "",
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
        *(["; ".join(_kind_cell(kind) for kind in result.by_kind)] if raw else []),
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


def _kind_cell(kind: KindTotal) -> str:
    """CSV's ``by_kind`` cell: ``61 full × 131072: 9210691584`` (a
    compressed layer ``× 128 + 32768``)."""
    if kind.cached_tokens == 0:
        return f"{kind.num_layers} {kind.kind}: {kind.bytes}"  # a fixed state, or nothing (KV-shared)
    held = f"{kind.cached_tokens}" + (f" + {kind.compressed_entries}" if kind.compressed_entries else "")
    return f"{kind.num_layers} {kind.kind} × {held}: {kind.bytes}"


def _held(tokens: int, compressed: int, text) -> str:
    """Tokens a layer holds, and a compressed layer's entries beside them."""
    return text(tokens) + (f" + {text(compressed)}" if compressed else "")


def _state_note(results: list[KVCacheResult]) -> str:
    names = {part.name for r in results for layer in r.layers for part in layer.state}
    return " ".join([STATE_NOTE, *(note for name, note in STATE_PART_NOTES.items() if name in names)])


def by_kind_table(results: list[KVCacheResult]) -> Table:
    """What each kind of layer holds, a row per model, context and kind."""
    first = results[0]
    table = _table(f"KV cache by layer kind ({first.dtype}, batch {first.batch})",
                   ["model", "context", "kind", "num_layers", "cached_tokens", "bytes"])
    table.align = ["left", "right", "left", "right", "right", "right"]
    for result in results:
        for kind in result.by_kind:
            table.add(result.model, format_context(result.context), kind.kind, kind.num_layers,
                      _held(kind.cached_tokens, kind.compressed_entries, lambda n: format_context(n) if n else "0"),
                      format_bytes(kind.bytes))
    compressed = any(kind.compressed_entries for r in results for kind in r.by_kind)
    table.caption = BY_KIND_CAPTION + (" " + COMPRESSED_NOTE if compressed else "")
    return table


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
    table = _table(title, ["index", "attention", "window", "positions", "kv_source", "cached_tokens", "bytes"])
    table.id_column = None  # column 0 holds layer numbers here
    for layer in result.layers:
        own = layer.kv_source == layer.index
        source = str(layer.kv_source) if raw else "own" if own else f"reads layer {layer.kv_source}"
        table.add(layer.index, layer.attention, "" if layer.window is None else _count(layer.window, raw),
                  "—" if layer.state and not layer.elements_per_token else "nope" if layer.nope else "rope", source,
                  _count(layer.cached_tokens, raw) if raw else _held(layer.cached_tokens, layer.compressed_entries,
                                                                     lambda n: _count(n, raw)),
                  _bytes(layer.bytes, raw))
    if not raw and any(layer.compressed_entries for layer in result.layers):
        table.caption = COMPRESSED_NOTE
    return table


def state_table(result: KVCacheResult, raw: bool = False) -> Table | None:
    """Every fixed state tensor of one model (linear-attention and Mamba
    layers): shape for one sequence, dtype and bytes; None without any."""
    layers = [layer for layer in result.layers if layer.state]
    if not layers:
        return None
    title = f"{result.model}: fixed state by layer ({result.convention}, batch {result.batch})"
    table = _table(title, ["index", "attention", "state_name", "state_shape", "state_dtype", "bytes"])
    table.id_column = None  # column 0 holds layer numbers here
    for layer in layers:
        for part in layer.state:
            table.add(layer.index, layer.attention, part.name, " × ".join(map(str, part.shape)), part.dtype,
                      _bytes(part.bytes, raw))
    table.caption = _state_note([result])
    return table
