from __future__ import annotations

import pytest
from hypothesis import settings

# No timing in tests: a CI machine under load runs an example 20x slower now
# and then, which hypothesis's 200 ms deadline would call a flaky failure.
settings.register_profile("archcmp", deadline=None)
settings.load_profile("archcmp")

from archcmp.cli import main


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
