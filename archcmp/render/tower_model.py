"""What a model's tower drawing shows, before any geometry: boxes of labels,
blocks of boxes, and the stack of blocks folded into repeated groups.

The folding is the write-ups' ``N ×``: consecutive layers that draw alike
become one block with a count, and a cycle of such blocks (Gemma 3's five
sliding and one global layer, Llama 4's four-layer dense/MoE and NoPE
cycle) one group with a repeat count. Nothing is laid out per model: every
block comes from the plan, and two layers share a drawing only if every
label of theirs is the same.
"""

from __future__ import annotations

from archcmp.record import record


@record
class Label:
    """One line of text. ``key`` names what it states (``mixer.heads``), so
    that drawings of several models can mark what one has and another lacks."""

    key: str
    text: str


@record
class Part:
    """One box: ``role`` picks its colours (``embedding``, ``norm``,
    ``mixer``, ``local``, ``ffn``, ``moe``, ``extra``, ``head``)."""

    role: str
    title: Label
    lines: tuple[Label, ...] = ()
    experts: tuple[int, int, int] | None = None  # routed, per token, shared: drawn as a strip of squares

    @property
    def labels(self) -> tuple[Label, ...]:
        return (self.title, *self.lines)


@record
class Sublayer:
    """Boxes bottom to top; ``residual``: the input is added back above them."""

    parts: tuple[Part, ...]
    residual: bool = True


@record
class BlockDrawing:
    sublayers: tuple[Sublayer, ...]


@record
class Stretch:
    """``count`` consecutive layers drawn as one block, from layer ``first``."""

    block: BlockDrawing
    count: int
    first: int


@record
class Group:
    """``stretches`` bottom to top, the whole cycle ``repeats`` times."""

    stretches: tuple[Stretch, ...]
    repeats: int

    @property
    def first(self) -> int:
        return self.stretches[0].first

    @property
    def num_layers(self) -> int:
        return self.repeats * sum(s.count for s in self.stretches)


@record
class Tower:
    model: str
    name: str
    below: tuple[Part, ...]  # embeddings, bottom to top
    groups: tuple[Group, ...]  # the blocks, bottom to top
    above: tuple[Part, ...]  # final norm and head, bottom to top
    caption: tuple[Label, ...]  # headline figures under the drawing

    def labels(self) -> list[Label]:
        parts = [*self.below, *self.above]
        parts += [p for g in self.groups for s in g.stretches for sub in s.block.sublayers for p in sub.parts]
        return [label for part in parts for label in part.labels]


def fold(blocks: list[BlockDrawing]) -> tuple[Group, ...]:
    """Fold per-layer drawings into stretches of equal neighbours, then
    cycles of stretches: at each point the cycle that covers the most
    layers wins (the shorter on a tie), a cycle seen once is a group of one."""
    stretches: list[Stretch] = []
    for index, block in enumerate(blocks):
        if stretches and stretches[-1].block == block:
            last = stretches[-1]
            stretches[-1] = Stretch(block, last.count + 1, last.first)
        else:
            stretches.append(Stretch(block, 1, index))
    groups, i = [], 0
    while i < len(stretches):
        period, repeats = _best_cycle(stretches, i)
        groups.append(Group(tuple(stretches[i:i + period]), repeats))
        i += period * repeats
    return tuple(groups)


def _best_cycle(stretches: list[Stretch], start: int) -> tuple[int, int]:
    best, best_cover = (1, 1), 0
    for period in range(1, (len(stretches) - start) // 2 + 1):
        cycle = [(s.block, s.count) for s in stretches[start:start + period]]
        repeats = 1
        while [(s.block, s.count) for s in stretches[start + repeats * period:start + (repeats + 1) * period]] == cycle:
            repeats += 1
        cover = repeats * sum(count for _, count in cycle) if repeats > 1 else 0
        if cover > best_cover:
            best, best_cover = (period, repeats), cover
    return best
