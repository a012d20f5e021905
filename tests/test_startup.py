"""What a run loads (not how long it takes: benchmarks/startup.py measures
that): machine formats need no rich, and a run builds only its command."""

from __future__ import annotations

import subprocess
import sys


def test_json_and_csv_do_not_import_rich():
    """Not timed: rich costs ~40 ms to import, and machine formats need none of it."""
    script = """
import contextlib, io, sys
from archcmp.cli import main
commands = [["params", "deepseek-v3"], ["kvcache", "gemma3", "--per-layer"], ["flops", "gpt2", "--ctx", "1k"],
            ["compare", "gpt2", "qwen3-8b"], ["diff", "gpt2", "qwen3-8b"], ["show", "gpt2"], ["list"]]
with contextlib.redirect_stdout(io.StringIO()):
    for argv in commands:
        for fmt in ("json", "csv"):
            assert main(argv + ["--format", fmt]) == 0, argv
print(sorted(name for name in sys.modules if name == "rich" or name.startswith("rich.")))
"""
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, check=True)
    assert done.stdout.strip() == "[]"


def test_every_command_is_in_the_table_of_command_modules():
    """A run registers only the command it runs (archcmp.commands.COMMANDS);
    a command left out would still run, after registering every module."""
    from archcmp.app import app
    from archcmp.commands import COMMANDS, register_all

    register_all()
    names = {info.name or info.callback.__name__ for info in app.registered_commands}
    assert names == set(COMMANDS)
    for info in app.registered_commands:
        name = info.name or info.callback.__name__
        assert info.callback.__module__ == f"archcmp.commands.{COMMANDS[name]}", name


def test_a_run_imports_only_its_command():
    script = """
import contextlib, io, sys
from archcmp.cli import main
with contextlib.redirect_stdout(io.StringIO()):
    assert main(["params", "gpt2", "--format", "json"]) == 0
print(sorted(m for m in sys.modules if m.startswith("archcmp.commands.")))
"""
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, check=True)
    assert done.stdout.strip() == "['archcmp.commands.params']"
