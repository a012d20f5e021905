"""Several architectures side by side (``compare``) and two in words (``diff``).

Rows are the facts of each model's card (:mod:`archcmp.analysis.facts`) plus
cost rows at one context: KV-cache bytes (:mod:`archcmp.analysis.kvcache`)
and FLOPs per token (:mod:`archcmp.analysis.flops`). A row knows whether its
values differ; a cell knows whether it differs from the first model's.
"""

from __future__ import annotations

from archcmp.analysis.facts import Fact, card
from archcmp.analysis.factvalues import jsonable
from archcmp.analysis.flopresult import FlopsResult
from archcmp.analysis.flops import count_flops
from archcmp.analysis.kvcache import KVCacheResult, UnansweredCache, kv_cache
from archcmp.analysis.params import count_params
from archcmp.plan import Plan, expand
from archcmp.record import record
from archcmp.schema import ModelSpec

Value = object  # a fact value: a number, a word, a structured value or None


@record
class Row:
    group: str
    name: str
    values: tuple[Value, ...]
    unit: str = ""

    @property
    def same(self) -> bool:
        return len(set(self.values)) == 1

    def differs_from_first(self, column: int) -> bool:
        return column > 0 and self.values[column] != self.values[0]


@record
class Comparison:
    models: tuple[str, ...]
    options: Options
    rows: tuple[Row, ...]

    @property
    def context(self) -> int:
        return self.options.context

    @property
    def dtype(self) -> str:
        return self.options.dtype

    def to_json(self) -> dict:
        chosen = {"context": self.context, "dtype": self.dtype, "attention": self.options.attention,
                  "active_excl_embedding": self.options.active_excl_embedding,
                  "convention": self.options.convention, "state_dtype": self.options.state_dtype}
        return {
            model: dict(chosen)
            | {row.name: jsonable(row.values[i]) for row in self.rows}
            for i, model in enumerate(self.models)
        }


@record
class Options:
    """Conventions users disagree about, chosen per comparison."""

    context: int = 32768
    dtype: str = "bf16"
    attention: str = "causal"  # or "full": every query against every key
    active_excl_embedding: bool = False
    convention: str = "vllm"  # cache convention (kinds.base.CONVENTIONS)
    state_dtype: str | None = None  # overrides linear layers' recurrent-state dtype


def _model_cache(spec: ModelSpec, options: Options, plan) -> tuple[KVCacheResult | None, KVCacheResult]:
    """The cache at the context for one sequence, as kvcache counts it, or
    None where vLLM has no such layout (DeepSeek-V4 but in fp8): no figure,
    not a guess; and the cache whose fixed state the hybrid rows show (the
    engine's one layout there: the state parts are fp32 whatever was asked)."""
    ask = {"batch": 1, "dtype": options.dtype, "convention": options.convention, "plan": plan,
           "state_dtype": options.state_dtype}
    try:
        kv = kv_cache(spec, options.context, strict=True, **ask)
    except UnansweredCache:
        return None, kv_cache(spec, options.context, **ask)
    return kv, kv


def cost_facts(kv: KVCacheResult | None, flops: FlopsResult) -> list[Fact]:
    """KV cache and FLOPs at the context, as the kvcache and flops commands
    count them (MLA decode absorbed)."""
    g = "Cost"
    return [
        Fact(g, "kv_bytes_per_token_all_layers", kv and kv.kv_bytes_per_token_all_layers, "bytes"),
        Fact(g, "kv_bytes_per_token_full_layers", kv and kv.kv_bytes_per_token_full_layers, "bytes"),
        Fact(g, "kv_bytes", kv and kv.kv_bytes, "bytes"),
        Fact(g, "prefill_flops_per_token", flops.prefill_flops_per_token, "flops"),
        Fact(g, "decode_flops_per_token", flops.decode.total, "flops"),
    ]


def mixing_facts(state: KVCacheResult, flops: FlopsResult) -> list[Fact]:
    """Rows a comparison with a hybrid adds for every model: the fixed state
    apart from the growing cache, and prefill token mixing split into softmax
    attention (quadratic in context) and linear mixers (linear in it)."""
    prefill, g = flops.prefill, "Cost"
    return [
        Fact(g, "kv_state_bytes", state.state_bytes, "bytes"),
        Fact(g, "prefill_attention_flops_per_token", round(prefill.attention / flops.context), "flops"),
        Fact(g, "prefill_linear_mixer_flops_per_token", round(prefill.linear_mixing / flops.context), "flops"),
    ]


def has_linear_layers(plan: Plan) -> bool:
    return any(block.mixer.span is None for block in plan.mixer_blocks())


def model_facts(spec: ModelSpec, options: Options, plan: Plan, mixing: bool = False) -> list[Fact]:
    """Every row of one model; ``plan``, expanded once, serves every count."""
    facts = card(spec, count_params(spec, plan), options.active_excl_embedding, plan)
    about = next(i for i, f in enumerate(facts) if f.group == "About")
    kv, state = _model_cache(spec, options, plan)
    flops = count_flops(spec, options.context, options.attention, plan=plan)
    cost = cost_facts(kv, flops) + (mixing_facts(state, flops) if mixing else [])
    return facts[:about] + cost + facts[about:]


def compare(specs: list[ModelSpec], context: int = 32768, dtype: str = "bf16", attention: str = "causal",
            active_excl_embedding: bool = False, convention: str = "vllm",
            state_dtype: str | None = None) -> Comparison:
    options = Options(context, dtype, attention, active_excl_embedding, convention, state_dtype)
    plans = [expand(spec) for spec in specs]
    mixing = any(has_linear_layers(plan) for plan in plans)  # then every model gets the rows, to compare
    per_model = [model_facts(spec, options, plan, mixing) for spec, plan in zip(specs, plans)]
    by_name = [{f.name: f for f in facts} for facts in per_model]
    # The union of every model's rows: groups in card order, rows in the
    # order they first appear (an MLA model has rows a GQA model lacks).
    groups: dict[str, dict[str, Fact]] = {}
    for facts in per_model:
        for fact in facts:
            groups.setdefault(fact.group, {}).setdefault(fact.name, fact)
    rows = tuple(
        Row(first.group, name, tuple(_value(m.get(name)) for m in by_name), first.unit)
        for group in groups.values()
        for name, first in group.items()
    )
    return Comparison(tuple(s.id for s in specs), options, rows)


def _value(fact: Fact | None) -> Value:
    return None if fact is None else fact.value


@record
class Change:
    name: str
    before: Value
    after: Value
    unit: str
    group: str

    @property
    def relative(self) -> float | None:
        """after / before - 1 for numbers, None otherwise."""
        before, after = self.before, self.after
        if not all(isinstance(v, int | float) and not isinstance(v, bool) for v in (before, after)):
            return None
        return after / before - 1 if before else None  # type: ignore[operator]  # numbers, checked above

    def to_json(self) -> dict:
        return {"what": self.name, "from": jsonable(self.before), "to": jsonable(self.after),
                "relative": self.relative}


@record
class Diff:
    """``architecture``: what was built differently; ``consequences``: the
    resulting parameters, KV cache and FLOPs (always listed, changed or not);
    ``training``: release and training facts."""

    before: str
    after: str
    options: Options
    architecture: tuple[Change, ...]
    consequences: tuple[Change, ...]
    training: tuple[Change, ...]

    def to_json(self) -> dict:
        return {"from": self.before, "to": self.after,
                **{part: [c.to_json() for c in getattr(self, part)]
                   for part in ("architecture", "consequences", "training")}}


# Rows that restate other rows or are bookkeeping: left out of `diff`.
RESTATED = {"name", "family", "sources", "active_share", "embedding_share", "moe_layers"}
CONSEQUENCES = ("total_params", "active_params", "active_params_excl_embedding",
                "kv_bytes_per_token_all_layers", "kv_bytes_per_token_full_layers", "kv_bytes", "prefill_flops_per_token", "decode_flops_per_token",
                "kv_state_bytes", "prefill_attention_flops_per_token", "prefill_linear_mixer_flops_per_token")


def diff(comparison: Comparison) -> Diff:
    """What differs between the two models of ``comparison``, in its terms."""
    if len(comparison.models) != 2:
        raise ValueError("diff compares exactly two models")
    parts: dict[str, list[Change]] = {"architecture": [], "consequences": [], "training": []}
    for row in comparison.rows:
        change = Change(row.name, row.values[0], row.values[1], row.unit, row.group)
        if row.name in CONSEQUENCES:
            parts["consequences"].append(change)
        elif not row.same and row.name not in RESTATED:
            parts["training" if row.group == "About" else "architecture"].append(change)
    return Diff(comparison.models[0], comparison.models[1], comparison.options,
                *(tuple(parts[p]) for p in ("architecture", "consequences", "training")))
