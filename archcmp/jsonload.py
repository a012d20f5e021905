"""Bounded JSON (a config.json) with the line and column of every key.

``json.loads`` gives no positions, recurses once per level of nesting
(100,000 levels is a RecursionError), accepts ``NaN`` and ``Infinity``,
reads ``1e400`` as infinity, keeps the last of duplicate keys and refuses
integers of over 4,300 digits with a ValueError. So one pass over the tokens
first records where each key stands and refuses all of those, located as
``file:line:col``; ``json.loads`` then only builds the data. ``NaN`` and
``Infinity`` are recorded (``Located.nonfinite``) rather than refused here:
transformers itself writes ``Infinity`` into some configs (NemotronHConfig's
``time_step_limit``), so the importer refuses them only where the family
reads the value.
"""

from __future__ import annotations

import bisect
import json
import math
import re
from dataclasses import dataclass

from archcmp.inputs import MAX_DEPTH, error
from archcmp.yamlload import Located

# A string (possibly unterminated: json.loads then says where), a structural
# character, or a bare word (numbers, true/false/null, NaN, garbage).
_TOKEN = re.compile(r'"(?:[^"\\]|\\.)*"?|[{}\[\]:,]|[^\s{}\[\]:,"]+')
_NOT_NUMBERS = {"NaN", "Infinity", "-Infinity"}
_MAX_DIGITS = 1_000  # far past any config value, far below int()'s 4,300


@dataclass
class _Frame:
    is_object: bool
    label: str | int | None = None  # the current key, or the current index
    expect_key: bool = False


def load_json(text: str, filename: str) -> Located:
    scanner = _Scanner(text, filename)
    positions = scanner.scan()
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        raise error(filename, f"not valid JSON: {exc.msg}", (exc.lineno, exc.colno)) from None
    return Located(data=data, positions=positions, nonfinite=scanner.nonfinite)


class _Scanner:
    def __init__(self, text: str, filename: str):
        self.text = text
        self.filename = filename
        self.newlines = [m.start() for m in re.finditer("\n", text)]
        self.stack: list[_Frame] = []
        self.positions: dict[tuple, tuple[int, int]] = {}
        self.nonfinite: dict[tuple, str] = {}

    def scan(self) -> dict[tuple, tuple[int, int]]:
        for match in _TOKEN.finditer(self.text):
            token, start = match.group(), match.start()
            if token in ("{", "["):
                self._value_starts(start)
                self.stack.append(_Frame(is_object=token == "{", expect_key=token == "{",
                                         label=None if token == "{" else 0))
                if len(self.stack) > MAX_DEPTH:
                    raise self._error(start, f"nested deeper than {MAX_DEPTH} levels; not a config.json")
            elif token in ("}", "]"):
                if self.stack:
                    self.stack.pop()
            elif token == ",":
                self._next_item()
            elif token != ":":
                self._item(token, start)
        return self.positions

    def _item(self, token: str, start: int) -> None:
        top = self.stack[-1] if self.stack else None
        if top is not None and top.is_object and top.expect_key and token.startswith('"'):
            self._key(token, start, top)
            return
        self._value_starts(start)
        if not token.startswith('"'):
            self._check_number(token, start)

    def _key(self, token: str, start: int, top: _Frame) -> None:
        try:
            key = json.loads(token)
        except ValueError:
            return  # malformed: json.loads reports it, located
        path = self._path() + (key,)
        if path in self.positions:
            line, _ = self.positions[path]
            raise self._error(start, f"duplicate key {key!r} (also on line {line}); JSON readers keep only "
                                     "the last, so the file says two things", _dotted(path))
        self.positions[path] = self._at(start)
        top.label, top.expect_key = key, False

    def _value_starts(self, start: int) -> None:
        top = self.stack[-1] if self.stack else None
        if top is not None and not top.is_object:
            self.positions.setdefault(self._path() + (top.label,), self._at(start))

    def _next_item(self) -> None:
        top = self.stack[-1] if self.stack else None
        if top is None:
            return
        if top.is_object:
            top.expect_key = True
        elif isinstance(top.label, int):
            top.label += 1

    def _check_number(self, token: str, start: int) -> None:
        if token in _NOT_NUMBERS:
            if not self.stack:
                raise self._error(start, f"{token} is not a JSON number; a config.json holds finite numbers")
            path = tuple(frame.label for frame in self.stack)
            self.positions.setdefault(path, self._at(start))
            self.nonfinite[path] = token
        if len(token) > _MAX_DIGITS:
            raise self._error(start, f"a number of {len(token):,} digits is far too large")
        if ("e" in token or "E" in token or "." in token) and _is_number(token) and math.isinf(float(token)):
            raise self._error(start, f"{token} is too large for a number")

    def _path(self) -> tuple:
        return tuple(frame.label for frame in self.stack[:-1])

    def _at(self, index: int) -> tuple[int, int]:
        line = bisect.bisect_left(self.newlines, index)
        line_start = self.newlines[line - 1] + 1 if line else 0
        return line + 1, index - line_start + 1

    def _error(self, index: int, message: str, field: str | None = None):
        return error(self.filename, message, self._at(index), field)


def _is_number(token: str) -> bool:
    try:
        float(token)
    except ValueError:
        return False
    return True


def _dotted(path: tuple) -> str:
    return ".".join(str(p) for p in path)
