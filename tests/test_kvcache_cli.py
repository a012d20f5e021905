"""``archcmp kvcache`` through the CLI: formats, sweeps, budget, errors, and
every bundled spec."""

from __future__ import annotations

import json
import re

import pytest
from testpaths import bundled_ids


def _json(run, *argv: str) -> list[dict]:
    status, out, err = run("kvcache", *argv, "--format", "json")
    assert status == 0 and err == ""
    return json.loads(out)


def test_the_users_example(run):
    status, out, err = run("kvcache", "gemma3", "--ctx", "128k")
    assert status == 0 and err == ""
    assert "gemma3-27b" in out and "10.4 GiB" in out and "81,920 B" in out
    # what each kind of layer holds: its own table, a row per kind
    by_kind = out[out.index("KV cache by layer kind"):].splitlines()
    rows = [line.split() for line in by_kind if line.startswith("gemma3-27b")]
    assert rows == [["gemma3-27b", "128k", "sliding", "52", "1k", "416.0", "MiB"],
                    ["gemma3-27b", "128k", "full", "10", "128k", "10.0", "GiB"]]


def test_json_fields_and_reference_figures(run):
    deepseek, gemma = _json(run, "deepseek-v3", "gemma3-27b", "--ctx", "128k")
    assert deepseek["kv_bytes"] == 9_210_691_584 and gemma["kv_bytes"] == 11_173_625_856
    assert deepseek["kv_bytes_per_token_full_layers"] == 70_272
    assert (deepseek["context"], deepseek["batch"], deepseek["dtype"]) == (131_072, 1, "bf16")
    assert deepseek["mla_naive_kv_bytes"] == 61 * 131_072 * 128 * (128 + 64 + 128) * 2
    assert gemma["mla_naive_kv_bytes"] is None
    assert gemma["mha_equivalent_bytes"] == 62 * 131_072 * 2 * 32 * 128 * 2
    layer = gemma["layers"][0]
    assert {"index", "attention", "cached_tokens", "bytes"} <= set(layer)
    assert (layer["attention"], layer["cached_tokens"], layer["bytes"]) == ("sliding", 1024, 1024 * 8192)
    # 5 sliding : 1 full over 62 layers: 52 sliding layers hold 1024 tokens, 10 full ones all of them
    sliding = [layer["bytes"] for layer in gemma["layers"] if layer["attention"] == "sliding"]
    full = [layer["bytes"] for layer in gemma["layers"] if layer["attention"] == "full"]
    assert (len(sliding), set(sliding), len(full), set(full)) == (52, {1024 * 8192}, 10, {131_072 * 8192})


def test_default_context_is_128k(run):
    assert [row["context"] for row in _json(run, "qwen3-8b")] == [131_072]


@pytest.mark.parametrize("ctx, expected", [
    ("4096", [4096]),
    ("4k,32k,128k", [4096, 32_768, 131_072]),
    ("4k..16k", [4096, 8192, 16_384]),
    ("1M", [1_048_576]),
])
def test_context_sweeps_give_one_row_per_model_and_context(run, ctx, expected):
    models = ("qwen3-8b", "gemma3-27b")
    rows = _json(run, *models, "--ctx", ctx)
    assert [(r["model"], r["context"]) for r in rows] == [(m, c) for m in models for c in expected]


def test_batch_and_dtype(run):
    (row,) = _json(run, "qwen3-8b", "--ctx", "4k", "--batch", "8", "--dtype", "fp8")
    assert row["kv_bytes"] == 8 * 36 * 4096 * 2 * 8 * 128 * 1
    assert (row["batch"], row["dtype"]) == (8, "fp8")


def test_budget(run):
    (row,) = _json(run, "deepseek-v3", "--ctx", "128k", "--budget", "80GiB")
    assert row["budget_bytes"] == 80 * 2**30
    assert row["budget_max_batch"] == 80 * 2**30 // 9_210_691_584 == 9
    assert row["budget_max_context"] == 80 * 2**30 // 70_272
    status, out, _ = run("kvcache", "deepseek-v3", "--budget", "80GiB")
    assert status == 0 and "max context in 80.0 GiB" in out and "1,222,383 (> 160k max)" in out


@pytest.mark.parametrize("fmt", ["csv", "md"])
def test_other_formats(run, fmt):
    status, out, _ = run("kvcache", "gemma3", "deepseek-v3", "--ctx", "128k", "--format", fmt)
    assert status == 0
    if fmt == "csv":
        assert out.splitlines()[1].startswith("gemma3-27b,131072,81920,11173625856,")
    else:
        assert "| deepseek-v3 | 128k | 70,272 B | 8.6 GiB |" in out


def test_context_beyond_max_context_is_marked(run):
    status, out, _ = run("kvcache", "gemma3n-e4b", "--ctx", "128k")
    assert status == 0 and "128k*" in out and "beyond the model's max_context: gemma3n-e4b" in out


@pytest.mark.parametrize("option, value, message", [
    ("--ctx", "0", "error: bad context length '0': must be between 1 and 1,073,741,824 tokens"),
    ("--ctx", "12q", "error: bad context length '12q': expected a whole number of tokens such as 4096, 32k, "
                     "128k or 1M"),
    ("--dtype", "fp4", "error: bad dtype 'fp4': expected one of bf16, fp16, fp32, fp8, int8, int4"),
    ("--batch", "0", "error: bad batch '0': must be a positive whole number"),
    ("--batch", "two", "error: bad batch 'two': expected a number such as 1000, 2.5e12, 671B or 15T"),
    ("--budget", "0", "error: bad budget '0': must be at least one byte"),
    ("--budget", "lots", "error: bad budget 'lots': expected bytes such as 80GiB, 24GB or 1.5TiB"),
])
def test_bad_options_exit_2_with_one_line(run, option, value, message):
    status, out, err = run("kvcache", "gemma3", option, value)
    assert (status, out, err.strip()) == (2, "", message)


# vLLM caches DeepSeek-V4 only in fp8_ds_mla: a bf16 request has no exact answer (tests/test_sparse.py)
FP8_ONLY = {"deepseek-v4-flash", "deepseek-v4-pro"}


@pytest.mark.parametrize("model", bundled_ids())
def test_every_bundled_spec(run, model):
    (row,) = _json(run, model, "--ctx", "32k", *(("--dtype", "fp8") if model in FP8_ONLY else ()))
    layers = row["layers"]
    assert row["kv_bytes"] > 0
    assert all(layer["bytes"] == 0 for layer in layers if layer["kv_source"] != layer["index"])
    assert all(layer["cached_tokens"] <= row["context"] for layer in layers)
    full = [layer for layer in layers if layer["window"] is None and layer["kv_source"] == layer["index"]]
    if model not in FP8_ONLY:  # V4's windowed layers grow too, by their compressed entries
        growing = sum(layer["bytes"] - sum(part["bytes"] for part in layer["state"]) for layer in full)
        assert growing == row["kv_bytes_per_token_full_layers"] * row["context"]  # a linear layer's state is fixed
    assert row["state_bytes"] == sum(part["bytes"] for layer in layers for part in layer["state"])
    assert row["kv_bytes"] <= row["mha_equivalent_bytes"]


def test_hybrid_beside_mla_splits_rather_than_wrapping_bytes(run, monkeypatch):
    """Fixed state and MLA naive together are nine columns, more than 80
    characters hold: the table splits, model and context repeated, and no
    byte figure breaks between number and unit."""
    monkeypatch.setenv("COLUMNS", "80")
    status, out, _ = run("kvcache", "qwen3.5-397b-a17b", "deepseek-v3", "--ctx", "4k")
    lines = out.splitlines()
    assert status == 0 and max(map(len, lines)) <= 80
    assert re.search(r"^qwen3\.5-397b-a17b +4k +30,720 B +183\.2 MiB +303\.2 MiB ", out, re.M)
    assert re.search(r"^deepseek-v3 +4k +19\.1 GiB$", out, re.M)  # MLA naive, in the second table
    assert not any(re.match(r"^ +(MiB|GiB|B)\b", line) for line in lines)
