"""``archcmp flops`` end to end: JSON over every bundled spec, the table,
and golden messages for bad options."""

from __future__ import annotations

import json

import pytest
from testpaths import bundled_ids

JSON_INTS = ("context", "prefill_flops", "prefill_linear_flops", "prefill_attention_flops",
             "prefill_flops_per_token", "decode_flops", "decode_linear_flops", "decode_attention_flops")
TRAIN_INTS = ("train_tokens", "train_flops", "train_linear_flops", "train_attention_flops", "train_6nd_flops",
              "train_6nd_excl_embedding_flops")


@pytest.mark.parametrize("model", bundled_ids())
def test_json_for_every_bundled_spec(run, model):
    status, out, err = run("flops", model, "--ctx", "32k", "--train-tokens", "2.5e12", "--format", "json")
    assert status == 0, err
    [data] = json.loads(out)
    assert data["model"] == model and data["context"] == 32768 and data["train_tokens"] == 2_500_000_000_000
    for key in JSON_INTS + TRAIN_INTS:
        assert type(data[key]) is int and data[key] > 0, key
    for workload in ("prefill", "decode"):
        parts = data[f"{workload}_components"]
        assert data[f"{workload}_attention_flops"] == parts["attention_core"]



def test_decode_linear_flops_are_two_per_weight(run):
    """Llama 3.1 8B has no biases or q/k norms: one decode token multiplies
    every weight but the embedding table and the norm vectors once, 2 FLOPs
    each (8,030,261,248 parameters; 128,256 × 4096 embedding; 65 × 4096 norms)."""
    _, out, _ = run("flops", "llama3.1-8b", "--ctx", "4096", "-f", "json")
    [data] = json.loads(out)
    assert data["decode_linear_flops"] == 2 * (8_030_261_248 - 128_256 * 4096 - 65 * 4096) == 15_009_316_864


def test_json_without_training_has_no_train_fields(run):
    status, out, _ = run("flops", "qwen3-8b", "--ctx", "4096", "-f", "json")
    assert status == 0
    assert not any(key.startswith("train_") for key in json.loads(out)[0])


def test_side_by_side_table(run):
    status, out, _ = run("flops", "deepseek-v3", "llama4-maverick", "gemma3-27b", "--ctx", "128k",
                         "--train-tokens", "15T")
    assert status == 0
    header = next(line for line in out.splitlines() if "deepseek-v3" in line)
    assert "llama4-maverick" in header and "gemma3-27b" in header
    for row in ("prefill FLOPs per token", "decode attention FLOPs", "6·N·D", "routed experts",
                "attention scores and values", "MLA decode form", "training on 15.0T tokens"):
        assert row in out, row
    assert "prefill_flops" not in out and "attention_core" not in out  # words, not JSON keys


def test_csv_carries_exact_integers(run):
    status, out, _ = run("flops", "llama3.1-8b", "--ctx", "4k", "-f", "csv")
    assert status == 0
    rows = dict(line.split(",") for line in out.splitlines()[1:])
    assert rows["prefill.lm_head"] == str(2 * 128256 * 4096)  # one position
    assert rows["decode_attention_flops"] == str(32 * 2 * 32 * 256 * 4097)
    assert "prefill FLOPs" not in rows  # CSV rows carry keys, not words


def test_full_attention_option(run):
    _, causal, _ = run("flops", "llama3.1-8b", "--ctx", "1000", "-f", "json")
    _, full, _ = run("flops", "llama3.1-8b", "--ctx", "1000", "--attention", "full", "-f", "json")
    causal, full = json.loads(causal)[0], json.loads(full)[0]
    assert full["attention"] == "full"
    assert full["prefill_attention_flops"] * 1001 == causal["prefill_attention_flops"] * 2000  # n² vs n(n+1)/2


GOLDEN_ERRORS = {
    ("--ctx", "4q"): "error: bad context length '4q': expected a whole number of tokens such as 4096, 32k, "
                     "128k or 1M",
    ("--ctx", "0"): "error: bad context length '0': must be between 1 and 1,073,741,824 tokens",
    ("--train-tokens", "lots"): "error: bad --train-tokens 'lots': expected a number such as 1000, 2.5e12, "
                                "671B or 15T",
    ("--train-tokens", "1.5"): "error: bad --train-tokens '1.5': must be a positive whole number",
    ("--attention", "sliding"): "error: bad --attention 'sliding': expected causal or full",
    ("--mla-decode", "latent"): "error: bad --mla-decode 'latent': expected absorbed or expanded",
}


@pytest.mark.parametrize("option", sorted(GOLDEN_ERRORS))
def test_bad_option_exits_2_with_one_line(run, option):
    argv = ["flops", "qwen3-8b", "--ctx", "4k", *option]
    status, out, err = run(*argv)
    assert status == 2
    assert err.strip() == GOLDEN_ERRORS[option]
    assert out == ""


def test_missing_ctx_is_a_usage_error(run):
    status, _, err = run("flops", "qwen3-8b")
    assert status == 2 and "--ctx" in err
