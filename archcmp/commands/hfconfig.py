"""``archcmp import`` and ``archcmp export``: Hugging Face config.json in and out."""

import sys
from pathlib import Path
from typing import Annotated

import typer

from archcmp.app import SpecsOption, app, resolve_all

OutputOption = Annotated[
    Path | None, typer.Option("--output", "-o", help="Write here (atomically) instead of to stdout.")]
ForceOption = Annotated[bool, typer.Option("--force", help="Overwrite an existing --output file.")]


@app.command("import")
def import_config(
    config: Annotated[Path, typer.Argument(help="A local config.json (or a folder holding one).")],
    output: OutputOption = None,
    id: Annotated[str | None, typer.Option("--id", help="Spec id (default: the model folder's name).")] = None,
    force: ForceOption = False,
) -> None:
    """A spec YAML from a Hugging Face config.json, defaults filled in as transformers fills them."""
    from archcmp.hf.importer import import_file

    imported = import_file(config, id)
    for warning in imported.warnings:
        print(f"warning: {warning}", file=sys.stderr)
    _emit(imported.yaml, output, force)


@app.command("export")
def export_config(
    model: Annotated[str, typer.Argument(help="Spec id, alias or path to a YAML file.")],
    output: OutputOption = None,
    force: ForceOption = False,
    model_type: Annotated[str | None, typer.Option(
        "--model-type", help="transformers model_type to write (default: the spec's hf_model_type, "
                             "else the first family that expresses the spec exactly).")] = None,
    specs: SpecsOption = None,
) -> None:
    """A config.json that transformers builds this spec's model from."""
    from archcmp.hf.exporter import export_spec

    (spec,) = resolve_all(specs, [model])
    _emit(export_spec(spec, model_type).to_json(), output, force)


def _emit(text: str, output: Path | None, force: bool) -> None:
    if output is None:
        sys.stdout.write(text)
        return
    from archcmp.hf.files import write_atomic

    write_atomic(output, text, force)
