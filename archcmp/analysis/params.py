"""Parameter counts, exactly as Hugging Face transformers instantiates them.

Every weight, bias and norm weight is counted; a tied output head is counted
once (in ``embedding``); buffers (rotary tables, DeepSeek's router
correction bias) are not parameters. Active parameters count the routed
experts as ``experts_per_token`` of ``num_experts`` and everything else in
full (DeepSeek-V3 technical report, arXiv:2412.19437, §1: 37B of 671B).

The count is a sum over the tensors each kind lists (:mod:`archcmp.kinds`);
component names are those of ``shared/reference/expected_params.json``.
"""

from __future__ import annotations

from dataclasses import field

from archcmp.kinds.base import OPTIONAL_PARAM_COMPONENTS, PARAM_COMPONENTS, Tensor, with_optional
from archcmp.plan import Plan, expand
from archcmp.record import record
from archcmp.schema import ModelSpec

COMPONENTS = PARAM_COMPONENTS


@record
class ParamsResult:
    model: str
    total_params: int
    active_params: int
    active_params_excl_embedding: int
    components: dict[str, int]
    active_components: dict[str, int]
    optional_modules: dict[str, int] = field(default_factory=dict)

    @property
    def active_share(self) -> float:
        return self.active_params / self.total_params

    @property
    def embedding_share(self) -> float:
        return self.components["embedding"] / self.total_params

    def to_json(self) -> dict:
        return {
            "model": self.model,
            "total_params": self.total_params,
            "active_params": self.active_params,
            "active_params_excl_embedding": self.active_params_excl_embedding,
            "components": dict(self.components),
            "active_components": dict(self.active_components),
            "optional_modules": dict(self.optional_modules),
        }


def count_params(spec: ModelSpec, plan: Plan | None = None) -> ParamsResult:
    plan = plan or expand(spec)
    total, active = dict.fromkeys(COMPONENTS, 0), dict.fromkeys(COMPONENTS, 0)
    _add(total, active, plan.model_tensors, 1)
    for block, repeats in plan.distinct_blocks():
        _add(total, active, block.tensors(), repeats)
    total = with_optional(total, COMPONENTS, OPTIONAL_PARAM_COMPONENTS)
    active = with_optional(active, COMPONENTS, OPTIONAL_PARAM_COMPONENTS)
    active_sum = sum(active.values())
    return ParamsResult(
        model=spec.id,
        total_params=sum(total.values()),
        active_params=active_sum,
        active_params_excl_embedding=active_sum - total["embedding"],
        components=total,
        active_components=active,
        optional_modules=_optional_modules(spec, plan),
    )


def _add(total: dict[str, int], active: dict[str, int], tensors: tuple[Tensor, ...], repeats: int) -> None:
    for tensor in tensors:
        total[tensor.component] = total.get(tensor.component, 0) + repeats * tensor.elements
        active[tensor.component] = active.get(tensor.component, 0) + repeats * tensor.active_elements


def _optional_modules(spec: ModelSpec, plan: Plan) -> dict[str, int]:
    """DeepSeek-V3's MTP module (arXiv:2412.19437, §2.2): one block like the
    last layer (DeepSeek-V4's: attending as ``attention.mtp_layer`` says), ``eh_proj`` (2h → h) and three norms (``enorm``, ``hnorm``
    and the shared head's); embedding and output head are shared with the
    main model. Nemotron-H's (vLLM ``NemotronHMultiTokenPredictor``): its
    list of blocks, ``enorm``/``hnorm``/``eh_proj`` before the first and a
    ``final_layernorm`` after the last — the same extra tensors."""
    if spec.mtp is None:
        return {}
    blocks = plan.mtp_module_blocks()
    norms = [t for t in blocks[-1].norms.norm.tensors("enorm", spec.hidden_size)]
    block = sum(t.elements for b in blocks for t in b.tensors())
    # DeepSeek-V4's MTP block collapses its streams with an hc_head of its own
    hyper = sum(t.elements for t in plan.model_tensors if t.component == "hyper_connections")
    per_module = block + 2 * spec.hidden_size ** 2 + 3 * sum(t.elements for t in norms) + hyper
    return {"mtp": spec.mtp.num_modules * per_module}
