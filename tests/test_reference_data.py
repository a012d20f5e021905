"""The reference facts live in the repository (tests/data/reference, copied
from ../shared/reference by its refresh.sh), so a fresh clone runs every
test against them; nothing reads the folder beside the checkout."""

from __future__ import annotations

import hashlib
import re

from testpaths import REFERENCE, REPO, expected_params, reference_names


def test_the_copy_is_unedited():
    """Published facts are refreshed from their source, never edited here."""
    listed = {}
    for line in (REFERENCE / "SHA256SUMS").read_text().splitlines():
        digest, name = line.split(maxsplit=1)
        listed[name] = digest
    present = {str(p.relative_to(REFERENCE)) for p in REFERENCE.rglob("*") if p.is_file()}
    assert present - {"SHA256SUMS", "PROVENANCE.md", "refresh.sh"} == set(listed)
    for name, digest in listed.items():
        assert hashlib.sha256((REFERENCE / name).read_bytes()).hexdigest() == digest, name


def test_every_expected_count_has_its_config():
    assert reference_names() and sorted(expected_params()) == reference_names()


def test_no_test_reads_the_folder_beside_the_checkout():
    beside = re.compile(r"""["']shared["']|["']\.\./shared""")  # a path built to it, not a mention
    offenders = [str(p.relative_to(REPO)) for p in (REPO / "tests").rglob("*.py")
                 if p.name != "test_reference_data.py" and beside.search(p.read_text())]
    assert offenders == []
