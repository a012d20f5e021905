"""`archcmp import` of a bad config.json: the error names the input file and
the line and column of the offending key (never the output, never a line
off), exit status 2, no traceback, no output file, and no hang."""

from __future__ import annotations

import json

import pytest
from testpaths import REFERENCE
from timelimit import time_limit

LLAMA = json.loads((REFERENCE / "configs" / "llama3.1-8b.json").read_text())


def located_key(text: str, key: str) -> str:
    """``line:col`` of the first ``"key":`` in ``text``, counted by hand."""
    index = text.index(f'"{key}":')
    return f"{text.count(chr(10), 0, index) + 1}:{index - text.rfind(chr(10), 0, index)}"


def import_text(run, tmp_path, text: str, *options: str):
    path = tmp_path / "config.json"
    path.write_text(text)
    with time_limit(10):
        status, out, err = run("import", str(path), *options)
    assert "Traceback" not in err
    return path, status, out, err


def llama(**changes) -> str:
    return json.dumps({**LLAMA, **changes}, indent=2)


# (key, value written into the JSON text, message): the error is on the key's line.
BAD_VALUES = [
    ("rope_theta", "NaN", "NaN is not a JSON number"),
    ("rope_theta", "-Infinity", "-Infinity is not a JSON number"),
    ("rope_theta", "1e400", "1e400 is too large for a number"),
    ("rope_theta", "true", "rope_theta: rope_theta must be a positive number, found True"),
    ("vocab_size", "9" * 5000, "a number of 5,000 digits is far too large"),
    ("num_hidden_layers", str(10**40), ("num_hidden_layers: 100000000000000000000000000000... (41 characters) "
                                        "is above 10,000, the most archcmp accepts")),
    ("hidden_size", str(10**12), "hidden_size: 1000000000000 is above 1,073,741,824, the most archcmp accepts"),
    ("model_type", '["llama"]', "model_type: expected a string, found list"),
]


@pytest.mark.parametrize("key, value, message", BAD_VALUES, ids=[f"{k}={v[:12]}" for k, v, _ in BAD_VALUES])
def test_bad_values_are_located_at_their_key(run, tmp_path, key, value, message):
    text = llama(**{key: "PLACEHOLDER"}).replace('"PLACEHOLDER"', value)
    path, status, _, err = import_text(run, tmp_path, text)
    line = located_key(text, key).split(":")[0]
    assert status == 2 and err.startswith(f"{path}:{line}:") and message in err and err.count("\n") == 1


def test_an_error_in_the_input_never_names_the_output(run, tmp_path):
    out = tmp_path / "out.yaml"
    text = llama(rope_scaling={**LLAMA["rope_scaling"], "factor": -8})
    path, status, _, err = import_text(run, tmp_path, text, "-o", str(out))
    assert status == 2 and err.startswith(f"{path}:") and "out.yaml" not in err and "<stdout>" not in err
    assert not out.exists()


def test_a_rope_dict_value_is_located_inside_the_dict(run, tmp_path):
    text = llama(rope_scaling={**LLAMA["rope_scaling"], "rope_theta": -1})
    path, status, _, err = import_text(run, tmp_path, text)
    inner = text.index('"rope_theta"', text.index('"rope_scaling"'))
    line = text.count("\n", 0, inner) + 1
    assert (status, err) == (2, (f"{path}:{line}:5: rope_scaling.rope_theta: rope_theta must be a positive "
                                 "number, found -1\n"))


def test_llama3_scaling_without_its_factors_names_the_rope_dict(run, tmp_path):
    scaling = {k: v for k, v in LLAMA["rope_scaling"].items() if k != "low_freq_factor"}
    path, status, _, err = import_text(run, tmp_path, llama(rope_scaling=scaling))
    assert status == 2
    assert err.startswith(f"{path}:{located_key(llama(rope_scaling=scaling), 'rope_scaling')}: rope_scaling: ")
    assert "positions.rope_scaling.low_freq_factor: required for llama3 scaling" in err


def test_model_type_inside_text_config(run, tmp_path):
    text = json.dumps({"model_type": "mistral3", "text_config": {"model_type": {"x": 1}}}, indent=2)
    path, status, _, err = import_text(run, tmp_path, text)
    assert (status, err) == (2, f"{path}:4:5: text_config.model_type: expected a string, found dict\n")


def test_keys_inside_text_config_are_located_there(run, tmp_path):
    text = json.dumps({"model_type": "mistral3", "num_kv_head": 1, "text_config": {"num_kv_head": 2}}, indent=2)
    path, status, _, err = import_text(run, tmp_path, text)
    assert status == 2 and err.startswith(f"{path}:5:5: text_config.num_kv_head: key not understood")


@pytest.mark.parametrize("depth", [100, 100_000])
def test_deep_nesting(run, tmp_path, depth):
    text = '{"model_type": "llama", "x": ' + "[" * depth + "]" * depth + "}"
    path, status, _, err = import_text(run, tmp_path, text)
    assert (status, err) == (2, f"{path}:1:93: nested deeper than 64 levels; not a config.json\n")


def test_duplicate_keys_say_two_things(run, tmp_path):
    path, status, _, err = import_text(run, tmp_path, '{\n "model_type": "llama",\n "vocab_size": 8,\n '
                                                      '"vocab_size": 16\n}')
    assert status == 2 and err.startswith(f"{path}:4:2: vocab_size: duplicate key 'vocab_size' (also on line 3)")


@pytest.mark.parametrize("text", ["[1, 2]", '"llama"', "null"])
def test_not_an_object(run, tmp_path, text):
    path, status, _, err = import_text(run, tmp_path, text)
    assert (status, err) == (2, f"{path}:1:1: expected a JSON object (a config.json)\n")


def test_a_long_acyclic_layer_list_imports_quickly(run, tmp_path):
    """10,000 layers (the bound) whose layer types never repeat: the pattern
    search must be linear, not try every prefix and period."""
    types = ["full_attention" if i.bit_count() % 2 else "sliding_attention" for i in range(10_000)]
    config = {"model_type": "qwen3", "num_hidden_layers": 10_000, "layer_types": types, "sliding_window": 64,
              "use_sliding_window": True, "vocab_size": 100, "hidden_size": 64, "intermediate_size": 128,
              "num_attention_heads": 4, "num_key_value_heads": 2, "head_dim": 16}
    _, status, out, _ = import_text(run, tmp_path, json.dumps(config))
    assert status == 0 and "num_layers: 10000" in out


NEMOTRON = json.loads((REFERENCE / "wave2" / "configs" / "nemotron-3-nano-30b-a3b.json").read_text())


def nemotron(**changes) -> str:
    return json.dumps({**NEMOTRON, **changes}, indent=2)


def test_transformers_infinity_in_nemotron_time_step_limit_is_accepted(run, tmp_path):
    """NemotronHConfig saves its default time_step_limit (0.0, inf) as
    [0.0, Infinity]; archcmp ignores that training clamp, so the file imports."""
    text = nemotron(time_step_limit="PLACEHOLDER").replace('"PLACEHOLDER"', "[0.0, Infinity]")
    _, status, out, err = import_text(run, tmp_path, text)
    assert (status, err) == (0, "") and "num_layers: 52" in out


@pytest.mark.parametrize("key, value", [("routed_scaling_factor", "Infinity"), ("rope_theta", "NaN"),
                                        ("moe_intermediate_size", "-Infinity")])
def test_non_finite_numbers_nemotron_reads_are_refused_at_their_key(run, tmp_path, key, value):
    text = nemotron(**{key: "PLACEHOLDER"}).replace('"PLACEHOLDER"', value)
    path, status, _, err = import_text(run, tmp_path, text)
    assert (status, err) == (2, (f"{path}:{located_key(text, key)}: {key}: {value} is not a JSON number; "
                                 "a config.json holds finite numbers (only time_step_limit may hold it)\n"))


def test_infinity_is_refused_in_a_family_that_allows_it_nowhere(run, tmp_path):
    text = llama(rope_theta="PLACEHOLDER").replace('"PLACEHOLDER"', "[0.0, Infinity]")
    path, status, _, err = import_text(run, tmp_path, text)
    at = text.index("Infinity")  # the array element itself, counted by hand
    line, col = text.count("\n", 0, at) + 1, at - text.rfind("\n", 0, at)
    assert (status, err) == (2, (f"{path}:{line}:{col}: rope_theta.1: Infinity is not a JSON number; "
                                 "a config.json holds finite numbers\n"))
