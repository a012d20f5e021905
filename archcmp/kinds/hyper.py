"""Manifold-constrained hyper-connections (mHC; Xie et al. 2026), as
DeepSeek-V4 uses them (technical report §2.2; transformers 5.24
``DeepseekV4HyperConnection``, ``DeepseekV4HyperHead``).

The residual is ``streams`` streams of H. Before attention and before the
FFN a module flattens them (n·H), projects them with ``fn`` to
(2 + n)·n weights (pre, post and an n × n mix, then Sinkhorn-normalized),
adds ``base`` and scales by ``scale`` (3 values); the streams are mixed by
that matrix, a matmul of per-token weights. All fp32 parameters, component
``hyper_connections``.
"""

from __future__ import annotations

from archcmp.kinds.base import Tensor
from archcmp.record import record

SITES = ("attn_hc", "ffn_hc")


@record
class HyperConnection:
    hidden: int
    streams: int

    @property
    def outputs(self) -> int:
        return (2 + self.streams) * self.streams

    def tensors(self) -> tuple[Tensor, ...]:
        n, c = self.streams, "hyper_connections"
        return tuple(t for site in SITES for t in (
            Tensor(f"{site}.fn", c, (self.outputs, n * self.hidden)),
            Tensor(f"{site}.base", c, (self.outputs,)), Tensor(f"{site}.scale", c, (3,))))

    def macs(self) -> dict[str, int]:
        """At each site the ``fn`` projection and the n × n stream mix
        (``torch.matmul(comb.T, streams)``). Collapsing the streams into the
        sublayer's input and spreading its output back are element-wise."""
        n, h = self.streams, self.hidden
        return {"hyper_connections": len(SITES) * (self.outputs * n * h + n * n * h)}


def hyper_head_tensors(hidden: int, streams: int) -> tuple[Tensor, ...]:
    """``hc_head``: collapses the streams before the final norm; its ``hc_fn``
    (n × n·H) runs at every position."""
    c = "hyper_connections"
    return (Tensor("hc_head.hc_fn", c, (streams, streams * hidden)), Tensor("hc_head.hc_base", c, (streams,)),
            Tensor("hc_head.hc_scale", c, (1,)))
