"""Entry point: run the typer app and map errors to exit statuses.

0 success; 1 ``validate`` found problems; 2 unusable input (a bad spec, an
unknown model, a bad option). User errors never show a traceback.
"""

from __future__ import annotations

import os
import sys

# Pydantic scans every installed package's entry points for plugins on the
# first model build (~20 ms a command); archcmp uses none.
os.environ.setdefault("PYDANTIC_DISABLE_PLUGINS", "__all__")

try:  # typer >= 0.26 vendors its own copy of click
    from typer._click import exceptions as click_exceptions
except ImportError:  # pragma: no cover - older typer uses click itself
    from click import exceptions as click_exceptions
import typer

from archcmp.app import app
from archcmp.commands import register_for
from archcmp.errors import ArchcmpError


def main(argv: list[str] | None = None) -> int:
    register_for(sys.argv[1:] if argv is None else argv)
    try:
        status = app(args=argv, prog_name="archcmp", standalone_mode=False)
    except ArchcmpError as exc:
        for line in exc.lines():
            print(f"error: {line}" if not exc.problems else line, file=sys.stderr)
        return 2
    except typer.Abort:
        print("aborted", file=sys.stderr)
        return 130
    except click_exceptions.ClickException as exc:
        exc.show()
        return 2 if isinstance(exc, click_exceptions.UsageError) else exc.exit_code
    except BrokenPipeError:
        return 0
    return status if isinstance(status, int) else 0


def run() -> None:
    sys.exit(main())
