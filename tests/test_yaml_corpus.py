"""Pathological YAML: each document fails with one located problem, fast,
whatever the nesting, aliasing, merging or tagging (never a RecursionError,
a segfault in libyaml's composer, or hours in its parser)."""

from __future__ import annotations

import pytest
from timelimit import time_limit

from archcmp.errors import SpecError
from archcmp.yamlload import load_yaml

MERGE_BOMB = "a0: &a0 {k: 1, j: 2}\n" + "".join(
    f"a{i}: &a{i} {{<<: [*a{i - 1}, *a{i - 1}, *a{i - 1}]}}\n" for i in range(1, 30))
ALIAS_CHAIN = "a0: &a0 [1]\n" + "".join(f"a{i}: &a{i} [*a{i - 1}]\n" for i in range(1, 100))

CORPUS = {
    "flow nesting 300": ("a: " + "[" * 300 + "]" * 300, "nested deeper than 64 levels"),
    "flow nesting 400k": ("a: " + "[" * 400_000 + "]" * 400_000, "nested deeper than 64 levels"),
    "unclosed flow nesting": ("[" * 900_000, "nested deeper than 64 levels"),
    "mapping nesting": ("a: " + "{a: " * 300 + "1" + "}" * 300, "nested deeper than 64 levels"),
    "block nesting": ("".join(" " * i + "-\n" for i in range(200)), "nested deeper than 64 levels"),
    "compact sequences": ("- " * 300_000 + "x", "nested deeper than 64 levels"),
    "alias to itself": ("num_layers: &a [*a]", "an alias refers to a collection that contains it"),
    "alias in a mapping to itself": ("a: &a {b: *a}", "an alias refers to a collection that contains it"),
    "alias chain": (ALIAS_CHAIN, "nested deeper than 64 levels"),
    "merge of itself": ("x: &a\n  <<: *a\n", "merge keys (<<) nested deeper than 64 levels"),
    "merge of a scalar": ("x:\n  <<: 5\n", "a merge key (<<) takes a mapping or a list of mappings"),
    "merge of a list of scalars": ("x:\n  <<: [1, 2]\n", "a merge key (<<) takes a mapping or a list of mappings"),
    "merge bomb": (MERGE_BOMB, "YAML nodes (merge bomb?)"),
    "!!int abc": ("name: !!int abc", "'abc' is not a valid integer"),
    "!!float abc": ("a: !!float abc", "'abc' is not a valid number"),
    "!!bool maybe": ("a: !!bool maybe", "'maybe' is not a valid boolean"),
    "!!timestamp x": ("a: !!timestamp x", "'x' is not a valid date"),
    "impossible date": ("release_date: 2025-02-30", "'2025-02-30' is not a valid date (day is out of range"),
    "!!binary": ("name: !!binary aGVsbG8=", "YAML tag !!binary is not allowed"),
    "local tag": ("a: !foo x", "YAML tag !foo is not allowed"),
    "!!set": ("a: !!set {x: null}", "YAML tag !!set is not allowed"),
    "!!python/name": ("a: !!python/name:os.system x", "YAML tag !!python/name:os.system is not allowed"),
    "5,000 digits": ("a: " + "9" * 5000, "an integer of 5,000 digits is far too large"),
    "control character": ("a: é\nb: c\x07", "malformed YAML: character #x0007"),
    "undefined alias": ("a: *nope", "malformed YAML: found undefined alias"),
    "two documents": ("a: 1\n---\nb: 2\n", "malformed YAML: expected a single document"),
}


@pytest.mark.parametrize("text, message", CORPUS.values(), ids=CORPUS.keys())
def test_fails_located_and_fast(text, message):
    with time_limit(5), pytest.raises(SpecError) as caught:
        load_yaml(text, "corpus.yaml")
    (problem,) = caught.value.problems
    # PyYAML 6.0.4's libyaml stops flow nesting itself, at 1,000 levels, while scanning ahead.
    assert message in problem.message or (message.startswith("nested deeper") and
                                          problem.message == "malformed YAML: exceeded maximum nesting depth")
    assert problem.file == "corpus.yaml" and problem.line is not None


def test_merges_still_work():
    data = load_yaml("base: &b {x: 1, y: 2}\nt:\n  <<: *b\n  y: 3\nu: {<<: [{x: 5}, *b]}\n", "m.yaml").data
    assert data["t"] == {"x": 1, "y": 3} and data["u"] == {"x": 5, "y": 2}


def test_control_character_after_non_ascii_text_is_located_by_character():
    with pytest.raises(SpecError) as caught:
        load_yaml("name: ééé\x07\n", "c.yaml")
    assert (caught.value.problems[0].line, caught.value.problems[0].col) == (1, 10)
