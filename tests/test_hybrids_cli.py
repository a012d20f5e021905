"""The views of hybrids: kvcache's fixed state apart from per-token bytes,
--per-layer state tensors, --state-dtype, compare and show in the write-ups'
words, flops' linear mixing apart from softmax attention."""

from __future__ import annotations

import json

import pytest


def _json(run, *argv):
    status, out, err = run(*argv, "--format", "json")
    assert (status, err) == (0, "")
    return json.loads(out)


def test_kvcache_reports_per_token_state_and_total(run):
    (row,) = _json(run, "kvcache", "qwen3-next-80b-a3b", "--ctx", "4k")
    assert row["kv_bytes_per_token_all_layers"] == 12 * 2 * 2 * 256 * 2  # 12 full layers, K+V of 2 heads x 256
    assert row["state_bytes"] == 36 * (3 * 8192 * 2 + 32 * 128 * 128 * 2)  # vLLM: K-1 columns, state in bf16
    assert row["kv_bytes"] == row["state_bytes"] + 4096 * row["kv_bytes_per_token_all_layers"]


def test_kvcache_state_dtype_override(run):
    (plain,) = _json(run, "kvcache", "qwen3-next-80b-a3b", "--ctx", "4k")
    (fp32,) = _json(run, "kvcache", "qwen3-next-80b-a3b", "--ctx", "4k", "--state-dtype", "fp32")
    assert fp32["state_bytes"] - plain["state_bytes"] == 36 * 32 * 128 * 128 * 2  # 2 more bytes per element
    assert fp32["state_dtype"] == "fp32"


def test_kvcache_bad_state_dtype_exits_2(run):
    status, out, err = run("kvcache", "qwen3-next-80b-a3b", "--state-dtype", "fp4")
    assert (status, out, err.strip()) == (2, "", "error: bad --state-dtype 'fp4': expected bf16 or fp16 or fp32")


def test_per_layer_table_shows_state_tensors(run):
    status, out, _ = run("kvcache", "nemotron-3-nano-30b-a3b", "--ctx", "4k", "--per-layer",
                         "--convention", "transformers")
    assert status == 0
    assert "fixed state by layer (transformers" in out
    rows = [line.split() for line in out.splitlines() if line.startswith("0 ")]
    assert ["0", "mamba2", "conv_state", "6144", "×", "4", "bf16", "48.0", "KiB"] in rows
    assert ["0", "mamba2", "recurrent_state", "64", "×", "64", "×", "128", "fp32", "2.0", "MiB"] in rows


def test_kvcache_table_has_a_fixed_state_column(run):
    status, out, _ = run("kvcache", "qwen3.5-397b-a17b", "deepseek-v3", "--ctx", "4k..1M")
    assert status == 0
    assert "fixed state" in out
    assert ["qwen3.5-397b-a17b", "4k", "30,720", "B", "183.2", "MiB", "303.2", "MiB"] in [
        line.split()[:8] for line in out.splitlines()]
    assert ["qwen3.5-397b-a17b", "1M", "gated_deltanet", "45", "0", "183.2", "MiB"] in [
        line.split() for line in out.splitlines()]


def test_show_names_layout_heads_and_state(run):
    status, out, _ = run("show", "qwen3-next-80b-a3b")
    assert status == 0
    assert "36 Gated DeltaNet + 12 gated attention (GQA), 3:1" in out
    assert "16 q/k heads × 128, 32 v heads × 128" in out
    assert "1.0 MiB per layer, constant" in out


@pytest.mark.parametrize("model, layout", [
    ("kimi-linear-48b-a3b", "20 KDA + 7 MLA, 20:7"),
    ("nemotron-3-nano-30b-a3b", "23 Mamba-2 + 6 GQA + 23 MoE blocks, 23:6"),
    ("qwen3.5-397b-a17b", "45 Gated DeltaNet + 15 gated attention (GQA), 3:1"),
])
def test_layouts(run, model, layout):
    assert layout in run("show", model)[1]


def test_compare_hybrid_with_a_transformer(run):
    data = _json(run, "compare", "qwen3-next-80b-a3b", "qwen3-30b-a3b")
    next_, dense = data["qwen3-next-80b-a3b"], data["qwen3-30b-a3b"]
    assert next_["kv_state_bytes"] > 0 and dense["kv_state_bytes"] == 0
    assert next_["prefill_linear_mixer_flops_per_token"] > 0 and dense["prefill_linear_mixer_flops_per_token"] == 0
    assert dense["layer_mix"] is None
    assert next_["convention"] == "vllm"


def test_compare_convention_changes_the_state(run):
    vllm = _json(run, "compare", "kimi-linear-48b-a3b", "deepseek-v3")["kimi-linear-48b-a3b"]
    hf = _json(run, "compare", "kimi-linear-48b-a3b", "deepseek-v3", "--convention", "transformers")
    assert hf["kimi-linear-48b-a3b"]["kv_state_bytes"] - vllm["kv_state_bytes"] == 20 * 12288 * 2  # one more column


def test_flops_keep_linear_mixing_apart(run):
    (short,) = _json(run, "flops", "qwen3-next-80b-a3b", "--ctx", "32k")
    (long,) = _json(run, "flops", "qwen3-next-80b-a3b", "--ctx", "128k")
    # linear mixing grows 4x with 4x the context; softmax attention ~16x
    assert long["prefill_linear_mixer_core_flops"] == 4 * short["prefill_linear_mixer_core_flops"]
    assert long["prefill_attention_flops"] > 15.9 * short["prefill_attention_flops"]
    total = long["prefill_linear_flops"] + long["prefill_attention_flops"] + long["prefill_linear_mixer_core_flops"]
    assert total == long["prefill_flops"]


def test_diff_names_what_the_hybrid_changes(run):
    status, out, _ = run("diff", "qwen3-30b-a3b", "qwen3-next-80b-a3b")
    assert status == 0
    assert "layer mix: — → 36 Gated DeltaNet + 12 gated attention (GQA), 3:1" in out
    assert "fixed state at any context (bf16): 0 B → 37.7 MiB" in out
