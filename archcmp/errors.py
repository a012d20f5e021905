"""The one exception family the CLI turns into a message and an exit status.

Everything that is the user's fault (a bad spec, an unknown model name, a bad
``--ctx``) raises :class:`ArchcmpError`; anything else is a bug and may raise.
"""

from __future__ import annotations

from archcmp.record import record


@record
class Problem:
    """One thing wrong with one input, located as precisely as we can."""

    file: str
    line: int | None
    col: int | None
    field: str | None
    message: str

    def __str__(self) -> str:
        where = self.file
        if self.line is not None:
            where += f":{self.line}:{self.col or 1}"
        field = f" {self.field}:" if self.field else ""
        return f"{where}:{field} {self.message}"


class ArchcmpError(Exception):
    """A user error: bad input, bad argument. Exit status 2 at the CLI."""

    def __init__(self, message: str, problems: list[Problem] | None = None):
        super().__init__(message)
        self.problems = problems or []

    def lines(self) -> list[str]:
        return [str(p) for p in self.problems] or [str(self)]


class SpecError(ArchcmpError):
    """A spec file that cannot be read or is not a valid spec."""

    def __init__(self, problems: list[Problem]):
        super().__init__(str(problems[0]) if problems else "invalid spec", problems)
