"""Expand a spec into its plan: one :class:`Block` per layer, with shapes.

This is the only place where heterogeneous layers are resolved: local vs
global attention, chunked attention, NoPE layers, per-layer geometry, dense
vs MoE feed-forward, per-layer FFN widths and cross-layer KV sources. Each
block holds kind objects (:mod:`archcmp.kinds`) that own their arithmetic;
analyzers sum over the plan and never look at model names or kinds.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import replace
from functools import cached_property, reduce
from typing import Any, Protocol, TypeGuard

from archcmp.kinds.base import Tensor
from archcmp.kinds.compressed import CompressedMixer
from archcmp.kinds.extras import AltUp, BlockNorms, Laurel, NormKind, PerLayerInput
from archcmp.kinds.ffn import DenseFFN, MoEFFN
from archcmp.kinds.hyper import HyperConnection
from archcmp.kinds.latent import LatentMixer
from archcmp.kinds.parallel import ParallelFFN
from archcmp.kinds.softmax import SoftmaxMixer
from archcmp.kinds.span import span_for
from archcmp.plan_linear import LinearMixer, linear_mixer, sublayers
from archcmp.plan_model import kv_sources, model_tensors
from archcmp.plan_sparse import compressed_mixer, hyper_connection, latent_extras
from archcmp.record import record
from archcmp.schema import CompressedAttention, LatentAttention, ModelSpec, SoftmaxAttention
from archcmp.schema.linear import LINEAR_LABEL

Mixer = SoftmaxMixer | LatentMixer | CompressedMixer | LinearMixer
FFN = DenseFFN | MoEFFN | ParallelFFN
Extra = AltUp | Laurel | PerLayerInput | HyperConnection


@record
class Block:
    index: int
    mixer: Mixer | None  # None: a block of an FFN alone (Nemotron-H's moe and mlp blocks)
    ffn: FFN | None  # None: a block of a token mixer alone (Nemotron-H's mamba and attention blocks)
    norms: BlockNorms
    extras: tuple[Extra, ...]
    kv_source: int  # the layer whose cache this layer reads; itself unless shared

    @property
    def weights_key(self) -> tuple:
        """Everything that decides this block's weights and work: blocks with
        the same key differ only in their position in the stack."""
        return self.mixer, self.ffn, self.norms, self.extras

    @property
    def parts(self) -> tuple:
        return tuple(p for p in (self.mixer, self.ffn, self.norms, *self.extras) if p is not None)

    def tensors(self) -> tuple[Tensor, ...]:
        return tuple(t for part in self.parts for t in part.tensors())

    def macs(self) -> dict[str, int]:
        """Multiply-adds of one token through this block's weights."""
        return reduce(_add, (part.macs() for part in self.parts), {})


class MixerBlock(Protocol):
    """A :class:`Block` known to mix tokens (what :meth:`Plan.mixer_blocks`
    yields): its ``mixer`` is never None, so callers need no check of their own."""

    @property
    def index(self) -> int: ...
    @property
    def mixer(self) -> Mixer: ...
    @property
    def kv_source(self) -> int: ...


class FFNBlock(Protocol):
    """A :class:`Block` known to hold an FFN (what :meth:`Plan.ffn_blocks` yields)."""

    @property
    def index(self) -> int: ...
    @property
    def ffn(self) -> FFN: ...


def mixes(block: Block) -> TypeGuard[MixerBlock]:
    return block.mixer is not None


def has_ffn(block: Block) -> TypeGuard[FFNBlock]:
    return block.ffn is not None


@record
class Plan:
    model: str
    hidden_size: int
    vocab_size: int
    blocks: tuple[Block, ...]
    model_tensors: tuple[Tensor, ...]  # embeddings, head, final norm, model-level extras
    # The block an MTP module copies, where it is not the last layer (DeepSeek-V4's attends like compress_ratios says)
    mtp_block: Block | None = None
    # The blocks of one MTP module, where it is a list of one-sublayer blocks (Nemotron-H)
    mtp_blocks: tuple[Block, ...] = ()

    def __iter__(self) -> Iterator[Block]:
        return iter(self.blocks)

    def __len__(self) -> int:
        return len(self.blocks)

    def mtp_module_blocks(self) -> tuple[Block, ...]:
        """The blocks one MTP module holds: its own list, else the block it
        copies (the last layer's, unless :attr:`mtp_block` says otherwise)."""
        return self.mtp_blocks or (self.mtp_block or self.blocks[-1],)

    def mixer_blocks(self) -> tuple[MixerBlock, ...]:
        """The blocks that mix tokens (all of them, but in Nemotron-H)."""
        return self._mixer_blocks

    def ffn_blocks(self) -> tuple[FFNBlock, ...]:
        return self._ffn_blocks

    @cached_property
    def _mixer_blocks(self) -> tuple[MixerBlock, ...]:  # asked by every analyzer, often
        return tuple(block for block in self.blocks if mixes(block))

    @cached_property
    def _ffn_blocks(self) -> tuple[FFNBlock, ...]:
        return tuple(block for block in self.blocks if has_ffn(block))

    def distinct_blocks(self) -> list[tuple[Block, int]]:
        """One block of each :attr:`Block.weights_key` with how many there
        are: counting each kind once keeps ``validate`` of 1,000 specs fast."""
        return list(self._distinct)

    @cached_property
    def _distinct(self) -> tuple[tuple[Block, int], ...]:
        """Grouped once per plan: params, FLOPs, cache and sharding all ask."""
        kinds: dict[tuple, list] = {}
        for block in self.blocks:
            kinds.setdefault(block.weights_key, [block, 0])[1] += 1
        return tuple((block, n) for block, n in kinds.values())


def _add(a: dict[str, int], b: dict[str, int]) -> dict[str, int]:
    return {name: a.get(name, 0) + b.get(name, 0) for name in {**a, **b}}


def expand(spec: ModelSpec) -> Plan:
    """The per-layer plan of ``spec``."""
    labels = spec.attention.layer_pattern.labels(spec.num_layers)
    sources, make = kv_sources(spec, labels), _Made()
    if spec.block_pattern is not None:
        blocks = tuple(_sublayer_block(spec, i, make) for i in range(spec.num_layers))
    else:
        blocks = tuple(_block(spec, i, labels[i], sources[i], make) for i in range(spec.num_layers))
    mtp_blocks = tuple(_sublayer_block(spec, spec.num_layers + i, make, label)
                       for i, label in enumerate(spec.mtp.blocks if spec.mtp and spec.mtp.blocks else ()))
    return Plan(spec.id, spec.hidden_size, spec.vocab_size, blocks, model_tensors(spec), _mtp_block(spec, blocks),
                mtp_blocks)


def _mtp_block(spec: ModelSpec, blocks: tuple[Block, ...]) -> Block | None:
    """DeepSeek-V4's MTP block: the last layer's FFN and extras, the
    attention of ``attention.mtp_layer``."""
    att = spec.attention
    if spec.mtp is None or not isinstance(att, CompressedAttention):
        return None
    return replace(blocks[-1], mixer=compressed_mixer(spec, att.mtp_layer))


class _Made:
    """Each distinct part of one plan built once: ``make(Kind, *fields)``
    returns the object already made of those fields. Layers that differ only
    in their place share their parts, so grouping layers by parts
    (:meth:`Plan.distinct_blocks`) compares one object with itself."""

    def __init__(self) -> None:
        self.made: dict[tuple, Any] = {}

    def __call__(self, build: Any, /, *args: Any, **fields: Any) -> Any:
        key = (build, args, tuple(fields.items()))
        part = self.made.get(key)
        if part is None:
            part = self.made[key] = build(*args, **fields)
        return part

    def once(self, key: tuple, build: Any, *args: Any) -> Any:
        """``build(*args)`` under ``key`` (arguments such as the spec are
        the same for every layer of a plan, and costly to hash)."""
        if key not in self.made:
            self.made[key] = build(*args)
        return self.made[key]


def _block(spec: ModelSpec, index: int, label: str, kv_source: int, make: _Made) -> Block:
    norm = make(NormKind, spec.norm.kind, spec.norm.bias)
    return Block(
        index=index,
        mixer=_mixer(spec, index, label, kv_source == index, make),
        ffn=_ffn(spec, index, kv_source != index, norm, make),
        norms=make(BlockNorms, spec.hidden_size, norm, spec.norm.placement),
        extras=make.once(("extras",), _extras, spec, norm),
        kv_source=kv_source,
    )


def _sublayer_block(spec: ModelSpec, index: int, make: _Made, label: str | None = None) -> Block:
    """A block of one sublayer and its one pre-norm (transformers ``NemotronHBlock``);
    ``label``: an MTP block's, which the block pattern does not place."""
    mixer, ffn = sublayers(spec, index, label)
    norm = make(NormKind, spec.norm.kind, spec.norm.bias)
    return Block(index=index, mixer=None if mixer is None else _mixer(spec, index, mixer, True, make),
                 ffn=None if ffn is None else _ffn(spec, index, False, norm, make, ffn),
                 norms=make(BlockNorms, spec.hidden_size, norm, "pre", sublayers=1), extras=(), kv_source=index)


def _mixer(spec: ModelSpec, index: int, label: str, owns_cache: bool, make: _Made) -> Mixer:
    if label == LINEAR_LABEL:
        return make.once(("linear",), linear_mixer, spec)
    att, h = spec.attention, spec.hidden_size
    if isinstance(att, CompressedAttention):  # labels sliding, csa, hca: spans of their own
        return make.once(("compressed", label), compressed_mixer, spec, label)
    span = make(span_for, label, {"sliding": att.sliding_window, "chunked": att.chunk_size}.get(label))
    position, theta = _position(spec, index, label)
    common: dict[str, Any] = {"hidden": h, "num_heads": att.num_heads, "span": span, "position": position,
                              "rope_theta": theta, "owns_cache": owns_cache, "qkv_bias": att.qkv_bias,
                              "out_bias": att.out_bias}
    match att:
        case SoftmaxAttention():
            kv_heads, head_dim, k_eq_v = _geometry(att, index, label)
            return make(SoftmaxMixer, kind=att.kind, num_kv_heads=kv_heads, head_dim=head_dim, qk_norm=att.qk_norm,
                        sinks=att.sinks, k_eq_v=k_eq_v, output_gate=att.output_gate, **common)
        case LatentAttention():
            return make(LatentMixer, q_lora_rank=att.q_lora_rank, kv_lora_rank=att.kv_lora_rank,
                        qk_nope_head_dim=att.qk_nope_head_dim, qk_rope_head_dim=att.qk_rope_head_dim,
                        v_head_dim=att.v_head_dim, **latent_extras(att, h, index, position), **common)
    raise TypeError(f"no layer kind for attention {type(att).__name__}")


def _geometry(att: SoftmaxAttention, index: int, label: str) -> tuple[int, int, bool]:
    """KV heads, head dim and K=V of one layer: the section's, unless an
    override picks this layer (the last override that does wins)."""
    kv_heads, head_dim, k_eq_v = att.num_kv_heads, att.head_dim, False
    for override in att.overrides:
        if override.label == label or index in (override.layers or ()):
            kv_heads = override.num_kv_heads or kv_heads
            head_dim = override.head_dim or head_dim
            k_eq_v = k_eq_v or override.k_eq_v  # a K=V override says which layers have no v_proj
    return kv_heads, head_dim, k_eq_v


def _position(spec: ModelSpec, index: int, label: str) -> tuple[str, float | None]:
    """The layer's position encoding and RoPE base. With ``rope_local_theta``
    set, sliding and chunked layers use that base (transformers
    ``Gemma3RotaryEmbedding``)."""
    pos = spec.positions
    if pos.kind == "learned":
        return "learned", None
    if pos.kind == "none" or (pos.nope_pattern is not None and pos.nope_pattern.label(index) == "nope"):
        return "nope", None
    local = label != "full" and pos.rope_local_theta is not None
    return "rope", pos.rope_local_theta if local else pos.rope_theta


def _ffn(spec: ModelSpec, index: int, shared: bool, norm: NormKind, make: _Made, label: str | None = None) -> FFN:
    """``shared``: the layer reads another's cache, which widens its MLP in
    Gemma 4 E2B (``Gemma4TextMLP``: ``use_double_wide_mlp`` and a KV-shared layer).
    ``label``: ``dense`` or ``moe`` as a block pattern says (Nemotron-H), else the MoE pattern's."""
    h, ffn, moe = spec.hidden_size, spec.ffn, spec.moe
    wide = 2 if shared and spec.kv_sharing is not None and spec.kv_sharing.double_wide_mlp else 1
    dense = make(DenseFFN, h, wide * spec.intermediate_size_at(index), ffn.gated, ffn.activation, ffn.bias)
    label = label or ("dense" if moe is None else moe.layer_pattern.label(index))
    if label == "dense":
        return dense
    if moe is None:  # the checks let no spec label a moe layer without its section
        raise TypeError(f"layer {index} is labelled moe, but the spec has no moe section")
    experts = make(MoEFFN, h, moe.num_experts, moe.experts_per_token, moe.expert_intermediate_size, ffn.gated,
                     ffn.activation, expert_bias=moe.expert_bias, router_bias=moe.router_bias,
                     shared_width=moe.shared_width, shared_bias=ffn.bias, shared_gate=moe.shared_expert_gate,
                     router_scales=moe.router_scales, latent_size=moe.latent_size or 0, latent_bias=ffn.bias)
    return make(ParallelFFN, dense, experts, norm) if moe.parallel_dense else experts


def _extras(spec: ModelSpec, norm: NormKind) -> tuple[Extra, ...]:
    h, extras = spec.hidden_size, list[Extra]()
    if spec.altup:
        extras.append(AltUp(h, spec.altup.num_inputs, norm))
    if spec.laurel:
        extras.append(Laurel(h, spec.laurel.rank, norm))
    if spec.embeddings.per_layer:
        extras.append(PerLayerInput(h, spec.embeddings.per_layer.width, norm))
    hyper = hyper_connection(spec)
    if hyper:
        extras.append(hyper)
    return tuple(extras)
