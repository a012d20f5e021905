"""Softmax attention over per-head keys and values: MHA, GQA, MQA.

Weights (transformers ``LlamaAttention`` and relatives): ``q_proj``
H → heads·d, ``k_proj``/``v_proj`` H → kv_heads·d, ``o_proj`` heads·d → H,
optional biases, q/k norms and per-head sinks. A KV-shared layer (Gemma 3n)
builds no k/v projections and caches nothing. A ``k_eq_v`` layer (Gemma 4's
global layers, ``Gemma4TextAttention``) builds no ``v_proj``: V is the raw K
projection through a weightless norm, and it is still cached. Per token a layer caches K and
V of every KV head: ``2 × kv_heads × head_dim`` elements (Shazeer 2019,
arXiv:1911.02150; Ainslie et al. 2023, arXiv:2305.13245).
"""

from __future__ import annotations

from archcmp.kinds.attention import AttentionLayer
from archcmp.kinds.base import CachePart, Tensor
from archcmp.record import record


@record(kw_only=True)
class SoftmaxMixer(AttentionLayer):
    kind: str  # "mha" | "gqa" | "mqa": the spec's name for this head layout
    num_kv_heads: int
    head_dim: int
    qk_norm: str = "none"  # "none" | "per_head" | "full" | "l2"
    sinks: bool = False
    # Qwen3-Next/Qwen3.5 gated attention: q_proj also yields a per-head sigmoid
    # gate on the output (twice as wide); transformers ``Qwen3NextAttention``.
    output_gate: bool = False
    k_eq_v: bool = False  # no v_proj: V is K's projection (Gemma 4 attention_k_eq_v)
    decode_forms = ()  # one way to decode; latent attention has two

    @property
    def q_width(self) -> int:
        return self.num_heads * self.head_dim

    @property
    def kv_width(self) -> int:
        return self.num_kv_heads * self.head_dim

    def tensors(self) -> tuple[Tensor, ...]:
        h, q, kv, c = self.hidden, self.q_width, self.kv_width, "attention"
        own = self.owns_cache
        q_out = 2 * q if self.output_gate else q
        parts = [Tensor("q_proj", c, (q_out, h))]
        parts += [Tensor("k_proj", c, (kv, h))] if own else []
        parts += [Tensor("v_proj", c, (kv, h))] if own and not self.k_eq_v else []
        parts.append(Tensor("o_proj", c, (h, q)))
        if self.qkv_bias:
            parts.append(Tensor("q_proj.bias", c, (q_out,)))
            parts += [Tensor("k_proj.bias", c, (kv,))] if own else []
            parts += [Tensor("v_proj.bias", c, (kv,))] if own and not self.k_eq_v else []
        if self.out_bias:
            parts.append(Tensor("o_proj.bias", c, (h,)))
        norm = {"per_head": (self.head_dim, self.head_dim), "full": (q, kv)}.get(self.qk_norm)
        if norm:  # "l2" normalizes without a weight
            parts.append(Tensor("q_norm", c, (norm[0],)))
            parts += [Tensor("k_norm", c, (norm[1],))] if own else []
        if self.sinks:
            parts.append(Tensor("sinks", c, (self.num_heads,)))
        return tuple(parts)

    def cache(self, convention: str) -> tuple[CachePart, ...]:
        if not self.owns_cache:
            return ()
        return (CachePart("kv", (2, self.num_kv_heads, self.head_dim), self.span.held(convention)),)

    def mha_equivalent_elements(self) -> int:
        """K and V of every query head: the cache of the same layer as MHA."""
        return 2 * self.num_heads * self.head_dim

    def expanded_cache(self, convention: str) -> tuple[CachePart, ...] | None:
        """No other layout than :meth:`cache`."""
        return None

    def pair_flops(self, form: str = "expanded") -> int:
        """Score and value products of one query against one key, all heads
        (one form only: ``form`` is latent attention's)."""
        return 2 * self.num_heads * 2 * self.head_dim
