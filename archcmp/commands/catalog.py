"""``archcmp list`` and ``archcmp show``: what is bundled, and one model's card."""

from typing import Annotated

import typer

from archcmp.app import ActiveExclEmbeddingOption, FormatOption, SpecsOption, app, registry, resolve_all


@app.command("list")
def list_models(
    format: FormatOption = "table",
    specs: SpecsOption = None,
    active_excl_embedding: ActiveExclEmbeddingOption = False,
) -> None:
    """Every known model: id, family, total/active parameters, attention, release."""
    from archcmp.analysis.catalog import catalog_row
    from archcmp.analysis.factvalues import jsonable
    from archcmp.render.card_view import list_table
    from archcmp.render.tabular import emit

    rows = [catalog_row(spec, active_excl_embedding) for spec in registry(specs).all()]
    emit([list_table(rows, raw=format == "csv", active_excl_embedding=active_excl_embedding)], format,
         jsonable(rows))


@app.command()
def show(
    models: Annotated[list[str], typer.Argument(help="Spec ids, aliases or paths.")],
    format: FormatOption = "table",
    specs: SpecsOption = None,
    active_excl_embedding: ActiveExclEmbeddingOption = False,
) -> None:
    """A model's architecture card: attention, norms, positions, MoE layout, counts."""
    from archcmp.analysis.facts import card
    from archcmp.analysis.factvalues import jsonable
    from archcmp.analysis.params import count_params
    from archcmp.plan import expand
    from archcmp.render.card_view import card_table
    from archcmp.render.tabular import emit

    cards = []
    for spec in resolve_all(specs, models):
        plan = expand(spec)
        counts = count_params(spec, plan)
        cards.append((spec, counts, card(spec, counts, active_excl_embedding, plan)))
    emit(lambda: [card_table(f"{spec.id} — {spec.name}", facts, raw=format == "csv") for spec, _, facts in cards],
         format,
         lambda: [{"model": spec.id, "spec": spec.model_dump(mode="json", exclude_none=True),
                   "params": counts.to_json(), "facts": {f.name: jsonable(f.value) for f in facts}}
                  for spec, counts, facts in cards])
