"""A dense MLP and a mixture of experts side by side in one block (Gemma 4
26B-A4B, transformers 5.24 ``Gemma4TextDecoderLayer`` with
``enable_moe_block``).

Both branches read the block's input: the dense MLP after the block's
pre-FFN norm, the experts after their own ``pre_feedforward_layernorm_2``;
each output passes its own post-norm (``post_feedforward_layernorm_1`` and
``_2``) before they are summed and the block's post-FFN norm applies. So a
token goes through the whole dense MLP and ``experts_per_token`` experts, and
the block holds three norms more than a sandwich block.
"""

from __future__ import annotations

from archcmp.kinds.base import Tensor
from archcmp.kinds.extras import NormKind
from archcmp.kinds.ffn import DenseFFN, MoEFFN
from archcmp.record import record

BRANCH_NORMS = ("post_feedforward_layernorm_1", "pre_feedforward_layernorm_2", "post_feedforward_layernorm_2")


@record
class ParallelFFN:
    dense: DenseFFN
    moe: MoEFFN
    norm: NormKind
    kind = "moe"  # a MoE layer, as the layer pattern labels it

    @property
    def dense_width(self) -> int:
        return self.dense.width

    def tensors(self) -> tuple[Tensor, ...]:
        norms = [t for name in BRANCH_NORMS for t in self.norm.tensors(name, self.dense.hidden)]
        return (*self.dense.tensors(), *self.moe.tensors(), *norms)

    def macs(self) -> dict[str, int]:
        dense, moe = self.dense.macs(), self.moe.macs()
        return {name: dense.get(name, 0) + moe.get(name, 0) for name in {**dense, **moe}}
