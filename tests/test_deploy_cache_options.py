"""`fit` and `speed` take `--convention` and `--state-dtype` as `kvcache`
does: the fixed state and the window per GPU follow them, figures by hand."""

from __future__ import annotations

import json

import pytest

QWEN35 = ("qwen3.5-397b-a17b", "--gpu", "h100-sxmx8", "--ctx", "128k", "--batch", "4", "--format", "json")
# 45 Gated DeltaNet layers, TP 8 splits each layer's heads, 4 sequences:
# conv channels 2 · 16 · 128 + 64 · 128 = 12,288, bf16; recurrent 64 × 128 × 128.
VLLM_STATE = 45 * (3 * 12_288 * 2 + 64 * 128 * 128 * 4) // 8 * 4  # K−1 conv columns, fp32 state
TRANSFORMERS_STATE = 45 * (4 * 12_288 * 2 + 64 * 128 * 128 * 4) // 8 * 4  # K columns
BF16_STATE = 45 * (3 * 12_288 * 2 + 64 * 128 * 128 * 2) // 8 * 4


def _json(run, *argv):
    status, out, err = run(*argv)
    assert (status, err) == (0, "")
    return json.loads(out)[0]


@pytest.mark.parametrize("options, state", [((), VLLM_STATE), (("--convention", "vllm"), VLLM_STATE),
                                            (("--convention", "transformers"), TRANSFORMERS_STATE),
                                            (("--state-dtype", "bf16"), BF16_STATE)])
def test_fit_state_follows_the_convention(run, options, state):
    got = _json(run, "fit", *QWEN35, *options)
    assert got["state_bytes_per_gpu"] == state
    assert (got["convention"], got["state_dtype"]) == (dict(zip(options[::2], options[1::2])).get(
        "--convention", "vllm"), dict(zip(options[::2], options[1::2])).get("--state-dtype"))


def test_fit_sliding_window_holds_one_token_less_under_transformers(run):
    """Gemma 3 1B: 22 of 26 layers slide over 512 tokens, 1 KV head × 256,
    K and V, bf16; at 4k vLLM holds 512 tokens there, transformers 511."""
    argv = ("fit", "gemma3-1b", "--gpu", "h100-sxm", "--ctx", "4k", "--format", "json")
    vllm = _json(run, *argv)["kv_bytes_per_gpu"]
    transformers = _json(run, *argv, "--convention", "transformers")["kv_bytes_per_gpu"]
    assert vllm - transformers == 22 * 2 * 256 * 2


def test_speed_reads_the_state_it_is_told(run):
    got = _json(run, "speed", "qwen3.5-397b-a17b", "--gpu", "h100-sxmx8", "--convention", "transformers",
                "--state-dtype", "fp16", "--format", "json")
    assert (got["convention"], got["state_dtype"]) == ("transformers", "fp16")


@pytest.mark.parametrize("command", ["fit", "speed"])
@pytest.mark.parametrize("option, value, message", [
    ("--convention", "sglang", "bad --convention 'sglang': expected vllm or transformers"),
    ("--state-dtype", "fp8", "bad --state-dtype 'fp8': expected bf16 or fp16 or fp32")])
def test_bad_cache_options(run, command, option, value, message):
    status, _, err = run(command, "qwen3.5-397b-a17b", "--gpu", "h100-sxmx8", option, value)
    assert (status, err) == (2, f"error: {message}\n")


def test_kvcache_and_compare_gpu_rows_hold_the_convention_they_count(run):
    """kvcache --gpu: what one GPU holds grows by the transformers convention's
    extra conv column (its full-attention layers cache the same K/V)."""
    argv = ("kvcache", "qwen3.5-397b-a17b", "--ctx", "128k", "--batch", "4", "--gpu", "h100-sxmx8",
            "--format", "json")
    vllm = _json(run, *argv)["on_gpu"]["total_bytes_per_gpu"]
    transformers = _json(run, *argv, "--convention", "transformers")["on_gpu"]["total_bytes_per_gpu"]
    assert transformers - vllm == TRANSFORMERS_STATE - VLLM_STATE == 45 * 12_288 * 2 // 8 * 4
    status, _, err = run("compare", "qwen3.5-397b-a17b", "qwen3-next-80b-a3b", "--gpu", "h100-sxmx8",
                         "--convention", "transformers", "--state-dtype", "bf16")
    assert (status, err) == (0, "")
