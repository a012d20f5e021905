from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from archcmp.errors import ArchcmpError
from archcmp.units import (
    figure_tolerance,
    format_bytes,
    format_context,
    format_params,
    parse_bytes,
    parse_context,
    parse_contexts,
    parse_count,
)


@pytest.mark.parametrize("text, tokens", [("4096", 4096), ("4k", 4096), ("128k", 131072), ("1M", 1048576),
                                          (" 8k ", 8192)])
def test_parse_context(text, tokens):
    assert parse_context(text) == tokens


@pytest.mark.parametrize("text", ["", "0", "-1", "1.5k", "128kb", "abc", "1G", "4k4", "9999M", "32K", "1m",
                                  "\uff11\uff12\uff18k", "9" * 5000])
def test_bad_context(text):
    with pytest.raises(ArchcmpError, match="bad context"):
        parse_context(text)


def test_context_lists_and_ranges():
    assert parse_contexts("4k,32k,128k") == [4096, 32768, 131072]
    assert parse_contexts("4k..32k") == [4096, 8192, 16384, 32768]
    assert parse_contexts("3000..8k") == [3000, 6000, 8192]
    with pytest.raises(ArchcmpError):
        parse_contexts("32k..4k")


@given(st.integers(min_value=1, max_value=2**30))
def test_context_round_trip(tokens):
    assert parse_context(format_context(tokens)) == tokens


@pytest.mark.parametrize("text, n", [("15T", 15 * 10**12), ("2.5e12", 2_500_000_000_000), ("671B", 671 * 10**9),
                                     ("14.8T", 14_800_000_000_000), ("1000", 1000)])
def test_parse_count(text, n):
    assert parse_count(text) == n


@pytest.mark.parametrize("text", ["0", "-5", "1.5", "abc", "1e-3", "5X"])
def test_bad_count(text):
    with pytest.raises(ArchcmpError):
        parse_count(text)


def test_bytes_and_figures():
    assert parse_bytes("80GiB") == 80 * 2**30
    assert parse_bytes("24 GB") == 24 * 10**9
    assert parse_bytes("1.5TiB") == 3 * 2**39
    with pytest.raises(ArchcmpError):
        parse_bytes("lots")
    assert figure_tolerance("37B") == (37 * 10**9, 10**9)
    assert figure_tolerance("14.8B") == (14_800_000_000, 10**8)
    assert format_params(671_026_404_352) == "671.0B"
    assert format_params(124_439_808) == "124.4M"
    assert format_bytes(70272) == "68.6 KiB"
    assert format_bytes(512) == "512 B"
