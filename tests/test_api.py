"""The library API: what `import archcmp` offers, lazily."""

from __future__ import annotations

import subprocess
import sys

import archcmp


def test_public_api_round_trip():
    spec = archcmp.resolve("deepseek")
    assert spec.id == "deepseek-v3"
    assert archcmp.count_params(spec).total_params == 671_026_404_352
    assert archcmp.kv_cache(spec, 131072).kv_bytes == 9_210_691_584
    assert archcmp.count_flops(spec, 4096).prefill.total > 0
    comparison = archcmp.compare([spec, archcmp.resolve("kimi-k2")], 4096)
    assert archcmp.diff(comparison).after == "kimi-k2"


def test_import_archcmp_loads_no_heavy_module():
    code = "import sys, archcmp; print(sorted(m for m in ('pydantic', 'typer', 'rich', 'yaml') if m in sys.modules))"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "[]"
