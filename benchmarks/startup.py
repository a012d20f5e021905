"""Whole-process speed of archcmp, measured as ratios, not asserted in tests.

1. Every analysis command (params, kvcache, flops, compare, diff, show,
   list, validate, fit, speed) against the floor of any command on this stack: a typer
   command that validates one pydantic model and prints a 60-row rich table
   (goal: each within 1.15x of it). All processes run alternately in one
   session, so that machine noise hits them alike, and each ratio is the
   median of the per-round ratios, of wall time and of CPU time (user +
   system of the process: steadier than wall time on a loaded machine). Two more baselines show what the
   libraries cost: their bare import (`import pydantic` alone is lazy and
   loads almost nothing) and the import plus building one pydantic model.
2. `archcmp validate` on 1,000 generated spec files (goal <= 2 s).

With ``--instructions`` the same ratios are counted in instructions under
valgrind's callgrind instead of timed: the same count for the same code
whatever else the machine runs (about 50x slower; each process runs once).

archcmp's modules are byte-compiled first, as `pip install` does (the
libraries of the floor are): with PYTHONDONTWRITEBYTECODE set, or in a fresh
checkout, every run would otherwise compile ~60 modules from source, about
100 ms that no installed copy pays.

Usage: python benchmarks/startup.py [--rounds 21] [--command "params deepseek-v3" ...]
"""

from __future__ import annotations

import argparse
import compileall
import os
import re
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
BASELINE = "import typer, rich.table, rich.console, pydantic, yaml"
BASELINE_MODEL = BASELINE + "; from pydantic import BaseModel\nclass M(BaseModel):\n    x: int\nM(x=1)"
# The least any such command does with these libraries: a typer command that
# validates one small pydantic model and prints a 60-row, 3-column rich table.
FLOOR = """
import typer, rich.table, rich.console, pydantic, yaml
from pydantic import BaseModel
app = typer.Typer()
class M(BaseModel):
    x: int
@app.command()
def compare(names: list[str], ctx: str = "32k") -> None:
    M(x=1)
    table = rich.table.Table("", *names)
    for i in range(60):
        table.add_row(f"row {i}", *(f"{i * 1000:,}" for _ in names))
    rich.console.Console().print(table)
@app.command()
def other() -> None:
    pass
app()
"""


def wall(argv: list[str]) -> float:
    return timed(argv)[0]


def timed(argv: list[str]) -> tuple[float, float]:
    """Wall and CPU seconds (user + system) of one process."""
    before, start = resource.getrusage(resource.RUSAGE_CHILDREN), time.perf_counter()
    subprocess.run(argv, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    elapsed, after = time.perf_counter() - start, resource.getrusage(resource.RUSAGE_CHILDREN)
    return elapsed, (after.ru_utime + after.ru_stime) - (before.ru_utime + before.ru_stime)


COMMANDS = (
    "params deepseek-v3",
    "kvcache deepseek-v3 --ctx 128k",
    "flops deepseek-v3 --ctx 32k",
    "compare deepseek-v3 llama4-maverick",
    "diff kimi-k2 deepseek-v3",
    "show deepseek-v3",
    "list",
    f"validate {REPO / 'specs'}",
    "fit deepseek-v3 --gpu h200-sxmx8 --weights fp8 --ctx 128k",
    "speed llama3.1-8b --gpu rtx-4090",
)


def archcmp_argv(command: str) -> list[str]:
    # The console script beside this interpreter, as pip installs it: not a
    # shim on PATH (pyenv's costs a bash process, ~50 ms, that is not ours).
    script = Path(sys.executable).parent / "archcmp"
    return ([str(script)] if script.exists() else [sys.executable, "-m", "archcmp"]) + command.split()


def ratios(commands: list[str], rounds: int) -> None:
    baselines = {"bare imports": [sys.executable, "-c", BASELINE],
                 "imports + a pydantic model": [sys.executable, "-c", BASELINE_MODEL],
                 "floor": [sys.executable, "-c", FLOOR, "compare", "a", "b"]}
    argvs = {**baselines, **{command: archcmp_argv(command) for command in commands}}
    runs: dict[str, list[tuple[float, float]]] = {name: [] for name in argvs}
    for _ in range(rounds):  # alternate, so that machine noise hits all alike
        for name, argv in argvs.items():
            runs[name].append(timed(argv))
    floor = runs["floor"]

    def ms(name: str, k: int) -> float:
        return statistics.median(t[k] for t in runs[name]) * 1000

    print(f"floor (typer + pydantic + a 60-row rich table): median {ms('floor', 0):.0f} ms wall, "
          f"{ms('floor', 1):.0f} ms CPU")
    print(f"{'':<45} {'wall':>7} {'CPU':>7}   x floor: wall   CPU")
    for name in argvs:
        if name == "floor":
            continue
        wall_ratio, cpu_ratio = (statistics.median(t[k] / f[k] for t, f in zip(runs[name], floor)) for k in (0, 1))
        goal = "   (goal <= 1.15)" if name in commands else ""
        label = name if name in baselines else f"archcmp {name}"
        print(f"{label:<45} {ms(name, 0):4.0f} ms {ms(name, 1):4.0f} ms          {wall_ratio:.2f}  {cpu_ratio:.2f}{goal}")


def instructions(argv: list[str]) -> int:
    """Instructions one process executes, counted by callgrind (hash seed
    fixed, so that dict and set layouts repeat)."""
    env = {**os.environ, "PYTHONHASHSEED": "0"}
    done = subprocess.run(["valgrind", "--tool=callgrind", "--callgrind-out-file=/dev/null", *argv],
                          check=True, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True, env=env)
    return int(re.search(r"Collected : (\d+)", done.stderr).group(1))


def instruction_ratios(commands: list[str]) -> None:
    """Each process once (a count does not vary), on every core at once;
    archcmp's once before, so that its validator cache is warm."""
    from concurrent.futures import ThreadPoolExecutor

    subprocess.run(archcmp_argv(commands[0]), check=True, stdout=subprocess.DEVNULL)
    argvs = [[sys.executable, "-c", FLOOR, "compare", "a", "b"]] + [archcmp_argv(c) for c in commands]
    with ThreadPoolExecutor(os.cpu_count()) as pool:
        floor, *counts = pool.map(instructions, argvs)
    print(f"floor (typer + pydantic + a 60-row rich table): {floor / 1e6:,.0f} M instructions")
    for command, count in zip(commands, counts):
        print(f"{'archcmp ' + command:<68} {count / 1e6:6,.0f} M   {count / floor:.3f} x floor   (goal <= 1.15)")


def validate_thousand() -> None:
    source = (REPO / "specs" / "deepseek-v3.yaml").read_text()
    with tempfile.TemporaryDirectory() as tmp:
        for i in range(1000):
            text = source.replace("id: deepseek-v3", f"id: generated-{i}").replace("aliases: [deepseek]", "")
            Path(tmp, f"generated-{i}.yaml").write_text(text)
        seconds = min(wall(archcmp_argv(f"validate {tmp}")) for _ in range(3))
    print(f"archcmp validate on 1,000 spec files: {seconds:.2f} s (goal <= 2 s)")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=21)
    parser.add_argument("--command", action="append", help="measure only these (repeatable)")
    parser.add_argument("--instructions", action="store_true",
                        help="count instructions under valgrind instead of timing")
    parser.add_argument("--skip-thousand", action="store_true", help="skip validate on 1,000 files")
    args = parser.parse_args()
    compileall.compile_dir(REPO / "archcmp", quiet=1)
    if args.instructions:
        instruction_ratios(args.command or list(COMMANDS))
        return
    ratios(args.command or list(COMMANDS), args.rounds)
    if not args.skip_thousand:
        validate_thousand()


if __name__ == "__main__":
    main()
