"""`archcmp import` on the command line: output, files, and its error messages
(golden: the exact text a user sees, exit status 2, no traceback)."""

from __future__ import annotations

import json

import pytest
from testpaths import DATA

from archcmp.load import parse_spec

QWEN2 = DATA / "hf" / "synthetic-qwen2-sliding.json"


def write(tmp_path, config: dict, name: str = "config.json"):
    path = tmp_path / name
    path.write_text(json.dumps(config, indent=2))
    return path


def test_stdout_is_a_valid_spec_that_records_its_source(run):
    status, out, err = run("import", str(QWEN2))
    assert (status, err) == (0, "")
    spec = parse_spec(out, "<stdout>")
    assert spec.id == "synthetic-qwen2-sliding" and spec.hf_model_type == "qwen2" and spec.family == "qwen2"
    assert spec.sources[0].url == QWEN2.resolve().as_uri()
    assert "sha256" in spec.sources[0].what


def test_output_file_is_not_overwritten_without_force(run, tmp_path):
    out = tmp_path / "spec.yaml"
    assert run("import", str(QWEN2), "-o", str(out))[0] == 0
    out.write_text("keep me")
    status, stdout, err = run("import", str(QWEN2), "-o", str(out))
    assert (status, stdout) == (2, "")
    assert err == f"error: {out}: already exists; pass --force to overwrite it\n"
    assert out.read_text() == "keep me"
    assert run("import", str(QWEN2), "-o", str(out), "--force")[0] == 0
    assert parse_spec(out.read_text(), str(out)).id == "synthetic-qwen2-sliding"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["spec.yaml"]  # no temporary file left


def test_folder_argument_and_id_from_folder_name(run, tmp_path):
    folder = tmp_path / "My-Model_v2"
    folder.mkdir()
    (folder / "config.json").write_text(QWEN2.read_text())
    status, out, _ = run("import", str(folder))
    assert status == 0 and parse_spec(out, "x").id == "my-model_v2"
    status, out, _ = run("import", str(folder), "--id", "mine")
    assert parse_spec(out, "x").id == "mine"


def test_bad_id(run):
    status, _, err = run("import", str(QWEN2), "--id", "Not OK")
    assert status == 2
    assert err == "error: --id 'Not OK': use lower-case letters, digits, '.', '_' and '-'\n"


def test_unsupported_model_type_lists_the_supported_ones(run, tmp_path):
    path = write(tmp_path, {"model_type": "bert", "hidden_size": 8})
    status, out, err = run("import", str(path))
    assert (status, out) == (2, "")
    assert err == (
        f"{path}:2:3: model_type: model_type 'bert' is not supported; supported: deepseek_v2, deepseek_v3, "
        "deepseek_v32, deepseek_v4, gemma, gemma2, gemma3, gemma3_text, gemma3n, gemma3n_text, gemma4, gemma4_text, "
        "glm4_moe, glm_moe_dsa, gpt2, gpt_oss, kimi_k2, kimi_k25, kimi_linear, llama, llama4, llama4_text, "
        "minimax_m2, mistral, mistral3, mistral4, mistral_large4, mistral_large4_text, mixtral, nemotron_h, olmo2, "
        "olmo3, phi3, qwen2, qwen2_moe, qwen3, qwen3_5, qwen3_5_moe, qwen3_5_moe_text, qwen3_5_text, qwen3_moe, "
        "qwen3_next, smollm3\n")


def test_missing_model_type(run, tmp_path):
    path = write(tmp_path, {"hidden_size": 8})
    status, _, err = run("import", str(path))
    assert status == 2 and err.startswith(f"{path}: model_type: missing; supported: deepseek_v2, ")


def test_unknown_keys_are_errors_each_located(run, tmp_path):
    path = write(tmp_path, {"model_type": "llama", "use_qk_norm": True, "num_kv_head": 2})
    status, _, err = run("import", str(path))
    assert status == 2
    why = "key not understood for model_type llama; it may change the architecture, so archcmp will not guess"
    assert err == f"{path}:4:3: num_kv_head: {why}\n{path}:3:3: use_qk_norm: {why}\n"


def test_wrong_value_type_names_the_key(run, tmp_path):
    path = write(tmp_path, {"model_type": "mistral", "hidden_size": "4096"})
    status, _, err = run("import", str(path))
    assert (status, err) == (2, f"{path}:3:3: hidden_size: expected an integer >= 1, found '4096'\n")


def test_invalid_json_is_located(run, tmp_path):
    path = tmp_path / "config.json"
    path.write_text('{\n  "model_type": "llama",\n  "hidden_size": 4096,\n}\n')
    status, _, err = run("import", str(path))
    assert (status, err) == (2, f"{path}:4:1: not valid JSON: Expecting property name enclosed in double quotes\n")


def test_missing_file(run, tmp_path):
    status, _, err = run("import", str(tmp_path / "nope.json"))
    assert (status, err) == (2, f"{tmp_path / 'nope.json'}: no such file\n")


def test_alias_that_disagrees(run, tmp_path):
    path = write(tmp_path, {"model_type": "gpt2", "n_embd": 768, "hidden_size": 1024})
    status, _, err = run("import", str(path))
    assert (status, err) == (2, f"{path}:4:3: hidden_size: disagrees with n_embd (768), which it is another name for\n")


def test_alias_is_read_as_its_key(run, tmp_path):
    path = write(tmp_path, {"model_type": "gpt2", "hidden_size": 1024, "num_hidden_layers": 2})
    status, out, _ = run("import", str(path))
    spec = parse_spec(out, "x")
    assert (status, spec.hidden_size, spec.num_layers) == (0, 1024, 2)


def test_moe_layer_freq_is_ignored_like_transformers_with_a_warning(run, tmp_path):
    config = json.loads((DATA / "hf" / "deepseek-v2-lite.json").read_text())
    path = write(tmp_path, {**config, "moe_layer_freq": 2})
    status, out, err = run("import", str(path))
    assert status == 0
    assert err.startswith("warning: ") and "moe_layer_freq: 2 ignored, as transformers does" in err
    assert parse_spec(out, "x").moe.layer_pattern.repeat == ["moe"]


def test_bidirectional_gemma_is_refused(run, tmp_path):
    path = write(tmp_path, {"model_type": "gemma3_text", "use_bidirectional_attention": True})
    status, _, err = run("import", str(path))
    assert status == 2 and "not a causal LM" in err


@pytest.mark.parametrize("key, value", [("rope_scaling", {"rope_type": "yarn", "factor": 4, "foo": 1}),
                                        ("rope_scaling", {"rope_type": "ntk", "factor": 4}),
                                        ("rope_scaling", {"rope_type": "linear"})])
def test_bad_rope_settings(run, tmp_path, key, value):
    path = write(tmp_path, {"model_type": "llama", key: value})
    status, _, err = run("import", str(path))
    assert status == 2 and err.startswith(f"{path}:") and f": {key}" in err  # at the key, or the bad entry in it


def test_partial_rotary_only_where_the_family_reads_it(run, tmp_path):
    path = write(tmp_path, {"model_type": "llama", "rope_parameters": {"rope_theta": 1e4, "partial_rotary_factor": 0.5}})
    status, _, err = run("import", str(path))
    assert status == 2 and "partial_rotary_factor is not supported by this model_type" in err


def test_multimodal_wrapper_without_text_config_uses_the_wrapper_default(run, tmp_path):
    path = write(tmp_path, {"model_type": "mistral3"})
    status, out, _ = run("import", str(path))
    spec = parse_spec(out, "x")
    assert (status, spec.hidden_size, spec.num_layers, spec.vocab_size) == (0, 5120, 40, 131072)
