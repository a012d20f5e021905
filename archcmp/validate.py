"""Validate spec files: schema, cross-field checks, published figures, and
uniqueness of ids and aliases across the files checked together."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from archcmp import inputs
from archcmp.analysis.params import count_params
from archcmp.analysis.published import published_findings
from archcmp.errors import ArchcmpError, Problem, SpecError
from archcmp.load import load_located, located_problems
from archcmp.registry import SPEC_SUFFIXES


@dataclass
class Report:
    files: list[Path] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)

    @property
    def bad_files(self) -> int:
        return len({p.file for p in self.problems})


def spec_files(paths: list[Path]) -> list[Path]:
    """Every spec file named or found below the named directories."""
    files: list[Path] = []
    for path in paths:
        if not inputs.exists(path):
            raise ArchcmpError(f"{path}: no such file or directory")
        if inputs.is_directory(path):
            # Anything but a directory is checked, so that a FIFO named x.yaml is reported, not skipped.
            found = sorted(p for p in _below(path) if p.suffix in SPEC_SUFFIXES and not inputs.is_directory(p))
            if not found:
                raise ArchcmpError(f"{path}: directory holds no spec files (*.yaml, *.yml)")
            files += found
        else:
            files.append(path)
    return files


def _below(directory: Path) -> list[Path]:
    try:
        return list(directory.rglob("*"))
    except OSError as exc:
        raise ArchcmpError(f"{directory}: cannot list: {exc.strerror}") from None


def validate(paths: list[Path]) -> Report:
    report = Report(files=spec_files(paths))
    owners: dict[str, str] = {}
    for path in report.files:
        try:
            spec, located = load_located(path)
        except SpecError as exc:
            report.problems += exc.problems
            continue
        findings = published_findings(spec, count_params(spec))
        for name, where in [(spec.id, ("id",)), *((a, ("aliases", i)) for i, a in enumerate(spec.aliases))]:
            if name in owners and owners[name] != str(path):
                findings.append((where, f"{name!r} is already used by {owners[name]}"))
            owners.setdefault(name, str(path))
        report.problems += located_problems(located, str(path), findings)
    return report
