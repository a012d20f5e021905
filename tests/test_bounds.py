"""Every size and number option has an upper bound no real model approaches,
so a huge value fails at once (it used to hang validate, or overflow float
formatting); and values that are the wrong kind are refused, not coerced."""

from __future__ import annotations

import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from testpaths import DATA
from timelimit import time_limit

from archcmp.errors import ArchcmpError, SpecError
from archcmp.hf.patterns import compress
from archcmp.load import parse_spec
from archcmp.schema import MAX_LAYERS, MAX_SIZE
from archcmp.units import parse_bytes, parse_context, parse_contexts, parse_count

BASE = yaml.safe_load((DATA / "tiny.yaml").read_text())
# Every integer a spec states, as (section or None, field).
INTEGER_FIELDS = [(None, "vocab_size"), (None, "hidden_size"), (None, "num_layers"), (None, "max_context"),
                  ("attention", "num_heads"), ("attention", "num_kv_heads"), ("attention", "head_dim"),
                  ("attention", "sliding_window"), ("ffn", "intermediate_size")]


def spec_with(section: str | None, field: str, value: object):
    data = {**BASE, **{k: dict(v) for k, v in BASE.items() if isinstance(v, dict)}}
    (data[section] if section else data)[field] = value
    return parse_spec(yaml.safe_dump(data), "bounded.yaml")


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.sampled_from(INTEGER_FIELDS), st.integers(min_value=MAX_SIZE + 1, max_value=10**4000))
def test_a_huge_size_fails_fast_and_located(where, value):
    with time_limit(2), pytest.raises(SpecError) as caught:
        spec_with(*where, value)
    problem = caught.value.problems[0]
    assert problem.line is not None and "less than or equal to" in problem.message


@settings(max_examples=50, deadline=None)
@given(st.integers(min_value=MAX_LAYERS + 1, max_value=MAX_SIZE))
def test_num_layers_beyond_the_bound_fails_before_any_per_layer_loop(layers):
    with time_limit(2), pytest.raises(SpecError, match="less than or equal to 10000"):
        spec_with(None, "num_layers", layers)


def test_the_largest_allowed_model_is_still_quick(run, tmp_path):
    text = (DATA / "tiny.yaml").read_text().replace("num_layers: 4", f"num_layers: {MAX_LAYERS}")
    text = text.replace("vocab_size: 100", f"vocab_size: {MAX_SIZE}")
    (tmp_path / "big.yaml").write_text(text)
    with time_limit(20):
        for command in (["validate"], ["params"], ["kvcache", "--ctx", "1M"], ["flops", "--ctx", "1M"]):
            status, _, err = run(*command, str(tmp_path / "big.yaml"))
            assert status == 0, err


@pytest.mark.parametrize("where", [("positions", "rope_theta"), (None, "final_logit_softcapping")])
@pytest.mark.parametrize("value", [True, "10000", "1e4"])
def test_a_float_field_takes_numbers_only(where, value):
    with pytest.raises(SpecError, match="valid number"):
        spec_with(*where, value)


def test_a_float_field_takes_an_integer():
    assert spec_with("positions", "rope_theta", 500000).positions.rope_theta == 500000.0


@pytest.mark.parametrize("option, parse", [("--batch", lambda t: parse_count(t, "batch")),
                                           ("--train-tokens", lambda t: parse_count(t, "--train-tokens"))])
@pytest.mark.parametrize("text", ["1e400", "1e9999", "1e19", "9" * 40, "1e99999"])
def test_counts_are_bounded(option, parse, text):
    with time_limit(1), pytest.raises(ArchcmpError, match=r"bad (batch|--train-tokens)"):
        parse(text)


def test_count_bounds_are_inclusive():
    assert parse_count("1e18") == 10**18 and parse_bytes("1024PiB") == 2**60
    with pytest.raises(ArchcmpError, match="at most 1024PiB"):
        parse_bytes("1025PiB")


@pytest.mark.parametrize("text, hint", [("128K", "write 128k"), ("1m", "write 1M"), ("4K", "write 4k")])
def test_context_case_is_refused_with_the_right_spelling(text, hint):
    with pytest.raises(ArchcmpError, match=hint):
        parse_context(text)


def test_context_lists_are_bounded():
    assert len(parse_contexts(",".join(["4k"] * 64))) == 64
    with pytest.raises(ArchcmpError, match="at most 64"):
        parse_contexts(",".join(["4k"] * 65))
    assert len(parse_contexts("1..1M")) == 21


@pytest.mark.parametrize("argv", [["kvcache", "gpt2", "--batch", "1e400"], ["kvcache", "gpt2", "--batch", "1e9999"],
                                  ["flops", "gpt2", "--ctx", "4k", "--train-tokens", "1e400"],
                                  ["kvcache", "gpt2", "--ctx", "128K"], ["compare", "gpt2", "gpt2", "--ctx", "1m"],
                                  ["kvcache", "gpt2", "--ctx", "\uff14k"], ["kvcache", "gpt2", "--budget", "9" * 99]])
def test_cli_number_options_exit_2(run, argv):
    with time_limit(5):
        status, out, err = run(*argv)
    assert status == 2 and out == "" and err.startswith("error: bad ")


def brute_compress(labels):
    """The definition: try every prefix and period, fewest labels first, then the shortest prefix."""
    n, best = len(labels), None
    for prefix in range(n):
        for period in range(1, n - prefix + 1):
            if all(labels[i] == labels[prefix + (i - prefix) % period] for i in range(prefix, n)):
                if best is None or prefix + period < best[0]:
                    best = (prefix + period, prefix, period)
                break
    _, prefix, period = best
    return {"first": labels[:prefix], "repeat": labels[prefix:prefix + period]} if prefix else labels[:period]


@given(st.lists(st.sampled_from(["full", "sliding", "chunked"]), min_size=1, max_size=16),
       st.lists(st.sampled_from(["full", "sliding"]), min_size=1, max_size=4), st.integers(0, 30))
def test_linear_pattern_search_equals_the_definition(head, cycle, repeats):
    labels = head + (cycle * repeats)[: repeats]
    assert compress(labels) == brute_compress(labels)
