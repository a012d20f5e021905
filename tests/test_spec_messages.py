"""Messages for fields written in the wrong place, and the cross-field rules
that keep a spec from saying something false."""

from __future__ import annotations

import pytest
import yaml
from testpaths import DATA

from archcmp.errors import SpecError
from archcmp.load import parse_spec

TINY = (DATA / "tiny.yaml").read_text()


def problems(text: str) -> list[str]:
    with pytest.raises(SpecError) as caught:
        parse_spec(text, "t.yaml")
    return [f"{p.field}: {p.message}" for p in caught.value.problems]


@pytest.mark.parametrize("insert_after, line, expected", [
    ("  rope_theta: 10000\n", "  sliding_window: 4\n",
     "positions.sliding_window: not a field of positions; sliding_window belongs in attention"),
    ("vocab_size: 100\n", "rope_theta: 5\n", "rope_theta: not a field of the top level; rope_theta belongs in positions"),
    ("  head_dim: 8\n", "  num_kv_head: 2\n", "attention.num_kv_head: unknown field; did you mean 'num_kv_heads'?"),
    ("  rope_theta: 10000\n", "  sliding_windw: 4\n",
     "positions.sliding_windw: unknown field; did you mean 'sliding_window' (in attention)?"),
    ("vocab_size: 100\n", "num_expert: 4\n", "num_expert: unknown field; did you mean 'num_experts' (in moe)?"),
])
def test_a_field_in_the_wrong_place(insert_after, line, expected):
    assert problems(TINY.replace(insert_after, insert_after + line)) == [expected]


MOE = "moe:\n  num_experts: 4\n  experts_per_token: 1\n  expert_intermediate_size: 8\n"


def test_moe_needs_a_moe_layer():
    assert parse_spec(TINY + MOE + "  layer_pattern: [dense, moe]\n", "t.yaml").moe.num_experts == 4
    assert problems(TINY + MOE + "  layer_pattern: {first: [dense], repeat: [dense]}\n") == [
        "moe.layer_pattern: no layer is MoE: every layer is dense; leave the moe section out"]


def test_aliases_are_given_once():
    data = yaml.safe_load(TINY)
    assert problems(yaml.safe_dump({**data, "aliases": ["a", "b", "a", "b"]})) == [
        "aliases[2]: repeats the alias 'a'", "aliases[3]: repeats the alias 'b'"]


@pytest.mark.parametrize("missing", ["original_context", "low_freq_factor", "high_freq_factor"])
def test_llama3_scaling_states_what_transformers_requires(missing):
    scaling = {"type": "llama3", "factor": 8, "original_context": 8192, "low_freq_factor": 1, "high_freq_factor": 4}
    data = yaml.safe_load(TINY)
    data["positions"]["rope_scaling"] = scaling
    assert parse_spec(yaml.safe_dump(data), "t.yaml").positions.rope_scaling.high_freq_factor == 4
    data["positions"]["rope_scaling"] = {k: v for k, v in scaling.items() if k != missing}
    assert problems(yaml.safe_dump(data)) == [
        f"positions.rope_scaling.{missing}: required for llama3 scaling (transformers requires it)"]
