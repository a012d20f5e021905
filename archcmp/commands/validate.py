"""``archcmp validate`` (the CI check on spec files) and ``archcmp schema``."""

import sys
from pathlib import Path
from typing import Annotated

import typer

from archcmp.app import app


@app.command()
def validate(
    paths: Annotated[list[Path], typer.Argument(help="Spec files or directories of them.")],
) -> None:
    """Check spec files; print every problem as file:line:col: field: message.

    Exit 0 when all are valid, 1 when some are not, 2 for unusable arguments."""
    from archcmp.validate import validate as run_validate

    report = run_validate(paths)
    for problem in report.problems:
        print(problem)
    n = len(report.files)
    if report.problems:
        print(f"{report.bad_files} of {n} spec file(s) have problems ({len(report.problems)} in all)",
              file=sys.stderr)
        raise typer.Exit(1)
    print(f"{n} spec file(s) valid", file=sys.stderr)


@app.command()
def schema() -> None:
    """Print the JSON Schema of a spec file (for editors: see the README)."""
    import json

    from archcmp.schema import json_schema

    print(json.dumps(json_schema(), indent=2))
