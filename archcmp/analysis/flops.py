"""FLOPs of prefill, one decode step and training, summed over the layer plan.

A multiply-add is 2 FLOPs. Two parts are always kept apart:

* **linear**: every multiplication by a weight matrix a token goes through
  (attention projections, dense FFN, the ``experts_per_token`` routed experts
  it visits, shared experts, router, Gemma 3n's AltUp/LAuReL/per-layer
  projections, output head): 2 FLOPs per weight element per token;
* **attention**: the score (Q·Kᵀ) and value (weights·V) products,
  ``2 × heads × (qk_head_dim + v_head_dim)`` per query-key pair.

Element-wise work (norms, activations, softmax, RoPE, biases, residual adds)
is not counted, and neither are embedding lookups. Under the causal mask a
query at position i (1-based) sees i keys, ``min(i, window)`` in a sliding
layer and ``((i - 1) mod chunk) + 1`` in a chunked one; ``attention="full"``
counts every query against every key, as an unmasked kernel does.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass

from archcmp.analysis.params import (
    _block_extras,
    _model_extras,
    attention_matrices,
    count_params,
    distinct_blocks,
    mlp_params,
)
from archcmp.errors import ArchcmpError
from archcmp.plan import LayerPlan, expand
from archcmp.schema import ModelSpec

COMPONENTS = (
    "attention_projections",
    "attention_core",
    "dense_ffn",
    "routed_experts",
    "shared_experts",
    "router",
    "head",
    "other",
)
ATTENTION_MODES = ("causal", "full")
MLA_DECODE_FORMS = ("absorbed", "expanded")


@dataclass(frozen=True)
class FlopCount:
    """One workload's FLOPs by component; ``attention_core`` is the attention
    part, everything else the linear part."""

    components: dict[str, int]

    @property
    def attention(self) -> int:
        return self.components["attention_core"]

    @property
    def linear(self) -> int:
        return self.total - self.attention

    @property
    def total(self) -> int:
        return sum(self.components.values())

    def to_json(self, prefix: str) -> dict:
        return {
            f"{prefix}_flops": self.total,
            f"{prefix}_linear_flops": self.linear,
            f"{prefix}_attention_flops": self.attention,
            f"{prefix}_components": dict(self.components),
        }


@dataclass(frozen=True)
class Training:
    """Training on ``tokens`` tokens in sequences of ``context``: forward with
    the head on every position, backward twice the forward (Kaplan et al.,
    arXiv:2001.08361, §2.1), beside the 6·N·D rule of thumb."""

    tokens: int
    linear: int
    attention: int
    six_nd_flops: int  # N = active params, embeddings included
    six_nd_excl_embedding_flops: int  # N = active params without the input table(s)

    @property
    def flops(self) -> int:
        return self.linear + self.attention

    def to_json(self) -> dict:
        return {
            "train_tokens": self.tokens,
            "train_flops": self.flops,
            "train_linear_flops": self.linear,
            "train_attention_flops": self.attention,
            "train_6nd_flops": self.six_nd_flops,
            "train_6nd_excl_embedding_flops": self.six_nd_excl_embedding_flops,
        }


@dataclass(frozen=True)
class FlopsResult:
    model: str
    context: int
    attention: str  # "causal" | "full"
    mla_decode: str | None  # "absorbed" | "expanded" for MLA models
    prefill: FlopCount
    decode: FlopCount
    training: Training | None = None

    @property
    def prefill_flops_per_token(self) -> int:
        return round(self.prefill.total / self.context)

    def to_json(self) -> dict:
        data = {"model": self.model, "context": self.context, "attention": self.attention,
                "mla_decode": self.mla_decode}
        data |= self.prefill.to_json("prefill")
        data["prefill_flops_per_token"] = self.prefill_flops_per_token
        data |= self.decode.to_json("decode")
        if self.training:
            data |= self.training.to_json()
        return data


def count_flops(spec: ModelSpec, context: int, attention: str = "causal", train_tokens: int | None = None,
                mla_decode: str = "absorbed") -> FlopsResult:
    """Prefill of ``context`` tokens (head on the last position only, as a
    server does), one decode step after ``context`` cached tokens, and
    optionally training on ``train_tokens``."""
    _check_choice("--attention", attention, ATTENTION_MODES)
    _check_choice("--mla-decode", mla_decode, MLA_DECODE_FORMS)
    plan, mla = expand(spec), spec.attention.kind == "mla"
    prefill = forward_flops(spec, plan, context, attention, head_positions=1)
    decode = decode_flops(spec, plan, context, attention, mla_decode if mla else "expanded")
    training = None
    if train_tokens is not None:
        training = training_flops(spec, plan, context, attention, train_tokens)
    return FlopsResult(spec.id, context, attention, mla_decode if mla else None, prefill, decode, training)


def _check_choice(option: str, value: str, choices: tuple[str, ...]) -> None:
    if value not in choices:
        raise ArchcmpError(f"bad {option} {value!r}: expected {' or '.join(choices)}")


def forward_flops(spec: ModelSpec, plan: tuple[LayerPlan, ...], tokens: int, attention: str,
                  head_positions: int) -> FlopCount:
    """A forward pass over ``tokens`` positions from an empty cache, the
    output head applied to ``head_positions`` of them."""
    parts = _linear_per_token(spec, plan)
    for name in parts:
        parts[name] *= tokens
    parts["head"] = head_positions * head_flops(spec)
    pair = pair_flops(spec, "expanded")
    for layer in plan:
        keys = tokens * tokens if attention == "full" else keys_seen_total(layer.attention, layer.window, tokens)
        parts["attention_core"] += pair * keys
    return _ordered(parts)


def decode_flops(spec: ModelSpec, plan: tuple[LayerPlan, ...], cached: int, attention: str,
                 form: str) -> FlopCount:
    """One new token (position ``cached + 1``) against ``cached`` cached ones
    and itself. For MLA, ``form`` says how attention is computed; the linear
    part is the same in both forms (see :func:`pair_flops`)."""
    parts = _linear_per_token(spec, plan)
    parts["head"] = head_flops(spec)
    pair, position = pair_flops(spec, form), cached + 1
    for layer in plan:
        keys = position if attention == "full" else keys_seen(layer.attention, layer.window, position)
        parts["attention_core"] += pair * keys
    return _ordered(parts)


def training_flops(spec: ModelSpec, plan: tuple[LayerPlan, ...], context: int, attention: str,
                   tokens: int) -> Training:
    """``tokens / context`` sequences (a fraction rounds to the nearest FLOP),
    each a forward with the head on every position, times 3 for backward."""
    sequence = forward_flops(spec, plan, context, attention, head_positions=context)
    counts = count_params(spec)
    return Training(
        tokens=tokens,
        linear=3 * sequence.linear // context * tokens,  # a whole multiple of context: exact
        attention=(6 * sequence.attention * tokens + context) // (2 * context),  # rounded, in integers
        six_nd_flops=6 * counts.active_params * tokens,
        six_nd_excl_embedding_flops=6 * counts.active_params_excl_embedding * tokens,
    )


def _linear_per_token(spec: ModelSpec, plan: tuple[LayerPlan, ...]) -> Counter[str]:
    """Linear FLOPs of one token through every block, without the head."""
    parts: Counter[str] = Counter(dict.fromkeys(COMPONENTS, 0))
    for layer, repeats in distinct_blocks(plan):  # blocks alike in weights cost alike
        for name, flops in layer_linear_flops(spec, layer).items():
            parts[name] += repeats * flops
    parts["other"] += 2 * _model_extras(spec)["other"]
    return parts


def layer_linear_flops(spec: ModelSpec, layer: LayerPlan) -> Counter[str]:
    """One token through one block: 2 FLOPs per weight element it meets.
    Matrix sizes come from :mod:`archcmp.analysis.params`, biases left out."""
    h, gated, parts = spec.hidden_size, spec.ffn.gated, Counter()
    parts["attention_projections"] = 2 * attention_matrices(spec, layer)
    if layer.ffn == "dense":
        parts["dense_ffn"] = 2 * mlp_params(h, layer.intermediate_size, gated, bias=False)
    else:
        moe = spec.moe
        parts["routed_experts"] = 2 * moe.experts_per_token * mlp_params(h, moe.expert_intermediate_size, gated, False)
        parts["router"] = 2 * moe.num_experts * h
        if moe.num_shared_experts:
            gate = h if moe.shared_expert_gate else 0
            parts["shared_experts"] = 2 * (mlp_params(h, moe.shared_width, gated, False) + gate)
    parts["other"] = 2 * _block_other_macs(spec)
    return parts


def _block_other_macs(spec: ModelSpec) -> int:
    """Gemma 3n's per-block AltUp, LAuReL and per-layer-input multiplies
    (transformers ``Gemma3nTextDecoderLayer``). Each of those weights
    multiplies once per token, except that AltUp's ``correct_output_scale`` is
    an element-wise scale, its modality router runs twice (``predict`` and
    ``correct``), and ``predict`` mixes the n residual streams with per-token
    n×n coefficients: h·n² multiply-adds that are a matmul, though not by a
    weight, and are counted here as linear because they grow per token."""
    macs = _block_extras(spec)["other"]
    if spec.altup:
        h, n = spec.hidden_size, spec.altup.num_inputs
        macs += -h + h * n + h * n * n
    return macs


def head_flops(spec: ModelSpec) -> int:
    """The output head (tied or not) at one position."""
    return 2 * spec.vocab_size * spec.hidden_size


def pair_flops(spec: ModelSpec, form: str = "expanded") -> int:
    """Score and value products of one query against one key, all heads.

    MLA ``expanded`` (transformers, vLLM prefill) attends with per-head keys
    of ``qk_nope + qk_rope`` and values of ``v_head_dim``. ``absorbed``
    (DeepSeek-V2 arXiv:2405.04434 §2.1.3; DeepSeek-V3 ``inference/model.py``
    ``attn_impl="absorb"``; vLLM/SGLang decode over the latent cache) folds
    W_UK into the query and W_UV into the output, so scores run over
    ``kv_lora_rank + qk_rope`` and values over ``kv_lora_rank``. Those folded
    products cost H·kv_lora_rank·(qk_nope + v) per token, exactly kv_b_proj's
    size, so the linear part does not change."""
    att = spec.attention
    if att.kind != "mla":
        return 2 * att.num_heads * 2 * att.head_dim
    if form == "absorbed":
        return 2 * att.num_heads * (2 * att.kv_lora_rank + att.qk_rope_head_dim)
    return 2 * att.num_heads * (att.qk_nope_head_dim + att.qk_rope_head_dim + att.v_head_dim)


def keys_seen(attention: str, window: int | None, position: int) -> int:
    """Keys a query at 1-based ``position`` sees under the causal mask
    (transformers ``sliding_window_overlay``/``chunked_overlay``)."""
    if attention == "sliding":
        return min(position, window)
    if attention == "chunked":
        return (position - 1) % window + 1
    return position


def keys_seen_total(attention: str, window: int | None, tokens: int) -> int:
    """Sum of :func:`keys_seen` over positions 1..tokens, in closed form."""
    if attention == "sliding":
        ramp = min(window, tokens)  # positions that still see all earlier keys
        return ramp * (ramp + 1) // 2 + (tokens - ramp) * window
    if attention == "chunked":
        chunks, rest = divmod(tokens, window)
        return chunks * window * (window + 1) // 2 + rest * (rest + 1) // 2
    return tokens * (tokens + 1) // 2


def _ordered(parts: Counter[str]) -> FlopCount:
    return FlopCount({name: parts[name] for name in COMPONENTS})
