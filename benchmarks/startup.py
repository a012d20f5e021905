"""Whole-process speed of archcmp, measured as ratios, not asserted in tests.

1. `archcmp compare deepseek-v3 llama4-maverick` against the bare import of
   its libraries (`python -c "import typer, rich.table, rich.console,
   pydantic, yaml"`), run alternately in one session so that machine noise
   hits both alike; prints the median of the per-pair ratios (goal ≤ 1.3).
   ``import pydantic`` alone is lazy and loads almost nothing, so two more
   baselines show what the libraries cost when used: building one pydantic
   model, and a typer command that validates a model and prints a 60-row
   rich table (the floor for any command of this shape).
2. `archcmp validate` on 1,000 generated spec files (goal ≤ 2 s).

Usage: python benchmarks/startup.py [--rounds 21] [--command "params deepseek-v3"]
"""

from __future__ import annotations

import argparse
import shutil
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
    start = time.perf_counter()
    subprocess.run(argv, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    return time.perf_counter() - start


def archcmp_argv(command: str) -> list[str]:
    exe = shutil.which("archcmp")
    return ([exe] if exe else [sys.executable, "-m", "archcmp"]) + command.split()


def ratios(command: str, rounds: int) -> None:
    runs = {"ours": [], "bare": [], "model": [], "floor": []}
    floor_argv = [sys.executable, "-c", FLOOR, "compare", "a", "b"]
    for _ in range(rounds):  # alternate, so that machine noise hits all alike
        runs["bare"].append(wall([sys.executable, "-c", BASELINE]))
        runs["ours"].append(wall(archcmp_argv(command)))
        runs["model"].append(wall([sys.executable, "-c", BASELINE_MODEL]))
        runs["floor"].append(wall(floor_argv))
    ms = {k: statistics.median(v) * 1000 for k, v in runs.items()}
    ratio = {k: statistics.median(o / b for o, b in zip(runs["ours"], runs[k])) for k in ("bare", "model", "floor")}
    print(f"archcmp {command}: median {ms['ours']:.0f} ms")
    print(f"bare imports:                    median {ms['bare']:.0f} ms; ratio {ratio['bare']:.2f} (goal <= 1.3)")
    print(f"imports + a pydantic model:      median {ms['model']:.0f} ms; ratio {ratio['model']:.2f}")
    print(f"typer + pydantic + a rich table: median {ms['floor']:.0f} ms; ratio {ratio['floor']:.2f}")
    floor_ratio = statistics.median(f / b for f, b in zip(runs["floor"], runs["bare"]))
    print(f"(that floor alone is {floor_ratio:.2f} x the bare imports)")


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
    parser.add_argument("--command", default="compare deepseek-v3 llama4-maverick")
    args = parser.parse_args()
    ratios(args.command, args.rounds)
    validate_thousand()


if __name__ == "__main__":
    main()
