"""Every reference model's counts equal tests/data/reference/expected_params.json,
which was produced by instantiating the published configs in transformers."""

from __future__ import annotations

import pytest
from testpaths import expected_params

from archcmp.analysis.params import count_params
from archcmp.registry import Registry

EXPECTED = expected_params()


@pytest.mark.parametrize("model", sorted(EXPECTED))
def test_counts_equal_reference(model):
    want = EXPECTED[model]
    got = count_params(Registry(use_env=False).resolve(model))
    assert got.total_params == want["total_params"]
    assert got.active_params == want["active_params"]
    assert got.active_params_excl_embedding == want["active_params_excl_embedding"]
    assert got.components == want["components"]


def test_deepseek_v3_headline(run):
    status, out, _ = run("params", "deepseek-v3")
    assert status == 0
    assert "671,026,404,352" in out and "37,552,282,624" in out
