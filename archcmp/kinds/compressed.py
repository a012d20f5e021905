"""DeepSeek-V4's compressed attention, one layer (DeepSeek-V4 technical
report §2.3; transformers 5.24 ``DeepseekV4Attention``, ``DeepseekV4CSACompressor``,
``DeepseekV4HCACompressor``, ``DeepseekV4Indexer``, ``DeepseekV4HCACache``).

Weights (``attention``): ``q_a_proj`` H → q_lora, ``q_a_norm``, ``q_b_proj``
q_lora → heads·d (a weightless RMSNorm per head), ``kv_proj`` H → d (one
K=V head) and ``kv_norm``, the grouped ``o_a_proj`` (block-diagonal:
o_groups blocks of heads·d/o_groups → o_lora) and ``o_b_proj``
o_groups·o_lora → H, a sink per head. A compressed layer adds its
compressor (``compressor``: ``kv_proj``/``gate_proj`` H → c, a
``position_bias`` [ratio, c] added to the gates, ``kv_norm``; c = 2d on CSA
layers, whose entries pool two overlapping windows, d on HCA ones) and, on
CSA layers, a lightning indexer (``indexer``) with a compressor of its own at
the indexer's head dim, ``q_b_proj`` q_lora → heads_I·d_I and ``weights_proj``.

A query sees the window's raw tokens plus compressed entries: on CSA layers
the indexer's top-k of the ⌊i/ratio⌋ entries finished before it, on HCA
layers all of them (an entry covers tokens up to ``ratio·(w + 1)``).
"""

from __future__ import annotations

from dataclasses import dataclass

from archcmp.kinds.attention import AttentionLayer
from archcmp.kinds.base import CachePart, FlopOptions, Held, Layout, Tensor, matrix_macs
from archcmp.kinds.indexer import QUANT_BLOCK


def floor_sum(n: int, m: int) -> int:
    """Σ_{i=1..n} ⌊i/m⌋: entries seen by each of n queries, summed."""
    q, r = divmod(n, m)
    return m * q * (q - 1) // 2 + q * (r + 1)


def capped_floor_sum(n: int, m: int, cap: int) -> int:
    """Σ_{i=1..n} min(cap, ⌊i/m⌋)."""
    ramp = min(n, cap * m - 1)  # queries that see fewer than cap entries
    return floor_sum(ramp, m) + cap * (n - ramp)


@dataclass(frozen=True)
class CompressedSpan:
    """A window of raw tokens plus one compressed entry per ``ratio``;
    ``topk`` caps the entries a query attends to (CSA)."""

    window: int
    ratio: int
    kind: str  # "csa" | "hca"
    topk: int | None = None

    def entries_seen(self, position: int) -> int:
        return position // self.ratio

    def attended(self, position: int) -> int:
        entries = self.entries_seen(position)
        return entries if self.topk is None else min(entries, self.topk)

    def keys_seen(self, position: int) -> int:
        return min(position, self.window) + self.attended(position)

    def keys_seen_total(self, tokens: int) -> int:
        ramp = min(self.window, tokens)
        raw = ramp * (ramp + 1) // 2 + (tokens - ramp) * self.window
        if self.topk is None:
            return raw + floor_sum(tokens, self.ratio)
        return raw + capped_floor_sum(tokens, self.ratio, self.topk)

    def held(self, convention: str) -> Held:
        """The raw window: as a sliding layer's (``window - 1`` in transformers)."""
        return Held(cap=self.window - 1 if convention == "transformers" else self.window)


def fp8_ds_mla(head_dim: int, rope_dim: int) -> Layout:
    """vLLM's V4 entry (``fp8_ds_mla``, FlashMLA): the non-RoPE dims in fp8,
    one ue8m0 scale byte per 64 of them padded to 8 bytes, RoPE dims in
    bf16: 448 + 8 + 128 = 584 B for 512 with 64 RoPE."""
    nope = head_dim - rope_dim
    scales = -(-nope // 64)
    scales = -(-scales // 8) * 8
    return Layout("fp8_ds_mla", "fp8", (("nope", nope, "fp8"), ("scales", scales, "fp8"),
                                        ("rope", rope_dim, "bf16")))


@dataclass(frozen=True)
class CompressedIndexer:
    num_heads: int
    head_dim: int
    topk: int


@dataclass(frozen=True, kw_only=True)
class CompressedMixer(AttentionLayer):
    head_dim: int
    rope_dim: int
    q_lora_rank: int
    o_groups: int
    o_lora_rank: int
    ratio: int = 0  # 0: the window only
    indexer: CompressedIndexer | None = None  # CSA layers
    kind = "compressed"
    decode_forms = ()
    sinks = True
    k_eq_v = True  # one kv_proj gives the head used as both K and V

    @property
    def overlap(self) -> bool:
        """CSA entries pool two windows: projections twice as wide."""
        return self.indexer is not None

    def tensors(self) -> tuple[Tensor, ...]:
        h, heads, d, r, c = self.hidden, self.num_heads, self.head_dim, self.q_lora_rank, "attention"
        lora = self.o_groups * self.o_lora_rank
        parts = [Tensor("q_a_proj", c, (r, h)), Tensor("q_a_norm", c, (r,)), Tensor("q_b_proj", c, (heads * d, r)),
                 Tensor("kv_proj", c, (d, h)), Tensor("kv_norm", c, (d,)),
                 Tensor("o_a_proj", c, (lora, heads * d // self.o_groups)), Tensor("o_b_proj", c, (h, lora)),
                 Tensor("sinks", c, (heads,))]
        if self.ratio:
            parts += _compressor("compressor", "compressor", h, d, self.ratio, self.overlap)
        if self.indexer:
            i = self.indexer
            parts += _compressor("indexer", "indexer", h, i.head_dim, self.ratio, True)
            parts += [Tensor("indexer.q_b_proj", "indexer", (i.num_heads * i.head_dim, r)),
                      Tensor("indexer.weights_proj", "indexer", (i.num_heads, h))]
        return tuple(parts)

    def macs(self) -> dict[str, int]:
        """Every projection a token passes; ``position_bias`` is added, not multiplied."""
        return matrix_macs(tuple(t for t in self.tensors() if not t.name.endswith("position_bias")))

    def cache(self, convention: str) -> tuple[CachePart, ...]:
        if convention == "transformers":
            return self._transformers_cache()
        return self._vllm_cache()

    def _transformers_cache(self) -> tuple[CachePart, ...]:
        """``DynamicCache`` after a prefill: a window layer keeps K and V
        apart (``DynamicSlidingWindowLayer``); a compressed layer its
        window's K=V once, the entries, the projected tokens not yet pooled
        (kv and gate) and on CSA layers the last window's first half
        (``overlap_kv`` in the model dtype, ``overlap_gate`` fp32, once a
        window has closed), for the compressor and for the indexer."""
        window = self.span.held("transformers")
        if not self.ratio:
            return (CachePart("kv", (2, self.head_dim), window),)
        parts = [CachePart("window_kv", (self.head_dim,), window),
                 CachePart("compressed_kv", (self.head_dim,), Held(stride=self.ratio))]
        parts += self._pending("compressor", self.head_dim)
        if self.indexer:
            parts.append(CachePart("indexer_keys", (self.indexer.head_dim,), Held(stride=self.ratio)))
            parts += self._pending("indexer", self.indexer.head_dim)
        return tuple(parts)

    def _pending(self, name: str, dim: int) -> list[CachePart]:
        width = 2 * dim if self.overlap else dim
        left = Held(stride=self.ratio, remainder=True)
        parts = [CachePart(f"{name}_buffer_kv", (width,), left), CachePart(f"{name}_buffer_gate", (width,), left)]
        if self.overlap:
            once = Held(cap=1, stride=self.ratio)
            parts += [CachePart(f"{name}_overlap_kv", (self.ratio, dim), once),
                      CachePart(f"{name}_overlap_gate", (self.ratio, dim), once, "fp32")]
        return parts

    def _vllm_cache(self) -> tuple[CachePart, ...]:
        """vLLM stores V4 entries only as ``fp8_ds_mla``: the window's
        ``min(n, window)``, ⌊n/ratio⌋ compressed ones, CSA's indexer keys
        (fp8 + fp32 scale per 128) and the compressors' fp32 state of
        (2 if overlapping else 1)·ratio rows of kv and gate."""
        layout = (fp8_ds_mla(self.head_dim, self.rope_dim),)
        entry = {"layouts": layout, "only_layouts": True}
        parts = [CachePart("window_kv" if self.ratio else "kv", (self.head_dim,), self.span.held("vllm"), **entry)]
        if not self.ratio:
            return tuple(parts)
        every = Held(stride=self.ratio)
        parts += [CachePart("compressed_kv", (self.head_dim,), every, **entry), self._state("compressor", self.head_dim)]
        if self.indexer:
            d = self.indexer.head_dim
            parts += [CachePart("indexer_keys", (d,), every, "fp8"),
                      CachePart("indexer_key_scales", (-(-d // QUANT_BLOCK),), every, "fp32"),
                      self._state("indexer", d)]
        return tuple(parts)

    def _state(self, name: str, dim: int) -> CachePart:
        rows, width = (2 if self.overlap else 1) * self.ratio, (2 * dim if self.overlap else dim)
        return CachePart(f"{name}_state", (rows, 2 * width), None, "fp32")

    def mha_equivalent_elements(self) -> int:
        """K and V of every query head over the whole context."""
        return 2 * self.num_heads * self.head_dim

    def expanded_cache(self, convention: str) -> tuple[CachePart, ...] | None:
        return None

    def pair_flops(self, form: str = "expanded") -> int:
        """Scores and values of one query against one entry, all heads:
        the one K=V head of ``head_dim`` serves as key and as value."""
        return 2 * self.num_heads * 2 * self.head_dim

    def prefill_core_parts(self, tokens: int, options: FlopOptions) -> dict[str, int]:
        """Real cost by default (:class:`CompressedSpan`); ``full``: every
        query against all ``tokens`` raw keys and every entry, the indexer
        scoring every entry, as transformers' prefill computes it."""
        entries = tokens // self.ratio if self.ratio else 0
        if options.attention == "full":
            keys, scored = tokens * (tokens + entries), tokens * entries
        else:
            keys, scored = self.span.keys_seen_total(tokens), floor_sum(tokens, self.ratio) if self.ratio else 0
        return self._parts(keys, scored)

    def decode_core_parts(self, position: int, options: FlopOptions) -> dict[str, int]:
        """The window's raw keys (all a layer keeps), plus the entries."""
        entries = position // self.ratio if self.ratio else 0
        keys = min(position, self.span.window) + entries if options.attention == "full" else self.span.keys_seen(position)
        return self._parts(keys, entries)

    def _parts(self, keys: int, scored: int) -> dict[str, int]:
        parts = {"attention_core": self.pair_flops() * keys}
        if self.indexer:
            parts["indexer_core"] = 2 * self.indexer.num_heads * (self.indexer.head_dim + 1) * scored
        return parts

    def prefill_core_flops(self, tokens: int, options: FlopOptions) -> int:
        return sum(self.prefill_core_parts(tokens, options).values())

    def decode_core_flops(self, position: int, options: FlopOptions) -> int:
        return sum(self.decode_core_parts(position, options).values())


def _compressor(prefix: str, component: str, hidden: int, dim: int, ratio: int, overlap: bool) -> list[Tensor]:
    width = 2 * dim if overlap else dim
    return [Tensor(f"{prefix}.kv_proj", component, (width, hidden)),
            Tensor(f"{prefix}.gate_proj", component, (width, hidden)),
            Tensor(f"{prefix}.position_bias", component, (ratio, width)),
            Tensor(f"{prefix}.kv_norm", component, (dim,))]
