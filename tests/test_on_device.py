"""`compare --gpu` and `kvcache --gpu`: the fit and speed figures beside the
architecture, the same numbers `fit` and `speed` give."""

from __future__ import annotations

import json


def test_compare_adds_the_device_rows(run):
    status, out, _ = run("compare", "llama3.1-8b", "qwen3-8b", "--gpu", "rtx-4090", "--format", "json")
    data = json.loads(out)
    assert status == 0
    llama = data["llama3.1-8b"]
    _, fit_out, _ = run("fit", "llama3.1-8b", "--gpu", "rtx-4090", "--ctx", "32k", "--format", "json")
    [fit] = json.loads(fit_out)
    assert llama["gpu_weights_bytes"] == fit["weights_bytes_per_gpu"] == 2 * 8_030_261_248
    assert llama["gpu_fits"] is fit["fits"] is True and llama["gpu_max_batch"] == fit["max_batch"]
    status, out, _ = run("compare", "llama3.1-8b", "qwen3-8b", "--gpu", "rtx-4090")
    assert "On rtx-4090" in out and "decode tokens/s ≤ (bound)" in out and "weights per GPU" in out


def test_compare_names_the_model_a_layout_cannot_run(run):
    status, out, _ = run("compare", "llama3.1-8b", "gemma3-1b", "--gpu", "h100-sxmx8", "--format", "json")
    data = json.loads(out)
    assert status == 0
    assert data["gemma3-1b"]["gpu_layout"] == "--tp 8 does not divide the 4 attention heads of gemma3-1b"
    assert data["gemma3-1b"]["gpu_fits"] is None and data["llama3.1-8b"]["gpu_fits"] is True


def test_compare_without_gpu_is_unchanged(run):
    _, out, _ = run("compare", "llama3.1-8b", "qwen3-8b", "--format", "json")
    assert not any(key.startswith("gpu_") for key in json.loads(out)["llama3.1-8b"])


def test_kvcache_adds_a_table_on_the_device(run):
    status, out, _ = run("kvcache", "deepseek-v3", "--ctx", "32k,128k", "--gpu", "h200-sxmx8", "--weights", "fp8",
                         "--format", "json")
    data = json.loads(out)
    assert status == 0 and [d["on_gpu"]["context"] for d in data] == [32768, 131072]
    assert data[1]["on_gpu"]["kv_bytes_per_gpu"] == data[1]["kv_bytes"] == 131_072 * 70_272  # MLA: whole on every rank
    assert data[1]["on_gpu"]["max_batch"] == 4 and data[1]["on_gpu"]["fits"]
    status, out, _ = run("kvcache", "deepseek-v3", "--gpu", "h200-sxmx8")
    assert status == 0 and "On h200-sxmx8 (batch 1)" in out


def test_unknown_gpu_on_compare_is_an_error(run):
    status, _, err = run("compare", "llama3.1-8b", "qwen3-8b", "--gpu", "h100")
    assert status == 2 and "unknown device 'h100'; did you mean h100-sxm" in err
