"""`archcmp fit` and `archcmp speed` from the command line: the must-show
commands, every bundled model, JSON keys, and golden errors (exit 2, one
line, never a traceback)."""

from __future__ import annotations

import json

import pytest
from testpaths import DATA, bundled_ids

FIT_KEYS = {"weights_bytes_per_gpu", "kv_bytes_per_token_per_gpu", "total_bytes_per_gpu", "usable_bytes_per_gpu",
            "fits", "max_context", "max_batch", "min_gpus"}
SPEED_KEYS = {"decode_tokens_per_s_bound", "decode_step_seconds_bound", "prefill_seconds_bound", "bound_by"}


def json_of(run, *argv):
    status, out, err = run(*argv, "--format", "json")
    assert status == 0, err
    return json.loads(out)


def test_deepseek_v3_on_eight_h200_in_fp8(run):
    [r] = json_of(run, "fit", "deepseek-v3", "--gpu", "h200-sxmx8", "--weights", "fp8", "--ctx", "128k")
    assert FIT_KEYS <= set(r)
    assert r["fits"] and r["layout"] == {"tp": 8, "pp": 1, "ep": 1, "dp": 1, "gpus": 8}
    assert r["kv_bytes_per_token_per_gpu"] == 70_272 and r["max_batch"] == 4
    status, out, _ = run("fit", "deepseek-v3", "--gpu", "h200-sxmx8", "--weights", "fp8", "--ctx", "128k")
    assert status == 0
    for text in ("Fit on 8 × h200-sxm", "fits", "yes,", "to spare", "the vendor's 141 GB", "MLA"):
        assert text in out


def test_qwen3_235b_on_four_h100(run):
    [r] = json_of(run, "fit", "qwen3-235b-a22b", "--gpu", "h100-sxmx4", "--tp", "4")
    assert r["kv_bytes_per_token_per_gpu"] == 48_128
    assert not r["fits"] and r["max_context"] == 0 and r["min_gpus"] == 7
    _, out, _ = run("fit", "qwen3-235b-a22b", "--gpu", "h100-sxmx4", "--tp", "4")
    assert "NO," in out and "short" in out and "weights alone do not fit" in out


def test_llama_8b_speed_on_a_4090(run):
    [r] = json_of(run, "speed", "llama3.1-8b", "--gpu", "rtx-4090")
    assert SPEED_KEYS <= set(r)
    assert r["bound_by"] == "memory" and r["prefill_bound_by"] == "compute"
    # 4k context: weights but the embedding table, and 4096 tokens of 128 KiB
    assert r["decode_bytes_per_gpu"] == 2 * (8_030_261_248 - 128_256 * 4096) + 4096 * 131_072
    assert r["decode_tokens_per_s_bound"] == pytest.approx(1.008e12 / r["decode_bytes_per_gpu"])
    _, out, _ = run("speed", "llama3.1-8b", "--gpu", "rtx-4090")
    assert "step time ≥" in out and "tokens/s per sequence ≤" in out and "Roofline bounds" in out


@pytest.mark.parametrize("model", bundled_ids())
def test_every_bundled_model_fits_and_speeds(run, model):
    [f] = json_of(run, "fit", model, "--gpu", "b200", "--ctx", "32k", "--batch", "2")
    assert FIT_KEYS <= set(f) and f["total_bytes_per_gpu"] > f["weights_bytes_per_gpu"] > 0
    [s] = json_of(run, "speed", model, "--gpu", "b200", "--ctx", "32k", "--batch", "2")
    assert SPEED_KEYS <= set(s) and s["decode_tokens_per_s_bound"] > 0 and s["fits"] == f["fits"]


def test_several_models_side_by_side_and_csv_md(run):
    status, out, _ = run("fit", "llama3.1-8b", "qwen3-8b", "--gpu", "l4", "--format", "csv")
    assert status == 0 and out.splitlines()[0] == "per GPU,llama3.1-8b,qwen3-8b,how"
    status, out, _ = run("speed", "llama3.1-8b", "qwen3-8b", "--gpu", "l4", "--format", "md")
    assert status == 0 and "| tokens/s per sequence ≤ |" in out


def test_options_change_the_plan(run):
    base = json_of(run, "fit", "llama3.1-8b", "--gpu", "h100-sxm")[0]
    reported = json_of(run, "fit", "llama3.1-8b", "--gpu", "h100-sxm", "--memory-basis", "reported",
                       "--mem-util", "1", "--reserve", "2GiB")[0]
    assert reported["usable_bytes_per_gpu"] == 85_520_809_984 > base["usable_bytes_per_gpu"] == 72_000_000_000
    assert reported["total_bytes_per_gpu"] == base["total_bytes_per_gpu"] + 2**31
    fp8_kv = json_of(run, "fit", "llama3.1-8b", "--gpu", "h100-sxm", "--dtype", "fp8")[0]
    assert fp8_kv["kv_bytes_per_token_per_gpu"] * 2 == base["kv_bytes_per_token_per_gpu"]
    q4 = json_of(run, "fit", "llama3.1-8b", "--gpu", "h100-sxm", "--weights", "q4_0", "--quant-scope", "all")[0]
    assert q4["weights_bytes_per_gpu"] < base["weights_bytes_per_gpu"] / 3


def test_speed_options(run):
    base = json_of(run, "speed", "qwen3-30b-a3b", "--gpu", "h100-sxm", "--batch", "8")[0]
    every = json_of(run, "speed", "qwen3-30b-a3b", "--gpu", "h100-sxm", "--batch", "8", "--moe-experts", "all")[0]
    assert every["decode_bytes_per_gpu"] > base["decode_bytes_per_gpu"]
    slow = json_of(run, "speed", "qwen3-30b-a3b", "--gpu", "h100-sxm", "--batch", "8", "--bw-eff", "0.5")[0]
    assert slow["decode_step_seconds_bound"] == pytest.approx(2 * base["decode_step_seconds_bound"])
    mac = json_of(run, "speed", "llama3.1-8b", "--gpu", "apple-m3-max-40c", "--memory-only")[0]
    assert mac["decode_compute_seconds"] is None and mac["bound_by"] == "memory"
    mine = json_of(run, "speed", "llama3.1-8b", "--gpu", "apple-m3-max-40c", "--peak-tflops", "28.4")[0]
    assert mine["peak_flops_per_s"] == 28_400_000_000_000 and mine["peak_from_datasheet"] is False
    user = json_of(run, "speed", "llama3.1-8b", "--gpu", str(DATA / "deploy" / "my-gpu.yaml") + "x2")[0]
    assert user["layout"]["tp"] == 2


ERRORS = [
    (("fit", "llama3.1-8b", "--gpu", "h100-sxmx3"),
     "error: --tp 3 does not divide the 32 attention heads of llama3.1-8b"),
    (("fit", "llama3.1-8b", "--gpu", "h100-sxm", "--batch", "0"),
     "error: bad --batch '0': must be a positive whole number"),
    (("fit", "llama3.1-8b", "--gpu", "h100-sxm", "--batch", "-3"),
     "error: bad --batch '-3': expected a number such as 1000, 2.5e12, 671B or 15T"),
    (("fit", "llama3.1-8b", "--gpu", "h100-sxm", "--ctx", "0"),
     "error: bad context length '0': must be between 1 and 1,073,741,824 tokens"),
    (("fit", "llama3.1-8b", "--gpu", "h100"), "error: unknown device 'h100'; did you mean h100-sxm, h100-nvl, h100-pcie?"),
    (("fit", "llama3.1-8b", "--gpu", "h100-sxm", "--weights", "int3"),
     "error: bad --weights 'int3': expected one of bf16, fp16, fp32, fp8, fp8-block, int8, int4-g32, int4-g64, "
     "int4-g128, int4-g32-zp, int4-g64-zp, int4-g128-zp, awq, gptq, mxfp4, nvfp4, q8_0, q6_k, q5_k, q4_k, q4_0"),
    (("fit", "llama3.1-8b", "--gpu", "h100-sxm", "--quant-scope", "some"),
     "error: bad --quant-scope 'some': expected one of linear, experts, all"),
    (("fit", "llama3.1-8b", "--gpu", "h100-sxm", "--mem-util", "1.2"),
     "error: bad --mem-util 1.2: must be above 0 and at most 1"),
    (("fit", "llama3.1-8b", "--gpu", "h100-sxm", "--mem-util", "most"),
     "error: bad --mem-util 'most': expected a number such as 0.9"),
    (("fit", "llama3.1-8b", "--gpu", "h100-sxm", "--reserve", "lots"),
     "error: bad --reserve 'lots': expected bytes such as 80GiB, 24GB or 1.5TiB"),
    (("fit", "llama3.1-8b", "--gpu", "h100-pcie", "--memory-basis", "reported"),
     "error: h100-pcie has no driver-reported memory figure; use --memory-basis nominal"),
    (("fit", "llama3.1-8b", "--gpu", "h100-sxm", "--memory-basis", "marketing"),
     "error: bad --memory-basis 'marketing': expected nominal or reported"),
    (("fit", "llama3.1-8b", "--gpu", "h100-sxm", "--dtype", "fp6"),
     "error: bad dtype 'fp6': expected one of bf16, fp16, fp32, fp8, int8, int4"),
    (("speed", "llama3.1-8b", "--gpu", "a100-sxm-80gb", "--weights", "fp8"),
     "error: a100-sxm-80gb has no published dense fp8 peak (it lists bf16, fp16, tf32, int8, int4); choose "
     "--compute-dtype, give one with --peak-tflops, or use --memory-only for the bandwidth bound alone"),
    (("speed", "llama3.1-8b", "--gpu", "apple-m3-max-40c"),
     "error: apple-m3-max-40c has no published dense bf16 peak (it lists none); choose --compute-dtype, give one "
     "with --peak-tflops, or use --memory-only for the bandwidth bound alone"),
    (("speed", "llama3.1-8b", "--gpu", "h100-sxm", "--compute-dtype", "fp12"),
     "error: bad --compute-dtype 'fp12': expected one of bf16, fp16, fp16_fp16acc, tf32, fp8, fp8_fp16acc, fp6, "
     "fp4, int8, int4"),
    (("speed", "llama3.1-8b", "--gpu", "h100-sxm", "--bw-eff", "0"),
     "error: bad --bw-eff 0: must be above 0 and at most 1"),
    (("speed", "llama3.1-8b", "--gpu", "h100-sxm", "--moe-experts", "some"),
     "error: bad --moe-experts 'some': expected uniform or all"),
    (("speed", "llama3.1-8b", "--gpu", "h100-sxm", "--peak-tflops", "-5"),
     "error: bad --peak-tflops -5: must be positive"),
    (("speed", "deepseek-v3", "--gpu", "h200-sxmx8", "--ep", "3"),
     "error: --ep 3 does not divide the 8 GPUs of a pipeline stage (TP × data-parallel replicas) that share the "
     "experts"),
]


@pytest.mark.parametrize(("argv", "message"), ERRORS, ids=[" ".join(a[2:]) for a, _ in ERRORS])
def test_golden_errors(run, argv, message):
    status, out, err = run(*argv)
    assert (status, out) == (2, "")
    assert err.strip() == message
    assert "Traceback" not in err


def test_speed_at_full_load(run):
    [f] = json_of(run, "fit", "llama3.1-8b", "--gpu", "h100-sxm", "--ctx", "8k")
    [s] = json_of(run, "speed", "llama3.1-8b", "--gpu", "h100-sxm", "--ctx", "8k", "--batch", "max")
    assert s["batch"] == f["max_batch"] == 52 and s["fits"]
    one = json_of(run, "speed", "llama3.1-8b", "--gpu", "h100-sxm", "--ctx", "8k")[0]
    assert s["decode_aggregate_tokens_per_s_bound"] > one["decode_aggregate_tokens_per_s_bound"]
    status, _, err = run("speed", "llama3.1-8b", "--gpu", "rtx-4090", "--ctx", "1M", "--batch", "max")
    assert status == 2 and err.strip() == "error: --batch max: not one sequence of 1M tokens fits llama3.1-8b on rtx-4090"
