"""Lay out FLOP results: one column per model, one group per workload."""

from __future__ import annotations

from archcmp.analysis.flops import COMPONENTS, FlopCount, FlopsResult
from archcmp.kinds.base import OPTIONAL_FLOP_COMPONENTS, with_optional
from archcmp.render.cells import value_text
from archcmp.render.facts_text import fact_words, flop_component_words
from archcmp.render.tabular import Table
from archcmp.units import format_context, format_params

CAPTION = (
    "a multiply-add is 2 FLOPs; linear = every multiplication by a weight matrix (routed experts: only the "
    "experts_per_token a token visits); attention = Q·Kᵀ and weights·V. Not counted: norms, activations, "
    "softmax, RoPE, biases, embedding lookups. Training: backward = 2 × forward, head on every position; "
    "6·N·D with N = active params (incl. / excl. input embedding tables)."
)
MIXING_NOTE = (
    " linear_mixer_core: linear-attention and Mamba layers' short conv and their chunked (prefill) or "
    "recurrent (decode) state products, linear in context; attention grows quadratically in the softmax layers only."
)


def flops_cell(n: int, raw: bool) -> str:
    """``1.3 PFLOP``, ``3.8e24 FLOP``; exact integers for CSV."""
    return value_text(n, "flops", raw)


def flops_table(results: list[FlopsResult], raw: bool = False) -> Table:
    """Rows in words, keyed (CSV) by the JSON names (``prefill_flops``,
    ``train_6nd_ratio``) and ``prefill.<component>`` for the components."""
    first = results[0]
    title = f"FLOPs at context {format_context(first.context)}, {first.attention} attention"
    mixing = any(r.prefill.linear_mixing for r in results)
    table = Table(title, ["", *(r.model for r in results)], caption=CAPTION + (MIXING_NOTE if mixing else ""),
                  model_columns=True, split=True)
    cell = lambda n: flops_cell(n, raw)
    _workload(table, f"prefill of {format_context(first.context)} tokens (head on the last one)",
              "prefill", [r.prefill for r in results], cell)
    _add(table, "prefill_flops_per_token", [cell(r.prefill_flops_per_token) for r in results])
    _workload(table, f"decode: one token after {format_context(first.context)} cached", "decode",
              [r.decode for r in results], cell)
    if any(r.mla_decode for r in results):
        _add(table, "mla_decode", [r.mla_decode or "-" for r in results])
    if first.training:
        _training(table, results, cell, raw)
    _components(table, "prefill", [r.prefill for r in results], cell)
    _components(table, "decode", [r.decode for r in results], cell)
    return table


def _add(table: Table, key: str, cells: list[str], words: str | None = None) -> None:
    table.add(words or fact_words(key), *cells, key=key)


def _workload(table: Table, group: str, prefix: str, counts: list[FlopCount], cell) -> None:
    table.groups[len(table.rows)] = group
    _add(table, f"{prefix}_flops", [cell(c.total) for c in counts])
    _add(table, f"{prefix}_linear_flops", [cell(c.linear) for c in counts])
    _add(table, f"{prefix}_attention_flops", [cell(c.attention) for c in counts])
    if any(c.linear_mixing for c in counts):  # hybrids: the linear layers' token mixing, apart
        _add(table, f"{prefix}_linear_mixer_core_flops", [cell(c.linear_mixing) for c in counts])
    if any(c.indexer for c in counts):  # DSA / CSA: the lightning indexers' key scoring, apart
        _add(table, f"{prefix}_indexer_core_flops", [cell(c.indexer) for c in counts])


def _training(table: Table, results: list[FlopsResult], cell, raw: bool) -> None:
    runs = [r.training for r in results]
    tokens = format_params(runs[0].tokens)
    table.groups[len(table.rows)] = f"training on {tokens} tokens, sequences of {format_context(results[0].context)}"
    _add(table, "train_flops", [cell(t.flops) for t in runs])
    _add(table, "train_linear_flops", [cell(t.linear) for t in runs])
    _add(table, "train_attention_flops", [cell(t.attention) for t in runs])
    if any(t.linear_mixer for t in runs):
        _add(table, "train_linear_mixer_core_flops", [cell(t.linear_mixer) for t in runs])
    if any(t.indexer for t in runs):
        _add(table, "train_indexer_core_flops", [cell(t.indexer) for t in runs])
    _add(table, "train_6nd_flops", [cell(t.six_nd_flops) for t in runs])
    _add(table, "train_6nd_ratio", [_ratio(t.ratio_to_6nd, raw) for t in runs])
    _add(table, "train_6nd_excl_embedding_flops", [cell(t.six_nd_excl_embedding_flops) for t in runs])
    _add(table, "train_6nd_excl_embedding_ratio", [_ratio(t.ratio_to_6nd_excl_embedding, raw) for t in runs])


def _ratio(ratio: float, raw: bool) -> str:
    return f"{ratio:.6f}" if raw else f"{ratio:.3f}"


def _components(table: Table, workload: str, counts: list[FlopCount], cell) -> None:
    """Rows keyed ``prefill.lm_head`` and so on, unambiguous in CSV too."""
    table.groups[len(table.rows)] = f"{workload} by component"
    present = {name: 1 for c in counts for name, n in c.components.items() if n}
    for name in with_optional(present, COMPONENTS, OPTIONAL_FLOP_COMPONENTS):
        _add(table, f"{workload}.{name}", [cell(c.components.get(name, 0)) for c in counts],
             flop_component_words(name))
