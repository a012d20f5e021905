"""Whole-process speed of archcmp, measured as ratios, not asserted in tests.

1. `archcmp compare deepseek-v3 llama4-maverick` against the bare import of
   its libraries (`python -c "import typer, rich.table, rich.console,
   pydantic, yaml"`), run alternately in one session so that machine noise
   hits both alike; prints the median of the per-pair ratios (goal ≤ 1.3).
   A second baseline also builds a pydantic model, since ``import pydantic``
   alone is lazy and loads almost nothing.
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


def wall(argv: list[str]) -> float:
    start = time.perf_counter()
    subprocess.run(argv, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    return time.perf_counter() - start


def archcmp_argv(command: str) -> list[str]:
    exe = shutil.which("archcmp")
    return ([exe] if exe else [sys.executable, "-m", "archcmp"]) + command.split()


def ratios(command: str, rounds: int) -> None:
    ours, base, base_model = [], [], []
    for _ in range(rounds):
        base.append(wall([sys.executable, "-c", BASELINE]))
        ours.append(wall(archcmp_argv(command)))
        base_model.append(wall([sys.executable, "-c", BASELINE_MODEL]))
    per_pair = [o / b for o, b in zip(ours, base)]
    per_pair_model = [o / b for o, b in zip(ours, base_model)]
    print(f"archcmp {command}: median {statistics.median(ours) * 1000:.0f} ms")
    print(f"bare imports:          median {statistics.median(base) * 1000:.0f} ms")
    print(f"imports + a BaseModel: median {statistics.median(base_model) * 1000:.0f} ms")
    print(f"ratio vs bare imports:          {statistics.median(per_pair):.2f} (goal <= 1.3)")
    print(f"ratio vs imports + a BaseModel: {statistics.median(per_pair_model):.2f}")


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
