from __future__ import annotations

import csv
import io
import json

import pytest


def test_json_keyed_by_resolved_id_with_exact_integers(run):
    status, out, _ = run("compare", "deepseek", "llama4", "--format", "json")
    assert status == 0
    data = json.loads(out)
    assert list(data) == ["deepseek-v3", "llama4-maverick"]
    assert data["deepseek-v3"]["total_params"] == 671_026_404_352
    assert data["llama4-maverick"]["active_params"] == 17_184_691_200
    # 61 layers x (512 + 64) latent x 2 bytes, at 32k tokens.
    assert data["deepseek-v3"]["kv_bytes_per_token_all_layers"] == 61 * 576 * 2
    assert data["deepseek-v3"]["kv_bytes_per_token_full_layers"] == 61 * 576 * 2
    assert data["deepseek-v3"]["kv_bytes"] == 61 * 576 * 2 * 32768
    assert data["llama4-maverick"]["routed_experts"] == 128


def test_csv_has_raw_values(run):
    status, out, _ = run("compare", "qwen3-8b", "qwen3-14b", "--format", "csv")
    assert status == 0
    rows = {r[0]: r[1:] for r in csv.reader(io.StringIO(out))}
    # CSV is for programs: its first column is the fact's key, as in JSON, not its words
    assert rows["total_params"] == ["8190735360", "14768307200"]
    assert rows["kv_bytes_per_token_all_layers"] == ["147456", "163840"]
    assert "total parameters" not in rows


def test_markdown_marks_differing_cells(run):
    status, out, _ = run("compare", "qwen3-8b", "qwen3-14b", "--format", "md")
    assert status == 0
    assert "| layers | 36 | **40** |" in out
    assert "| KV heads | 8 | 8 |" in out  # same value: not marked
    assert out.count("|---|---|---|") == 1


def test_only_diff_folds_equal_rows(run):
    _, full, _ = run("compare", "qwen3-8b", "qwen3-14b", "--format", "md")
    _, only, _ = run("compare", "qwen3-8b", "qwen3-14b", "--format", "md", "--only-diff")
    assert "| KV heads |" in full and "| KV heads |" not in only
    assert "| layers |" in only
    assert len(only.splitlines()) < len(full.splitlines())


def test_table_output(run):
    status, out, _ = run("compare", "deepseek-v3", "llama4-maverick")
    assert status == 0
    for text in ("671.0B (671,026,404,352)", "MLA", "chunked", "Cost", "marked: differs from deepseek-v3"):
        assert text in out


def test_wide_compare_of_every_qwen3_size(run, monkeypatch):
    status, out, _ = run("compare", "--family", "qwen3", "--format", "json")
    assert status == 0
    data = json.loads(out)
    assert len(data) == 8
    totals = [v["total_params"] for v in data.values()]
    assert totals == sorted(totals)  # smallest first
    monkeypatch.setenv("COLUMNS", "100")
    status, out, _ = run("compare", "--family", "qwen3")
    assert status == 0
    assert out.count("Comparison at 32k tokens") == 2  # 8 models split to fit 100 columns
    assert max(len(line) for line in out.splitlines()) <= 100


def test_transposed_layout(run):
    status, out, _ = run("compare", "qwen3-8b", "qwen3-14b", "--layout", "rows", "--only-diff",
                         "--format", "md")
    assert status == 0
    assert out.splitlines()[2].startswith("| model | total parameters |")
    assert "| qwen3-8b |" in out and "| qwen3-14b |" in out


def test_diff_in_words(run):
    status, out, _ = run("diff", "kimi-k2", "deepseek-v3")
    assert status == 0
    lines = [line.strip() for line in out.splitlines()]
    for expected in ("routed experts: 384 → 256 (−33.3%)", "attention heads: 64 → 128 (+100.0%)",
                     "vocabulary: 163,840 → 129,280 (−21.1%)", "first dense layers: 1 → 3 (+200.0%)",
                     "KV cache per token (bf16): unchanged, 68.6 KiB", "optimizer: MuonClip → AdamW"):
        assert expected in lines
    assert any(line.startswith("total parameters: 1.0T (1,026,408,209,408) → 671.0B") for line in lines)


def test_diff_json(run):
    status, out, _ = run("diff", "qwen3-8b", "qwen3-14b", "--format", "json")
    data = json.loads(out)
    assert status == 0 and data["from"] == "qwen3-8b" and data["to"] == "qwen3-14b"
    layers = next(c for c in data["architecture"] if c["what"] == "num_layers")
    assert (layers["from"], layers["to"]) == (36, 40)
    kv = next(c for c in data["consequences"] if c["what"] == "kv_bytes_per_token_all_layers")
    assert (kv["from"], kv["to"]) == (36 * 2 * 8 * 128 * 2, 40 * 2 * 8 * 128 * 2)


@pytest.mark.parametrize("argv, message", [
    (["compare", "qwen3-8b"], "two or more models"),
    (["compare", "qwen3-8b", "qwen3-14b", "--ctx", "12q"], "bad context length"),
    (["compare", "--family", "nope"], "unknown family"),
    (["compare", "qwen3-8b", "qwen3-14b", "--dtype", "fp64"], "bad dtype"),
    (["diff", "qwen3-8b", "qwen3-99b"], "unknown model"),
])
def test_bad_arguments_exit_2(run, argv, message):
    status, out, err = run(*argv)
    assert status == 2 and message in err and "Traceback" not in err


def test_convention_flags(run):
    _, causal, _ = run("compare", "qwen3-8b", "llama3.1-8b", "--format", "json")
    _, full, _ = run("compare", "qwen3-8b", "llama3.1-8b", "--format", "json", "--attention", "full")
    causal, full = json.loads(causal)["qwen3-8b"], json.loads(full)["qwen3-8b"]
    assert (causal["attention"], full["attention"]) == ("causal", "full")
    # Full attention adds the masked half of every layer's score and value products:
    # 36 layers x 2 x 32 heads x (128 + 128) x (s^2 - s(s+1)/2) pairs, spread over s tokens.
    s = 32768
    extra = 36 * 2 * 32 * 256 * (s * s - s * (s + 1) // 2)
    assert full["prefill_flops_per_token"] - causal["prefill_flops_per_token"] in (extra // s, extra // s + 1)
    assert causal["active_share"] == 1


def test_active_excl_embedding_flag(run):
    _, out, _ = run("compare", "gemma3n-e4b", "qwen3-4b", "--active-excl-embedding", "--format", "json")
    data = json.loads(out)["gemma3n-e4b"]
    assert data["active_excl_embedding"] is True
    assert data["active_share"] == 3_949_030_128 / 6_835_235_568
    _, listing, _ = run("list", "--active-excl-embedding", "--format", "json")
    row = next(r for r in json.loads(listing) if r["id"] == "deepseek-v3")
    assert row["active_params"] == 37_552_282_624 - 926_679_040
