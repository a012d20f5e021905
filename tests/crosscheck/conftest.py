"""Cross-checks against Hugging Face transformers (torch on the CPU).

They need the ``crosscheck`` extra. Without it they skip with a visible
reason, so the plain test command passes on any fresh machine; CI sets
``ARCHCMP_REQUIRE_CROSSCHECK=1`` so that a skip there is a failure.
"""

from __future__ import annotations

import os

import pytest

REQUIRED = os.environ.get("ARCHCMP_REQUIRE_CROSSCHECK") == "1"


def _missing() -> str | None:
    try:
        import torch  # noqa: F401
        import transformers  # noqa: F401
    except ImportError as exc:
        return f"cross-check needs the crosscheck extra (torch, transformers): {exc}"
    return None


MISSING = _missing()


def pytest_collection_modifyitems(config, items):
    if MISSING is None or REQUIRED:  # when required, the fixture below fails each test
        return
    for item in items:
        if "crosscheck" in str(item.fspath):
            item.add_marker(pytest.mark.skip(reason=MISSING))


@pytest.fixture(scope="session", autouse=True)
def _require_crosscheck_deps():
    if MISSING and REQUIRED:
        pytest.fail(f"ARCHCMP_REQUIRE_CROSSCHECK=1 but {MISSING}", pytrace=False)
