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

With a lightning indexer (DeepSeek Sparse Attention, :mod:`archcmp.kinds.indexer`)
a query scores every earlier key and attends to the ``topk`` best only: its
real cost is the indexer over all keys plus attention over min(keys, topk),
while transformers masks dense attention (every key computed, the rest
masked): ``--attention full``. vLLM stores a DSA layer's latent in fp8 as
``fp8_ds_mla``: kv_lora fp8 values, one fp32 scale per 128 and the RoPE key
in bf16 (656 B for 512 + 64; FlashMLA's sparse layout).

Mistral Large 4 (transformers ``MistralLarge4TextAttention``): a layer that
reads another's latent builds no ``kv_a_proj_with_mqa`` nor its norm but
keeps its own indexer and indexer cache; on its NoPE layers the rope dims
join the nope ones (``rope_key`` false: latent alone, kv_b_proj wider).
"""

from __future__ import annotations

from archcmp.kinds.attention import AttentionLayer
from archcmp.kinds.base import MLA_DECODE_FORMS, CachePart, FlopOptions, Layout, Tensor
from archcmp.kinds.indexer import QUANT_BLOCK, IndexerKind
from archcmp.kinds.span import SlidingSpan
from archcmp.record import record


@record(kw_only=True)
class LatentMixer(AttentionLayer):
    q_lora_rank: int | None
    kv_lora_rank: int
    qk_nope_head_dim: int
    qk_rope_head_dim: int
    v_head_dim: int
    indexer: IndexerKind | None = None
    learned_query_scale: bool = False
    rope_key: bool = True  # False: a NoPE layer whose rope dims are nope dims (Mistral Large 4)
    kind = "mla"
    decode_forms = MLA_DECODE_FORMS

    @property
    def qk_head_dim(self) -> int:
        return self.qk_nope_head_dim + self.qk_rope_head_dim

    @property
    def rope_dim(self) -> int:
        """The shared RoPE key's width in this layer's latent."""
        return self.qk_rope_head_dim if self.rope_key else 0

    @property
    def nope_dim(self) -> int:
        return self.qk_head_dim - self.rope_dim

    def tensors(self) -> tuple[Tensor, ...]:
        h, heads, r, c = self.hidden, self.num_heads, self.q_lora_rank, "attention"
        kv_a = self.kv_lora_rank + self.rope_dim
        if r:
            parts = [Tensor("q_a_proj", c, (r, h)), Tensor("q_a_layernorm", c, (r,)),
                     Tensor("q_b_proj", c, (heads * self.qk_head_dim, r))]
        else:
            parts = [Tensor("q_proj", c, (heads * self.qk_head_dim, h))]
        if self.owns_cache:  # a layer reading another's latent makes none
            parts += [Tensor("kv_a_proj_with_mqa", c, (kv_a, h)), Tensor("kv_a_layernorm", c, (self.kv_lora_rank,))]
        parts += [
            Tensor("kv_b_proj", c, (heads * (self.nope_dim + self.v_head_dim), self.kv_lora_rank)),
            Tensor("o_proj", c, (h, heads * self.v_head_dim)),
        ]
        if self.qkv_bias:
            parts += [Tensor("q_a_proj.bias", c, (r,))] if r else []
            parts += [Tensor("kv_a_proj_with_mqa.bias", c, (kv_a,))] if self.owns_cache else []
        if self.out_bias:
            parts.append(Tensor("o_proj.bias", c, (h,)))
        if self.learned_query_scale:
            parts += [Tensor("softmax_scaling.scale", c, (heads,)), Tensor("softmax_scaling.bias", c, (heads,))]
        return tuple(parts) + (self.indexer.tensors() if self.indexer else ())

    def cache(self, convention: str) -> tuple[CachePart, ...]:
        held = self.span.held(convention)
        parts = self.indexer.cache(convention, held) if self.indexer else ()
        if not self.owns_cache:
            return parts
        latent = CachePart("latent", (self.kv_lora_rank + self.rope_dim,), held, layouts=self._layouts(convention))
        return (latent, *parts)

    def _layouts(self, convention: str) -> tuple[Layout, ...]:
        """vLLM's sparse-MLA fp8 record (``fp8_ds_mla``) for DSA layers."""
        if convention != "vllm" or self.indexer is None:
            return ()
        record = [("nope", self.kv_lora_rank, "fp8"), ("scales", -(-self.kv_lora_rank // QUANT_BLOCK), "fp32")]
        record += [("rope", self.rope_dim, "bf16")] if self.rope_dim else []
        return (Layout("fp8_ds_mla", "fp8", tuple(record)),)

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
            return 2 * self.num_heads * (2 * self.kv_lora_rank + self.rope_dim)
        return 2 * self.num_heads * (self.qk_head_dim + self.v_head_dim)

    def prefill_core_flops(self, tokens: int, options: FlopOptions) -> int:
        if self.indexer is None:
            return super().prefill_core_flops(tokens, options)
        return sum(self.prefill_core_parts(tokens, options).values())

    def decode_core_flops(self, position: int, options: FlopOptions) -> int:
        if self.indexer is None:
            return super().decode_core_flops(position, options)
        return sum(self.decode_core_parts(position, options).values())

    def prefill_core_parts(self, tokens: int, options: FlopOptions) -> dict[str, int]:
        """With an indexer, at the real cost: query i scores its i keys and
        attends to min(i, topk) of them (DeepSeek-V3.2 §2.1); ``full``:
        every query against every key, scored and attended, as transformers
        computes it (it masks the unselected keys, it does not skip them)."""
        if self.indexer is None:
            return super().prefill_core_parts(tokens, options)
        if options.attention == "full":
            keys = attended = tokens * tokens
        else:
            keys, attended = self.span.keys_seen_total(tokens), SlidingSpan(self.indexer.topk).keys_seen_total(tokens)
        return {"attention_core": self.pair_flops() * attended, "indexer_core": self.indexer.key_flops() * keys}

    def decode_core_parts(self, position: int, options: FlopOptions) -> dict[str, int]:
        if self.indexer is None:
            return super().decode_core_parts(position, options)
        keys = position if options.attention == "full" else self.span.keys_seen(position)
        attended = keys if options.attention == "full" else min(keys, self.indexer.topk)
        return {"attention_core": self.pair_flops(options.mla_decode) * attended,
                "indexer_core": self.indexer.key_flops() * keys}
