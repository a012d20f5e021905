"""Every weight tensor of a model with its shape, block by block.

Memory plans need shapes, not just counts: a group-quantized matrix holds
one scale per group along its input dimension, and tensor parallelism splits
a matrix along one of its two dimensions. The names follow transformers
(``q_proj``, ``experts.down_proj``, ``lm_head``) and those of the per-layer
kinds being introduced in ``archcmp.kinds`` (issue "typed layer blocks"),
whose ``Block.tensors()`` will replace this module; until then it derives the
same tensors from the layer plan. Their elements add up to
:func:`archcmp.analysis.params.count_params` exactly, component by
component (``tests/test_tensors.py``).
"""

from __future__ import annotations

from dataclasses import dataclass
from math import prod

from archcmp.plan import LayerPlan, expand
from archcmp.schema import ModelSpec


@dataclass(frozen=True)
class Tensor:
    """One parameter tensor: a matrix is ``(out_features, in_features)``, a
    vector ``(n,)``; ``copies`` identical tensors (a MoE layer's experts), of
    which a token uses ``active_copies`` (``None``: all)."""

    name: str
    component: str
    shape: tuple[int, ...]
    copies: int = 1
    active_copies: int | None = None

    @property
    def elements(self) -> int:
        return prod(self.shape) * self.copies


@dataclass(frozen=True)
class BlockTensors:
    index: int
    tensors: tuple[Tensor, ...]


def model_tensors(spec: ModelSpec) -> tuple[Tensor, ...]:
    """Embeddings, the output head, the final norm and model-level extras."""
    h, emb = spec.hidden_size, spec.embeddings
    parts = [Tensor("embed_tokens", "embedding", (spec.vocab_size, h))]
    if emb.learned_positions:
        parts.append(Tensor("embed_positions", "embedding", (emb.learned_positions, h)))
    if emb.per_layer:
        width = spec.num_layers * emb.per_layer.width
        parts += [Tensor("embed_tokens_per_layer", "embedding", (emb.per_layer.vocab_size, width)),
                  Tensor("per_layer_model_projection", "other", (width, h)),
                  *_norm(spec, "per_layer_projection_norm", emb.per_layer.width)]
    if spec.altup:
        streams = spec.altup.num_inputs - 1
        parts += [Tensor("altup_projections", "other", (h, h), copies=streams),
                  Tensor("altup_unembed_projections", "other", (h, h), copies=streams)]
    if not emb.tied_output:
        parts.append(Tensor("lm_head", "lm_head", (spec.vocab_size, h)))
    if spec.norm.final:
        parts += _norm(spec, "norm", h)
    return tuple(parts)


def block_tensors(spec: ModelSpec) -> tuple[BlockTensors, ...]:
    return tuple(BlockTensors(layer.index, layer_tensors(spec, layer)) for layer in expand(spec))


def layer_tensors(spec: ModelSpec, layer: LayerPlan) -> tuple[Tensor, ...]:
    parts = list(_attention(spec, layer))
    parts += _ffn(spec, layer)
    count = 4 if spec.norm.placement == "sandwich" else 2
    parts += [t for i in range(count) for t in _norm(spec, f"norm_{i}", spec.hidden_size)]
    parts += _extras(spec)
    return tuple(parts)


def _norm(spec: ModelSpec, name: str, width: int) -> list[Tensor]:
    parts = [Tensor(name, "norms", (width,))]
    if spec.norm.kind == "layernorm" and spec.norm.bias:
        parts.append(Tensor(f"{name}.bias", "norms", (width,)))
    return parts


def _attention(spec: ModelSpec, layer: LayerPlan) -> list[Tensor]:
    att, h, c = spec.attention, spec.hidden_size, "attention"
    if att.kind == "mla":
        return _latent(spec)
    q, kv, own = att.num_heads * att.head_dim, att.num_kv_heads * att.head_dim, layer.owns_kv
    parts = [Tensor("q_proj", c, (q, h))]
    parts += [Tensor("k_proj", c, (kv, h)), Tensor("v_proj", c, (kv, h))] if own else []
    parts.append(Tensor("o_proj", c, (h, q)))
    if att.qkv_bias:
        parts.append(Tensor("q_proj.bias", c, (q,)))
        parts += [Tensor("k_proj.bias", c, (kv,)), Tensor("v_proj.bias", c, (kv,))] if own else []
    if att.out_bias:
        parts.append(Tensor("o_proj.bias", c, (h,)))
    norm = {"per_head": (att.head_dim, att.head_dim), "full": (q, kv)}.get(att.qk_norm)
    if norm:  # "l2" normalizes without a weight
        parts.append(Tensor("q_norm", c, (norm[0],)))
        parts += [Tensor("k_norm", c, (norm[1],))] if own else []
    if att.sinks:
        parts.append(Tensor("sinks", c, (att.num_heads,)))
    return parts


def _latent(spec: ModelSpec) -> list[Tensor]:
    """DeepSeek-V2 MLA (arXiv:2405.04434 §2.1; transformers ``DeepseekV3Attention``)."""
    att, h, c = spec.attention, spec.hidden_size, "attention"
    heads, qk, r = att.num_heads, att.qk_nope_head_dim + att.qk_rope_head_dim, att.q_lora_rank
    kv_a = att.kv_lora_rank + att.qk_rope_head_dim
    if r:
        parts = [Tensor("q_a_proj", c, (r, h)), Tensor("q_a_layernorm", c, (r,)),
                 Tensor("q_b_proj", c, (heads * qk, r))]
    else:
        parts = [Tensor("q_proj", c, (heads * qk, h))]
    parts += [Tensor("kv_a_proj_with_mqa", c, (kv_a, h)), Tensor("kv_a_layernorm", c, (att.kv_lora_rank,)),
              Tensor("kv_b_proj", c, (heads * (att.qk_nope_head_dim + att.v_head_dim), att.kv_lora_rank)),
              Tensor("o_proj", c, (h, heads * att.v_head_dim))]
    if att.qkv_bias:
        parts += [Tensor("q_a_proj.bias", c, (r,))] if r else []
        parts.append(Tensor("kv_a_proj_with_mqa.bias", c, (kv_a,)))
    if att.out_bias:
        parts.append(Tensor("o_proj.bias", c, (h,)))
    return parts


def _mlp(prefix: str, component: str, hidden: int, width: int, gated: bool, bias: bool,
         copies: int = 1, active: int | None = None) -> list[Tensor]:
    names = ("gate_proj", "up_proj") if gated else ("up_proj",)
    parts = [Tensor(f"{prefix}{n}", component, (width, hidden), copies, active) for n in names]
    parts.append(Tensor(f"{prefix}down_proj", component, (hidden, width), copies, active))
    if bias:
        parts += [Tensor(f"{prefix}{n}.bias", component, (width,), copies, active) for n in names]
        parts.append(Tensor(f"{prefix}down_proj.bias", component, (hidden,), copies, active))
    return parts


def _ffn(spec: ModelSpec, layer: LayerPlan) -> list[Tensor]:
    h, gated = spec.hidden_size, spec.ffn.gated
    if layer.ffn == "dense":
        return _mlp("mlp.", "dense_mlp", h, layer.intermediate_size, gated, spec.ffn.bias)
    moe = spec.moe
    parts = _mlp("experts.", "routed_experts", h, moe.expert_intermediate_size, gated, moe.expert_bias,
                 copies=moe.num_experts, active=moe.experts_per_token)
    parts.append(Tensor("router", "router", (moe.num_experts, h)))
    parts += [Tensor("router.bias", "router", (moe.num_experts,))] if moe.router_bias else []
    if moe.num_shared_experts:
        parts += _mlp("shared_experts.", "shared_experts", h, moe.shared_width, gated, spec.ffn.bias)
        parts += [Tensor("shared_expert_gate", "shared_experts", (1, h))] if moe.shared_expert_gate else []
    return parts


def _extras(spec: ModelSpec) -> list[Tensor]:
    """Gemma 3n's per-block AltUp, LAuReL and per-layer-input modules
    (transformers ``Gemma3nTextDecoderLayer``)."""
    h, parts = spec.hidden_size, []
    if spec.altup:
        n = spec.altup.num_inputs
        parts += [Tensor("altup.correct_output_scale", "other", (h,)),
                  Tensor("altup.correction_coefs", "other", (n, n)),
                  Tensor("altup.prediction_coefs", "other", (n * n, n)),
                  Tensor("altup.modality_router", "other", (n, h)), *_norm(spec, "altup.router_norm", h)]
    if spec.laurel:
        r = spec.laurel.rank
        parts += [Tensor("laurel.linear_left", "other", (r, h)), Tensor("laurel.linear_right", "other", (h, r)),
                  *_norm(spec, "post_laurel_norm", h)]
    if spec.embeddings.per_layer:
        w = spec.embeddings.per_layer.width
        parts += [Tensor("per_layer_input_gate", "other", (w, h)), Tensor("per_layer_projection", "other", (h, w)),
                  *_norm(spec, "post_per_layer_input_norm", h)]
    return parts
