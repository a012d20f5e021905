"""One module per command family; importing a module registers its commands."""

from __future__ import annotations

import importlib

COMMAND_MODULES = ("params", "catalog", "validate", "hfconfig", "kvcache", "flops", "compare", "pictures", "gpus",
                   "fit", "speed")


def register_all() -> None:
    for name in COMMAND_MODULES:
        importlib.import_module(f"archcmp.commands.{name}")
