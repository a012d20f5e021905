"""Feed-forward kinds: a dense MLP, or a mixture of experts.

A gated MLP (SwiGLU/GeGLU) has ``gate_proj`` and ``up_proj`` H → I and
``down_proj`` I → H; a plain one ``up_proj`` and ``down_proj`` (transformers
``LlamaMLP``, ``GPT2MLP``). A MoE layer holds ``num_experts`` such MLPs of
the expert width, a router H → E and optionally shared experts that every
token uses (DeepSeekMoE, arXiv:2401.06066); a token visits
``experts_per_token`` routed experts. A latent MoE (Nemotron 3 Super's
LatentMoE, ``moe_latent_size``; transformers 5.24 ``NemotronHMoE``) projects the
token H → latent before its experts and latent → H after them
(``fc1_latent_proj``/``fc2_latent_proj``): the experts are latent wide, the
router and shared experts still read H.
"""

from __future__ import annotations

from archcmp.kinds.base import Tensor, matrix_macs
from archcmp.record import record


def mlp_tensors(prefix: str, component: str, hidden: int, width: int, gated: bool, bias: bool,
                copies: int = 1, active: int | None = None) -> list[Tensor]:
    names = ("gate_proj", "up_proj") if gated else ("up_proj",)
    parts = [Tensor(f"{prefix}{n}", component, (width, hidden), copies, active) for n in names]
    parts.append(Tensor(f"{prefix}down_proj", component, (hidden, width), copies, active))
    if bias:
        parts += [Tensor(f"{prefix}{n}.bias", component, (width,), copies, active) for n in names]
        parts.append(Tensor(f"{prefix}down_proj.bias", component, (hidden,), copies, active))
    return parts


@record
class DenseFFN:
    hidden: int
    width: int
    gated: bool
    activation: str
    bias: bool = False
    kind = "dense"

    @property
    def dense_width(self) -> int:
        """The width of the dense MLP a token goes through (cards show it)."""
        return self.width

    def tensors(self) -> tuple[Tensor, ...]:
        return tuple(mlp_tensors("mlp.", "dense_mlp", self.hidden, self.width, self.gated, self.bias))

    def macs(self) -> dict[str, int]:
        return matrix_macs(self.tensors())


@record
class MoEFFN:
    hidden: int
    num_experts: int
    experts_per_token: int
    expert_width: int
    gated: bool
    activation: str
    expert_bias: bool = False
    router_bias: bool = False
    shared_width: int = 0  # all shared experts together, as one MLP (0: none)
    shared_bias: bool = False
    shared_gate: bool = False  # a sigmoid gate H → 1 on the shared expert (Qwen2-MoE)
    router_scales: bool = False  # Gemma 4: learned input scale (H) and per-expert scale (E)
    latent_size: int = 0  # experts behind H → latent → H projections (0: the experts read H)
    latent_bias: bool = False
    kind = "moe"
    dense_width = None  # no dense MLP beside the experts

    def tensors(self) -> tuple[Tensor, ...]:
        h = self.hidden
        parts = mlp_tensors("experts.", "routed_experts", self.latent_size or h, self.expert_width, self.gated,
                            self.expert_bias, copies=self.num_experts, active=self.experts_per_token)
        parts += self._latent_tensors()
        parts.append(Tensor("router", "router", (self.num_experts, h)))
        parts += [Tensor("router.bias", "router", (self.num_experts,))] if self.router_bias else []
        if self.router_scales:
            parts += [Tensor("router.scale", "router", (h,)),
                      Tensor("router.per_expert_scale", "router", (self.num_experts,))]
        if self.shared_width:
            parts += mlp_tensors("shared_experts.", "shared_experts", h, self.shared_width, self.gated,
                                 self.shared_bias)
            parts += [Tensor("shared_expert_gate", "shared_experts", (1, h))] if self.shared_gate else []
        return tuple(parts)

    def macs(self) -> dict[str, int]:
        return matrix_macs(self.tensors())

    def _latent_tensors(self) -> list[Tensor]:
        """The latent projections every token goes through, counted with the
        routed experts they serve (``mlp_bias`` gives them biases)."""
        if not self.latent_size:
            return []
        h, d = self.hidden, self.latent_size
        parts = [Tensor("fc1_latent_proj", "routed_experts", (d, h)), Tensor("fc2_latent_proj", "routed_experts", (h, d))]
        if self.latent_bias:
            parts += [Tensor("fc1_latent_proj.bias", "routed_experts", (d,)),
                      Tensor("fc2_latent_proj.bias", "routed_experts", (h,))]
        return parts
