"""One module per command family; importing a module registers its commands."""

import importlib

COMMAND_MODULES = ("params", "catalog", "validate", "hfconfig", "kvcache", "flops", "compare", "pictures", "gpus",
                   "fit", "speed")

# The module of each command, so that a run imports, and typer builds, only
# the command it runs: building every command's options costs ~20 ms a run.
# A command missing here still works (every module is registered); the
# tests check that each is listed.
COMMANDS = {
    "params": "params", "list": "catalog", "show": "catalog", "validate": "validate", "schema": "validate",
    "import": "hfconfig", "export": "hfconfig", "kvcache": "kvcache", "flops": "flops", "compare": "compare",
    "diff": "compare", "draw": "pictures", "plot": "pictures", "report": "pictures", "gpus": "gpus", "fit": "fit",
    "speed": "speed",
}


def register_all() -> None:
    for name in COMMAND_MODULES:
        importlib.import_module(f"archcmp.commands.{name}")


def register_for(argv: list[str]) -> None:
    """Register the command ``argv`` runs; every command for anything else
    (``--help``, no command, a misspelt one, which typer then suggests)."""
    name = next((arg for arg in argv if not arg.startswith("-")), None)
    if name in COMMANDS:
        importlib.import_module(f"archcmp.commands.{COMMANDS[name]}")
    else:
        register_all()
