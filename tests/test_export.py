"""`archcmp export`: a spec back to a config.json, and import(export(spec))
is the same architecture for every bundled spec (no torch needed; the
transformers build of each export is in tests/crosscheck)."""

from __future__ import annotations

import json

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from testpaths import DATA, bundled_ids

from archcmp.hf.exporter import export_spec
from archcmp.hf.importer import import_file
from archcmp.hf.sameness import differences
from archcmp.registry import Registry

REGISTRY = Registry(use_env=False)


@pytest.mark.parametrize("spec_id", bundled_ids())
def test_import_of_export_is_the_same_spec(tmp_path, spec_id):
    spec = REGISTRY.resolve(spec_id)
    path = tmp_path / "config.json"
    path.write_text(export_spec(spec).to_json())
    assert differences(spec, import_file(path).spec) == []


@pytest.mark.parametrize("spec_id, model_type", [
    ("deepseek-v3", "deepseek_v3"), ("kimi-k2", "kimi_k2"), ("gemma3-1b", "gemma3_text"),
    ("gemma3n-e2b", "gemma3n_text"), ("gpt2", "gpt2"), ("llama3.1-8b", "llama"),
    ("llama4-scout", "llama4_text"), ("mistral-small-3.1-24b", "mistral"), ("olmo2-7b", "olmo2"),
    ("qwen3-8b", "qwen3"), ("qwen3-30b-a3b", "qwen3_moe"), ("smollm3-3b", "smollm3")])
def test_bundled_specs_pick_their_family(spec_id, model_type):
    exported = export_spec(REGISTRY.resolve(spec_id))
    assert exported.model_type == model_type
    # transformers has no kimi_k2; Kimi K2 ships DeepSeek-V3 code
    assert exported.config["model_type"] == ("deepseek_v3" if model_type == "kimi_k2" else model_type)


def test_imported_spec_exports_as_its_recorded_model_type():
    spec = import_file(DATA / "hf" / "qwen1.5-moe-a2.7b.json").spec
    config = export_spec(spec).config
    assert config["model_type"] == "qwen2_moe"
    assert config["shared_expert_intermediate_size"] == 5632 and config["qkv_bias"] is True


def test_cli_writes_json_atomically_and_refuses_to_overwrite(run, tmp_path):
    out = tmp_path / "config.json"
    assert run("export", "qwen3-0.6b", "-o", str(out))[0] == 0
    assert json.loads(out.read_text())["num_hidden_layers"] == 28
    status, _, err = run("export", "qwen3-0.6b", "-o", str(out))
    assert (status, err) == (2, f"error: {out}: already exists; pass --force to overwrite it\n")
    assert run("export", "qwen3-1.7b", "-o", str(out), "--force")[0] == 0
    assert json.loads(out.read_text())["hidden_size"] == 2048
    assert [p.name for p in tmp_path.iterdir()] == ["config.json"]


def test_cli_stdout(run):
    status, out, _ = run("export", "gpt2")
    config = json.loads(out)
    assert status == 0
    assert (config["model_type"], config["n_embd"], config["activation_function"]) == ("gpt2", 768, "gelu_new")


def test_a_family_that_cannot_express_the_spec_says_what_differs(run):
    status, _, err = run("export", "qwen3-0.6b", "--model-type", "llama")
    assert status == 2
    assert err == ("error: qwen3-0.6b: a llama config.json cannot express this spec: "
                   "attention.qk_norm: 'per_head' -> 'none'\n")


def test_unknown_model_type(run):
    status, _, err = run("export", "gpt2", "--model-type", "bert")
    assert status == 2 and err.startswith("error: model_type 'bert' is not supported; supported: deepseek_v2, ")


def test_longrope_cannot_be_exported():
    spec = import_file(DATA / "hf" / "synthetic-phi3-longrope-partial.json").spec
    with pytest.raises(Exception, match="longrope needs short_factor/long_factor lists"):
        export_spec(spec)


@settings(max_examples=40, deadline=None)
@given(layers=st.integers(1, 12), heads=st.sampled_from([1, 2, 4, 8]), group=st.sampled_from([1, 2, 4]),
       sliding=st.booleans(), first_full=st.integers(0, 12), tied=st.booleans(),
       experts=st.integers(0, 6), step=st.integers(1, 3))
def test_qwen_configs_survive_import_export_import(tmp_path_factory, layers, heads, group, sliding, first_full,
                                                   tied, experts, step):
    """For Qwen2-MoE configs across their layer-pattern switches, exporting
    an import and importing it again changes nothing."""
    kv = max(1, heads // group)
    config = {"model_type": "qwen2_moe", "vocab_size": 512, "hidden_size": 16 * heads, "num_hidden_layers": layers,
              "num_attention_heads": heads, "num_key_value_heads": kv, "intermediate_size": 64,
              "use_sliding_window": sliding, "sliding_window": 32, "max_window_layers": first_full,
              "tie_word_embeddings": tied, "num_experts": experts, "num_experts_per_tok": 1,
              "moe_intermediate_size": 8, "shared_expert_intermediate_size": 24, "decoder_sparse_step": step}
    folder = tmp_path_factory.mktemp("cfg")
    (folder / "config.json").write_text(json.dumps(config))
    first = import_file(folder / "config.json").spec
    (folder / "again.json").write_text(export_spec(first).to_json())
    assert differences(first, import_file(folder / "again.json").spec) == []
