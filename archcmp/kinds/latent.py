"""Multi-head latent attention (DeepSeek-V2, arXiv:2405.04434, §2.1;
transformers ``DeepseekV3Attention``).

Weights: ``q_a_proj`` H → q_lora, its RMSNorm, ``q_b_proj`` q_lora →
heads·(nope + rope) (or one ``q_proj`` without a q LoRA rank);
``kv_a_proj_with_mqa`` H → kv_lora + rope, its RMSNorm, ``kv_b_proj``
kv_lora → heads·(nope + v); ``o_proj`` heads·v → H. Per token a layer caches
the latent and the shared RoPE key, ``kv_lora_rank + qk_rope_head_dim``
elements (vLLM and SGLang cache exactly this); the *expanded* layout caches
decompressed per-head K (nope + rope) and V, as DeepSeek's reference
inference code does with ``attn_impl="naive"``.
"""

from __future__ import annotations

from dataclasses import dataclass

from archcmp.kinds.attention import AttentionLayer
from archcmp.kinds.base import MLA_DECODE_FORMS, CachePart, Tensor


@dataclass(frozen=True, kw_only=True)
class LatentMixer(AttentionLayer):
    q_lora_rank: int | None
    kv_lora_rank: int
    qk_nope_head_dim: int
    qk_rope_head_dim: int
    v_head_dim: int
    kind = "mla"
    decode_forms = MLA_DECODE_FORMS
    core_component = "attention_core"

    @property
    def qk_head_dim(self) -> int:
        return self.qk_nope_head_dim + self.qk_rope_head_dim

    def tensors(self) -> tuple[Tensor, ...]:
        h, heads, r, c = self.hidden, self.num_heads, self.q_lora_rank, "attention"
        kv_a = self.kv_lora_rank + self.qk_rope_head_dim
        if r:
            parts = [Tensor("q_a_proj", c, (r, h)), Tensor("q_a_layernorm", c, (r,)),
                     Tensor("q_b_proj", c, (heads * self.qk_head_dim, r))]
        else:
            parts = [Tensor("q_proj", c, (heads * self.qk_head_dim, h))]
        parts += [
            Tensor("kv_a_proj_with_mqa", c, (kv_a, h)),
            Tensor("kv_a_layernorm", c, (self.kv_lora_rank,)),
            Tensor("kv_b_proj", c, (heads * (self.qk_nope_head_dim + self.v_head_dim), self.kv_lora_rank)),
            Tensor("o_proj", c, (h, heads * self.v_head_dim)),
        ]
        if self.qkv_bias:
            parts += [Tensor("q_a_proj.bias", c, (r,))] if r else []
            parts.append(Tensor("kv_a_proj_with_mqa.bias", c, (kv_a,)))
        if self.out_bias:
            parts.append(Tensor("o_proj.bias", c, (h,)))
        return tuple(parts)

    def cache(self, convention: str) -> tuple[CachePart, ...]:
        if not self.owns_cache:
            return ()
        return (CachePart("latent", (self.kv_lora_rank + self.qk_rope_head_dim,), self.span.held(convention)),)

    def mha_equivalent_elements(self) -> int:
        """Decompressed K (nope + rope) and V of every head."""
        return self.num_heads * (self.qk_head_dim + self.v_head_dim)

    def expanded_cache(self, convention: str) -> tuple[CachePart, ...] | None:
        """The naive layout: decompressed per-head K and V."""
        if not self.owns_cache:
            return ()
        return (CachePart("expanded_kv", (self.mha_equivalent_elements(),), self.span.held(convention)),)

    def pair_flops(self, form: str = "expanded") -> int:
        """Score and value products of one query against one key, all heads.

        ``expanded`` (transformers, vLLM prefill) attends with per-head keys
        of ``qk_nope + qk_rope`` and values of ``v_head_dim``. ``absorbed``
        (DeepSeek-V2 §2.1.3; DeepSeek-V3 ``inference/model.py``
        ``attn_impl="absorb"``; vLLM/SGLang decode over the latent cache)
        folds W_UK into the query and W_UV into the output, so scores run
        over ``kv_lora_rank + qk_rope`` and values over ``kv_lora_rank``.
        Those folded products cost H·kv_lora_rank·(qk_nope + v) per token,
        exactly kv_b_proj's size, so the linear part does not change."""
        if form == "absorbed":
            return 2 * self.num_heads * (2 * self.kv_lora_rank + self.qk_rope_head_dim)
        return 2 * self.num_heads * (self.qk_head_dim + self.v_head_dim)
