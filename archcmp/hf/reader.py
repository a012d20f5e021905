"""Typed reads of one Hugging Face config dict against one family's defaults.

A key missing from the file takes the family's transformers default; a key
present with ``null`` is ``None``, as the transformers config dataclasses
treat it. Every read names a key the family declares in its defaults, so the
set of keys a family understands is written down in one place.
"""

from __future__ import annotations

import json
import re
from typing import Any

from archcmp.errors import ArchcmpError, Problem


class Reader:
    def __init__(self, config: dict, defaults: dict, filename: str, text: str = ""):
        self.config = config
        self.defaults = defaults
        self.filename = filename
        self.text = text
        self.warnings: list[str] = []

    def raw(self, key: str) -> Any:
        if key not in self.defaults:  # a family reading an undeclared key is a bug, not user error
            raise KeyError(f"{key!r} is not declared in the family defaults")
        return self.config.get(key, self.defaults[key])

    def given(self, key: str) -> bool:
        """Whether the file sets ``key`` to something other than null."""
        return self.config.get(key) is not None

    def int(self, key: str, minimum: int = 1) -> int:
        value = self.raw(key)
        if not _is_int(value) or value < minimum:
            self.fail(key, f"expected an integer >= {minimum}, found {value!r}")
        return value

    def opt_int(self, key: str, minimum: int = 1) -> int | None:
        return None if self.raw(key) is None else self.int(key, minimum)

    def number(self, key: str) -> float | None:
        value = self.raw(key)
        if value is not None and (isinstance(value, bool) or not isinstance(value, int | float)):
            self.fail(key, f"expected a number, found {value!r}")
        return value

    def bool(self, key: str) -> bool:
        value = self.raw(key)
        if value is None:
            return False
        if not isinstance(value, bool):
            self.fail(key, f"expected true or false, found {value!r}")
        return value

    def str(self, key: str) -> str | None:
        return self._optional(key, str, "a string")

    def list(self, key: str, length: int | None = None) -> list | None:
        value = self.raw(key)
        if value is None:
            return None
        if not isinstance(value, list):
            self.fail(key, f"expected a list, found {value!r}")
        if length is not None and len(value) != length:
            self.fail(key, f"has {len(value)} entries for {length} layers")
        return value

    def dict(self, key: str) -> dict | None:
        return self._optional(key, dict, "a mapping")

    def _optional(self, key: str, kind: type, what: str):
        value = self.raw(key)
        if value is not None and not isinstance(value, kind):
            self.fail(key, f"expected {what}, found {value!r}")
        return value

    def warn(self, key: str, message: str) -> None:
        self.warnings.append(str(self.problem(key, message)))

    def fail(self, key: str, message: str):
        raise ArchcmpError(message, [self.problem(key, message)])

    def problem(self, key: str, message: str) -> Problem:
        return Problem(self.filename, key_line(self.text, key), None, key, message)


def key_line(text: str, key: str) -> int | None:
    """The line of the first ``"key":`` in the JSON text (for messages only)."""
    match = re.search(rf'"{re.escape(key)}"\s*:', text)
    return text.count("\n", 0, match.start()) + 1 if match else None


def parse_json(text: str, filename: str) -> dict:
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        problem = Problem(filename, exc.lineno, exc.colno, None, f"not valid JSON: {exc.msg}")
        raise ArchcmpError(problem.message, [problem]) from None
    if not isinstance(data, dict):
        problem = Problem(filename, 1, 1, None, "expected a JSON object (a config.json)")
        raise ArchcmpError(problem.message, [problem])
    return data


def _is_int(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)
