"""FLOPs of prefill, one decode step and training, summed over the plan.

A multiply-add is 2 FLOPs. Two parts are always kept apart:

* **linear**: every multiplication by a weight matrix a token goes through
  (attention projections, dense MLP, the ``experts_per_token`` routed
  experts it visits, shared experts, router, Gemma 3n's AltUp/LAuReL/
  per-layer projections, output head): each kind's multiply-adds per token;
* **attention_core**: the token mixing that multiplies no weight — for
  softmax attention the score (Q·Kᵀ) and value (weights·V) products.

Element-wise work (norms, activations, softmax, RoPE, biases, residual adds)
is not counted, and neither are embedding lookups. Under the causal mask a
query at position i (1-based) sees i keys, ``min(i, window)`` in a sliding
layer and ``((i - 1) mod chunk) + 1`` in a chunked one; ``attention="full"``
counts every query against every key, as an unmasked kernel does.

Components share the parameter count's names (:mod:`archcmp.kinds.base`).
"""

from __future__ import annotations

from archcmp.analysis.flopresult import FlopCount, FlopsResult, TrainingFlops
from archcmp.analysis.params import count_params
from archcmp.errors import ArchcmpError
from archcmp.kinds.base import (
    ATTENTION_MODES,
    FLOP_COMPONENTS,
    MLA_DECODE_FORMS,
    OPTIONAL_FLOP_COMPONENTS,
    FlopOptions,
    matrix_macs,
    with_optional,
)
from archcmp.plan import Plan, expand
from archcmp.schema import ModelSpec

COMPONENTS = FLOP_COMPONENTS


def count_flops(spec: ModelSpec, context: int, attention: str = "causal", train_tokens: int | None = None,
                mla_decode: str = "absorbed", plan: Plan | None = None) -> FlopsResult:
    """Prefill of ``context`` tokens (head on the last position only, as a
    server does), one decode step after ``context`` cached tokens, and
    optionally training on ``train_tokens``."""
    _check_choice("attention", attention, ATTENTION_MODES)
    _check_choice("mla_decode", mla_decode, MLA_DECODE_FORMS)
    plan, options = plan or expand(spec), FlopOptions(attention, mla_decode)
    forms = any(block.mixer.decode_forms for block in plan.mixer_blocks())
    prefill = forward_flops(plan, context, options, head_positions=1)
    decode = decode_flops(plan, context, options)
    training = None
    if train_tokens is not None:
        training = training_flops(spec, plan, context, options, train_tokens)
    return FlopsResult(spec.id, context, attention, mla_decode if forms else None, prefill, decode, training)


def _check_choice(what: str, value: str, choices: tuple[str, ...]) -> None:
    if value not in choices:
        raise ArchcmpError(f"bad {what} {value!r}: expected {' or '.join(choices)}")


def forward_flops(plan: Plan, tokens: int, options: FlopOptions, head_positions: int) -> FlopCount:
    """A forward pass over ``tokens`` positions from an empty cache, the
    output head applied to ``head_positions`` of them."""
    parts = {name: flops * tokens for name, flops in linear_per_token(plan).items()}
    parts["lm_head"] = head_positions * head_flops(plan)
    # scores and values (a sparse layer's indexer scoring apart), or a linear layer's conv and recurrence
    for block in plan.mixer_blocks():
        _add_to(parts, block.mixer.prefill_core_parts(tokens, options))
    return _ordered(parts)


def decode_flops(plan: Plan, cached: int, options: FlopOptions) -> FlopCount:
    """One new token (position ``cached + 1``) against ``cached`` cached ones
    and itself; ``options.mla_decode`` says how latent attention runs it."""
    parts = linear_per_token(plan)
    parts["lm_head"] = head_flops(plan)
    for block in plan.mixer_blocks():
        _add_to(parts, block.mixer.decode_core_parts(cached + 1, options))
    return _ordered(parts)


def _add_to(parts: dict[str, int], more: dict[str, int]) -> None:
    for name, flops in more.items():
        parts[name] = parts.get(name, 0) + flops


def training_flops(spec: ModelSpec, plan: Plan, context: int, options: FlopOptions, tokens: int) -> TrainingFlops:
    """``tokens / context`` sequences (a fraction rounds to the nearest FLOP),
    each a forward with the head on every position, times 3 for backward."""
    sequence = forward_flops(plan, context, options, head_positions=context)
    counts = count_params(spec, plan)
    return TrainingFlops(
        tokens=tokens,
        linear=3 * sequence.linear // context * tokens,  # a whole multiple of context: exact
        attention=(6 * sequence.attention * tokens + context) // (2 * context),  # rounded, in integers
        linear_mixer=(6 * sequence.linear_mixing * tokens + context) // (2 * context),
        indexer=(6 * sequence.indexer * tokens + context) // (2 * context),
        six_nd_flops=6 * counts.active_params * tokens,
        six_nd_excl_embedding_flops=6 * counts.active_params_excl_embedding * tokens,
    )


def linear_per_token(plan: Plan) -> dict[str, int]:
    """Linear FLOPs of one token through every block and the model-level
    extras, without the head: 2 per multiply-add."""
    parts = dict.fromkeys(COMPONENTS, 0)
    for block, repeats in plan.distinct_blocks():  # blocks alike in weights cost alike
        for name, macs in block.macs().items():
            parts[name] = parts.get(name, 0) + 2 * repeats * macs
    parts["other"] += 2 * sum(t.elements for t in plan.model_tensors if t.component == "other")
    # DeepSeek-V4's hc_head: its fn collapses the residual streams at every position
    hyper = [t for t in plan.model_tensors if t.component == "hyper_connections"]
    _add_to(parts, {name: 2 * macs for name, macs in matrix_macs(tuple(hyper)).items()})
    return parts


def head_flops(plan: Plan) -> int:
    """The output head (tied or not) at one position."""
    return 2 * plan.vocab_size * plan.hidden_size


def _ordered(parts: dict[str, int]) -> FlopCount:
    return FlopCount(with_optional(parts, COMPONENTS, OPTIONAL_FLOP_COMPONENTS))
