"""What ``list`` says of each model: its names, counts and attention layout,
as data; and the order ``compare --family`` lays a family out in."""

from __future__ import annotations

from archcmp.analysis.factvalues import attention_layout
from archcmp.analysis.params import count_params
from archcmp.plan import expand
from archcmp.schema import ModelSpec


def catalog_row(spec: ModelSpec, active_excl_embedding: bool = False) -> dict:
    """``active_params`` is the figure without input embeddings when asked."""
    plan = expand(spec)
    counts = count_params(spec, plan)
    return {
        "id": spec.id, "name": spec.name, "family": spec.family, "aliases": spec.aliases,
        "total_params": counts.total_params,
        "active_params": counts.active_params_excl_embedding if active_excl_embedding else counts.active_params,
        "attention": attention_layout(spec.attention.kind, plan),
        "release_date": spec.release_date.isoformat() if spec.release_date else None,
    }


def smallest_first(specs: list[ModelSpec]) -> list[ModelSpec]:
    return sorted(specs, key=lambda spec: count_params(spec).total_params)
