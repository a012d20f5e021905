"""Every view at 80 and 200 columns: no line wider than the terminal, no
model id broken across lines, explanations below the table and left-aligned,
human words in tables and keys in CSV."""

from __future__ import annotations

import re

import pytest

from archcmp.registry import Registry

IDS = sorted((spec.id for spec in Registry().all()), key=len, reverse=True)
FAMILIES = {spec.family for spec in Registry().all()}

COMMANDS = [
    ("kvcache", "deepseek-v3", "llama4-maverick", "--ctx", "4k,128k"),
    ("kvcache", "gemma3", "mistral-small-3.1-24b", "--ctx", "128k", "--budget", "80GiB", "--per-layer"),
    ("params", "deepseek-v3", "llama4-maverick", "qwen3-8b", "mistral-small-3.1-24b"),
    ("flops", "deepseek-v3", "llama4-maverick", "mistral-small-3.1-24b", "--ctx", "32k", "--train-tokens", "15T"),
    ("compare", "deepseek-v3", "llama4-maverick", "mistral-small-3.1-24b"),
    ("compare", "--family", "qwen3"),
    ("diff", "kimi-k2", "deepseek-v3"),
    ("show", "deepseek-v3"),
    ("list",),
    ("fit", "deepseek-v3", "llama4-maverick", "mistral-small-3.1-24b", "--gpu", "h100-sxmx8"),
    ("speed", "deepseek-v3", "mistral-small-3.1-24b", "--gpu", "h100-sxmx8"),
    ("kvcache", "deepseek-v3", "mistral-small-3.1-24b", "--gpu", "h100-sxmx8"),
    ("gpus",),
]


def broken_ids(out: str, shown: list[str] | None = None) -> list[str]:
    """Words that are the start or the end of an id but not a whole id (or
    a family name, which starts ids): an id split across lines. ``shown``:
    the ids the output can contain (a caption's "min(" is no piece of
    minimax-m2.5 when that model is not shown)."""
    whole = set(IDS) | FAMILIES
    candidates = [i for i in IDS if shown is None or i in shown]
    pieces = []
    # URLs (sources) fold wherever the column ends; an id inside one is not an id column's
    words = [w for chunk in out.split() if "/" not in chunk for w in re.findall(r"[\w.\-]+", chunk)]
    for word in words:
        if word in whole or len(word) < 3 or re.fullmatch(r"[\d.]+", word):  # 4.6 is no piece of glm-4.6
            continue
        pieces += [word for i in candidates if i != word and (i.startswith(word) or i.endswith(word))]
    return pieces


@pytest.mark.parametrize("width", [80, 200])
@pytest.mark.parametrize("argv", COMMANDS, ids=lambda argv: " ".join(argv))
def test_fits_the_terminal_and_keeps_ids_whole(run, monkeypatch, argv, width):
    monkeypatch.setenv("COLUMNS", str(width))
    status, out, err = run(*argv)
    assert status == 0, err
    too_wide = [line for line in out.splitlines() if len(line) > width]
    assert not too_wide, too_wide[0]
    shown = [a for a in argv if a in IDS] or None  # list and compare --family show many
    assert not broken_ids(out, shown), broken_ids(out, shown)[:3]


def test_the_hooks_example_at_80_columns(run, monkeypatch):
    monkeypatch.setenv("COLUMNS", "80")
    _, out, _ = run("kvcache", "deepseek-v3", "llama4-maverick", "--ctx", "4k,128k")
    lines = out.splitlines()
    # one line per model and context in the main table, short values whole
    main = lines[:lines.index(next(line for line in lines if line.startswith("bytes in binary units")))]
    rows = [line for line in main if line.startswith(("deepseek-v3", "llama4-maverick"))]
    assert len(rows) == 4
    assert rows[0].split() == ["deepseek-v3", "4k", "70,272", "B", "274.5", "MiB", "19.1", "GiB", "71.1×",
                               "19.1", "GiB"]
    # the kinds of layer in a table of their own, one line each
    assert [line.split()[:4] for line in lines if line.startswith("llama4-maverick") and "full" in line] == [
        ["llama4-maverick", "4k", "full", "nope"], ["llama4-maverick", "128k", "full", "nope"]]


def test_explanations_are_below_and_left_aligned(run, monkeypatch):
    monkeypatch.setenv("COLUMNS", "80")
    cases = {("kvcache", "gemma3"): "bytes in binary units", ("params", "gpt2"): "active: routed experts",
             ("flops", "gpt2", "--ctx", "1k"): "a multiply-add is 2 FLOPs",
             ("compare", "gpt2", "qwen3-8b"): "marked: differs from gpt2"}
    for argv, start in cases.items():
        _, out, _ = run(*argv)
        lines = out.splitlines()
        first = next(i for i, line in enumerate(lines) if start in line)
        assert lines[first].startswith(start), lines[first]  # not centred
        assert "─" in "".join(lines[:first])  # below a table
        caption = [line.rstrip() for line in lines[first:]]
        assert len(caption) > 1 or len(start) < 40  # wrapped, not cut
        assert all(not line.startswith(" ") for line in caption)


def test_wide_terminal_keeps_one_table_on_one_line_per_row(run, monkeypatch):
    monkeypatch.setenv("COLUMNS", "200")
    _, out, _ = run("compare", "deepseek-v3", "llama4-maverick", "mistral-small-3.1-24b")
    assert out.count("Comparison at 32k tokens") == 1
    assert any(line.startswith("total parameters") and line.count("(") == 3 for line in out.splitlines())
    _, out, _ = run("kvcache", "deepseek-v3", "--ctx", "4k,128k")
    assert sum(line.startswith("deepseek-v3") for line in out.splitlines()) == 4  # 2 contexts × 2 tables


def test_narrow_compare_splits_with_row_names_repeated(run, monkeypatch):
    monkeypatch.setenv("COLUMNS", "80")
    _, out, _ = run("compare", "deepseek-v3", "llama4-maverick", "mistral-small-3.1-24b")
    assert out.count("Comparison at 32k tokens") == 2
    assert sum(line.startswith("total parameters") for line in out.splitlines()) == 2
    header = next(line for line in out.splitlines() if "mistral-small-3.1-24b" in line)
    assert "deepseek-v3" not in header


def test_tables_speak_words_csv_keeps_keys(run):
    _, table, _ = run("params", "deepseek-v3")
    _, csv_out, _ = run("params", "deepseek-v3", "--format", "csv")
    assert "output head" in table and "lm_head" not in table
    assert [line.split(",")[0] for line in csv_out.splitlines()[1:4]] == [
        "total_params", "active_params", "active_params_excl_embedding"]
    _, csv_out, _ = run("kvcache", "gemma3", "--format", "csv")
    assert csv_out.splitlines()[0] == ("model,context,kv_bytes_per_token_full_layers,kv_bytes,by_kind,"
                                       "mha_equivalent_bytes,mha_equivalent_ratio")
    _, csv_out, _ = run("diff", "kimi-k2", "deepseek-v3", "--format", "csv")
    assert csv_out.splitlines()[1].startswith("vocab_size,163840,129280,")


def test_column_groups_worked_by_hand():
    from archcmp.render.fit import column_groups
    from archcmp.render.tabular import Table

    table = Table("t", ["", "a" * 30, "b" * 30, "c" * 30], model_columns=True)
    table.add("x", "1", "2", "3")
    # row names 1 wide, each id column 30 + a gap of 2: 1 + 32 + 32 = 65 fits 80, a third (97) does not
    assert column_groups(table, 80) == [[0, 1, 2], [0, 3]]
    assert column_groups(table, 97) == [[0, 1, 2, 3]]
    assert column_groups(table, 20) == [[0, 1], [0, 2], [0, 3]]  # an id alone, even wider than the terminal


def test_accelerator_ids_stay_whole_at_80_columns(run, monkeypatch):
    import json

    _, out, _ = run("gpus", "--format", "json")
    ids = [device["id"] for device in json.loads(out)]
    monkeypatch.setenv("COLUMNS", "80")
    _, out, _ = run("gpus")
    firsts = {line.split()[0] for line in out.splitlines() if line.strip()}
    assert set(ids) <= firsts  # each id whole, at the start of its row
