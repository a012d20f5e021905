from __future__ import annotations

import os
import tempfile

import pytest
from hypothesis import settings

# No timing in tests: a CI machine under load runs an example 20x slower now
# and then, which hypothesis's 200 ms deadline would call a flaky failure.
settings.register_profile("archcmp", deadline=None)
settings.load_profile("archcmp")

# The kept validators (archcmp.validator_cache) of this run, in and out of
# process, go to a directory of the run's own, not the user's ~/.cache.
os.environ.setdefault("ARCHCMP_CACHE_DIR", tempfile.mkdtemp(prefix="archcmp-test-cache-"))

from archcmp.cli import main  # noqa: E402 - after the environment it reads


@pytest.fixture
def run(capsys, monkeypatch):
    """Run the CLI in-process: returns (status, stdout, stderr)."""
    monkeypatch.delenv("ARCHCMP_SPECS", raising=False)
    monkeypatch.delenv("ARCHCMP_HARDWARE", raising=False)
    monkeypatch.setenv("NO_COLOR", "1")

    def _run(*argv: str):
        status = main(list(argv))
        out = capsys.readouterr()
        return status, out.out, out.err

    return _run
