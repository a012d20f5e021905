"""Parameter counts, exactly as Hugging Face transformers instantiates them.

Every weight, bias and norm weight is counted; a tied output head is counted
once (in ``embedding``); buffers (rotary tables, DeepSeek's router
correction bias) are not parameters. Active parameters count the routed
experts as ``experts_per_token`` of ``num_experts`` and everything else in
full (DeepSeek-V3 technical report, arXiv:2412.19437, §1: 37B of 671B).

Component names are those of ``shared/reference/expected_params.json``.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field

from archcmp.plan import LayerPlan, expand
from archcmp.schema import ModelSpec

COMPONENTS = (
    "embedding",
    "attention",
    "dense_mlp",
    "routed_experts",
    "shared_experts",
    "router",
    "norms",
    "lm_head",
    "other",
)


@dataclass(frozen=True)
class ParamsResult:
    model: str
    total_params: int
    active_params: int
    active_params_excl_embedding: int
    components: dict[str, int]
    active_components: dict[str, int]
    optional_modules: dict[str, int] = field(default_factory=dict)

    def to_json(self) -> dict:
        return {
            "model": self.model,
            "total_params": self.total_params,
            "active_params": self.active_params,
            "active_params_excl_embedding": self.active_params_excl_embedding,
            "components": dict(self.components),
            "active_components": dict(self.active_components),
            "optional_modules": dict(self.optional_modules),
        }


def count_params(spec: ModelSpec) -> ParamsResult:
    total: Counter[str] = Counter(dict.fromkeys(COMPONENTS, 0))
    active: Counter[str] = Counter(dict.fromkeys(COMPONENTS, 0))
    for part in (_embedding_and_head(spec), _model_extras(spec)):
        total.update(part)
        active.update(part)
    for layer, repeats in distinct_blocks(expand(spec)):
        total.update(_times(layer_params(spec, layer), repeats))
        active.update(_times(layer_params(spec, layer, active_only=True), repeats))
    total_sum, active_sum = sum(total.values()), sum(active.values())
    return ParamsResult(
        model=spec.id,
        total_params=total_sum,
        active_params=active_sum,
        active_params_excl_embedding=active_sum - total["embedding"],
        components=dict(total),
        active_components=dict(active),
        optional_modules=_optional_modules(spec),
    )


def distinct_blocks(plan: tuple[LayerPlan, ...]) -> list[tuple[LayerPlan, int]]:
    """One representative of each kind of block, with how many there are.
    Blocks that differ only in attention span or positions have the same
    weights; counting each kind once keeps ``validate`` of 1,000 specs fast."""
    kinds: dict[tuple, list] = {}
    for layer in plan:
        key = (layer.owns_kv, layer.ffn, layer.intermediate_size)
        kinds.setdefault(key, [layer, 0])[1] += 1
    return [(layer, n) for layer, n in kinds.values()]


def _times(parts: Counter[str], n: int) -> Counter[str]:
    return Counter({name: value * n for name, value in parts.items()})


def layer_params(spec: ModelSpec, layer: LayerPlan, active_only: bool = False) -> Counter[str]:
    """Parameters of one transformer block, by component."""
    parts: Counter[str] = Counter()
    parts["attention"] = attention_params(spec, layer)
    parts["norms"] = _block_norms(spec)
    if layer.ffn == "dense":
        parts["dense_mlp"] = mlp_params(spec.hidden_size, layer.intermediate_size, spec.ffn.gated, spec.ffn.bias)
    else:
        parts.update(_moe_params(spec, active_only))
    parts.update(_block_extras(spec))
    return parts


def attention_matrices(spec: ModelSpec, layer: LayerPlan) -> int:
    """Weight-matrix elements of one block's attention projections (q, k, v,
    o or MLA's low-rank ones): no biases, norms or sinks. Shared with the
    FLOP count, where each element is one multiply-add per token."""
    att, h = spec.attention, spec.hidden_size
    if att.kind == "mla":
        return _mla_matrices(spec)
    q_width, kv_width = att.num_heads * att.head_dim, att.num_kv_heads * att.head_dim
    # KV-shared layers build no k/v projections
    return 2 * h * q_width + (2 * h * kv_width if layer.owns_kv else 0)


def attention_params(spec: ModelSpec, layer: LayerPlan) -> int:
    att = spec.attention
    if att.kind == "mla":
        return _mla_params(spec)
    h, q_width = spec.hidden_size, att.num_heads * att.head_dim
    kv_width = att.num_kv_heads * att.head_dim
    owns_kv = layer.owns_kv
    weights = attention_matrices(spec, layer)
    biases = (q_width + (2 * kv_width if owns_kv else 0)) if att.qkv_bias else 0
    biases += h if att.out_bias else 0
    qk_norm = {
        "per_head": att.head_dim * (2 if owns_kv else 1),
        "full": q_width + (kv_width if owns_kv else 0),
    }.get(att.qk_norm, 0)
    sinks = att.num_heads if att.sinks else 0
    return weights + biases + qk_norm + sinks


def _mla_matrices(spec: ModelSpec) -> int:
    """Multi-head latent attention (DeepSeek-V2, arXiv:2405.04434, §2.1;
    transformers ``DeepseekV3Attention``): q_a/q_b (or one q_proj without
    ``q_lora_rank``), kv_a_proj_with_mqa, kv_b_proj and o_proj."""
    att, h = spec.attention, spec.hidden_size
    qk_head = att.qk_nope_head_dim + att.qk_rope_head_dim
    r = att.q_lora_rank
    q = h * r + r * att.num_heads * qk_head if r else h * att.num_heads * qk_head
    kv = h * (att.kv_lora_rank + att.qk_rope_head_dim)
    kv += att.kv_lora_rank * att.num_heads * (att.qk_nope_head_dim + att.v_head_dim)
    return q + kv + att.num_heads * att.v_head_dim * h


def _mla_params(spec: ModelSpec) -> int:
    """MLA projections plus an RMSNorm on each latent and optional biases."""
    att = spec.attention
    latents = (att.q_lora_rank or 0) + att.kv_lora_rank
    biases = (latents + att.qk_rope_head_dim) if att.qkv_bias else 0
    biases += spec.hidden_size if att.out_bias else 0
    return _mla_matrices(spec) + latents + biases


def mlp_params(hidden: int, inner: int, gated: bool, bias: bool) -> int:
    """Gated (SwiGLU/GeGLU: gate, up, down) or plain (up, down) MLP."""
    matrices = 3 if gated else 2
    biases = ((2 if gated else 1) * inner + hidden) if bias else 0
    return matrices * hidden * inner + biases


def _moe_params(spec: ModelSpec, active_only: bool) -> Counter[str]:
    moe, h = spec.moe, spec.hidden_size
    expert = mlp_params(h, moe.expert_intermediate_size, spec.ffn.gated, moe.expert_bias)
    experts = moe.experts_per_token if active_only else moe.num_experts
    parts: Counter[str] = Counter()
    parts["routed_experts"] = experts * expert
    parts["router"] = moe.num_experts * h + (moe.num_experts if moe.router_bias else 0)
    if moe.num_shared_experts:
        parts["shared_experts"] = mlp_params(h, moe.shared_width, spec.ffn.gated, spec.ffn.bias)
        parts["shared_experts"] += h if moe.shared_expert_gate else 0
    return parts


def norm_params(spec: ModelSpec, width: int) -> int:
    return width * (2 if spec.norm.kind == "layernorm" and spec.norm.bias else 1)


def _block_norms(spec: ModelSpec) -> int:
    per_block = 4 if spec.norm.placement == "sandwich" else 2
    return per_block * norm_params(spec, spec.hidden_size)


def _block_extras(spec: ModelSpec) -> Counter[str]:
    """Gemma 3n's per-block AltUp, LAuReL and per-layer-input modules
    (transformers ``Gemma3nTextDecoderLayer``)."""
    h, parts = spec.hidden_size, Counter()
    if spec.altup:
        n = spec.altup.num_inputs
        # correct_output_scale, correction_coefs, prediction_coefs, modality_router
        parts["other"] += h + n * n + n * n * n + h * n
        parts["norms"] += norm_params(spec, h)  # router_norm
    if spec.laurel:
        parts["other"] += 2 * h * spec.laurel.rank
        parts["norms"] += norm_params(spec, h)  # post_laurel_norm
    if spec.embeddings.per_layer:
        parts["other"] += 2 * h * spec.embeddings.per_layer.width  # input gate, projection
        parts["norms"] += norm_params(spec, h)  # post_per_layer_input_norm
    return parts


def _embedding_and_head(spec: ModelSpec) -> Counter[str]:
    h, emb = spec.hidden_size, spec.embeddings
    parts: Counter[str] = Counter()
    parts["embedding"] = spec.vocab_size * h + (emb.learned_positions or 0) * h
    if emb.per_layer:
        parts["embedding"] += emb.per_layer.vocab_size * spec.num_layers * emb.per_layer.width
    parts["lm_head"] = 0 if emb.tied_output else spec.vocab_size * h
    parts["norms"] = norm_params(spec, h) if spec.norm.final else 0
    return parts


def _model_extras(spec: ModelSpec) -> Counter[str]:
    """Model-level Gemma 3n modules: the per-layer model projection and its
    norm, and AltUp's (n - 1) projections and unembedding projections."""
    h, parts = spec.hidden_size, Counter()
    if spec.embeddings.per_layer:
        width = spec.embeddings.per_layer.width
        parts["other"] += h * spec.num_layers * width
        parts["norms"] += norm_params(spec, width)
    if spec.altup:
        parts["other"] += 2 * (spec.altup.num_inputs - 1) * h * h
    return parts


def _optional_modules(spec: ModelSpec) -> dict[str, int]:
    """DeepSeek-V3's MTP module (arXiv:2412.19437, §2.2): one block like the
    last layer, ``eh_proj`` (2h → h) and three norms; embedding and output
    head are shared with the main model."""
    if spec.mtp is None:
        return {}
    h = spec.hidden_size
    last = expand(spec)[-1]
    block = sum(layer_params(spec, last).values())
    per_module = block + 2 * h * h + 3 * norm_params(spec, h)
    return {"mtp": spec.mtp.num_modules * per_module}
