"""What a block holds besides its token mixer and feed-forward: its norms,
and Gemma 3n's AltUp, LAuReL and per-layer-input modules (transformers
``Gemma3nTextDecoderLayer``)."""

from __future__ import annotations

from archcmp.kinds.base import Tensor
from archcmp.record import record

# Norms per block: ``pre`` one before each sublayer (Llama), ``post`` one
# after each, inside the residual (OLMo 2), ``sandwich`` both (Gemma).
NORMS_PER_BLOCK = {"pre": 2, "post": 2, "sandwich": 4}


@record
class NormKind:
    kind: str  # "rmsnorm" | "layernorm"
    bias: bool

    def tensors(self, name: str, width: int) -> list[Tensor]:
        parts = [Tensor(name, "norms", (width,))]
        if self.kind == "layernorm" and self.bias:
            parts.append(Tensor(f"{name}.bias", "norms", (width,)))
        return parts


@record
class BlockNorms:
    hidden: int
    norm: NormKind
    placement: str  # "pre" | "post" | "sandwich"
    sublayers: int = 2  # 1 in a block that holds only a mixer or only an FFN (Nemotron-H)

    def tensors(self) -> tuple[Tensor, ...]:
        count = NORMS_PER_BLOCK[self.placement] * self.sublayers // 2
        return tuple(t for i in range(count) for t in self.norm.tensors(f"norm_{i}", self.hidden))

    def macs(self) -> dict[str, int]:
        return {}


@record
class AltUp:
    """AltUp (arXiv:2301.13310) over ``n`` residual streams:
    ``correct_output_scale`` (H), ``correction_coefs`` n → n,
    ``prediction_coefs`` n → n², ``modality_router`` H → n and its norm."""

    hidden: int
    num_inputs: int
    norm: NormKind

    def tensors(self) -> tuple[Tensor, ...]:
        h, n = self.hidden, self.num_inputs
        return (Tensor("altup.correct_output_scale", "other", (h,)),
                Tensor("altup.correction_coefs", "other", (n, n)),
                Tensor("altup.prediction_coefs", "other", (n * n, n)),
                Tensor("altup.modality_router", "other", (n, h)),
                *self.norm.tensors("altup.router_norm", h))

    def macs(self) -> dict[str, int]:
        """The modality router runs twice (``predict`` and ``correct``), the
        coefficient layers once, and ``predict`` mixes the n streams with
        per-token n×n coefficients: h·n² multiply-adds that are a matmul,
        though not by a weight, counted as linear since they grow per token.
        ``correct_output_scale`` is element-wise."""
        h, n = self.hidden, self.num_inputs
        return {"other": n * n + n * n * n + 2 * h * n + h * n * n}


@record
class Laurel:
    """LAuReL (arXiv:2411.07501): a rank-r residual H → r → H and its norm."""

    hidden: int
    rank: int
    norm: NormKind

    def tensors(self) -> tuple[Tensor, ...]:
        h, r = self.hidden, self.rank
        return (Tensor("laurel.linear_left", "other", (r, h)), Tensor("laurel.linear_right", "other", (h, r)),
                *self.norm.tensors("laurel.post_laurel_norm", h))

    def macs(self) -> dict[str, int]:
        return {"other": 2 * self.hidden * self.rank}


@record
class PerLayerInput:
    """Gemma 3n's per-layer input: a gate H → w, a projection w → H and a
    norm, fed from the per-layer embeddings."""

    hidden: int
    width: int
    norm: NormKind

    def tensors(self) -> tuple[Tensor, ...]:
        h, w = self.hidden, self.width
        return (Tensor("per_layer_input_gate", "other", (w, h)), Tensor("per_layer_projection", "other", (h, w)),
                *self.norm.tensors("post_per_layer_input_norm", h))

    def macs(self) -> dict[str, int]:
        return {"other": 2 * self.hidden * self.width}
