"""Typed reads of one Hugging Face config dict against one family's defaults.

A key missing from the file takes the family's transformers default; a key
present with ``null`` is ``None``, as the transformers config dataclasses
treat it. Every read names a key the family declares in its defaults, so the
set of keys a family understands is written down in one place.
"""

from __future__ import annotations

import math
from typing import Any

from archcmp.errors import ArchcmpError, Problem
from archcmp.schema import MAX_LAYERS, MAX_SIZE
from archcmp.yamlload import Located

# Keys that count layers bound what the families iterate over, as num_layers
# is bounded in a spec; every other integer is a size, bounded as a spec's.
_LAYER_KEYS = frozenset({"num_hidden_layers", "n_layer", "num_layers"})


class Reader:
    """``located``: where each key of the file stands; ``base``: the path of
    this config in the file (``("text_config",)`` for a multimodal one)."""

    def __init__(self, config: dict, defaults: dict, filename: str, located: Located | None = None,
                 base: tuple = ()):
        self.config = config
        self.defaults = defaults
        self.filename = filename
        self.located = located or Located(data=config)
        self.base = base
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
            self.fail(key, f"expected an integer >= {minimum}, found {_shown(value)}")
        maximum = MAX_LAYERS if key in _LAYER_KEYS else MAX_SIZE
        if value > maximum:
            self.fail(key, f"{_shown(value)} is above {maximum:,}, the most archcmp accepts (no model comes close)")
        return value

    def opt_int(self, key: str, minimum: int = 1) -> int | None:
        return None if self.raw(key) is None else self.int(key, minimum)

    def number(self, key: str) -> float | None:
        value = self.raw(key)
        if value is not None and not is_finite_number(value):
            finite = " finite" if isinstance(value, float) else ""
            self.fail(key, f"expected a{finite} number, found {_shown(value)}")
        return value

    def bool(self, key: str) -> bool:
        value = self.raw(key)
        if value is None:
            return False
        if not isinstance(value, bool):
            self.fail(key, f"expected true or false, found {_shown(value)}")
        return value

    def str(self, key: str) -> str | None:
        return self._optional(key, str, "a string")

    def list(self, key: str, length: int | None = None) -> list | None:
        value = self.raw(key)
        if value is None:
            return None
        if not isinstance(value, list):
            self.fail(key, f"expected a list, found {_shown(value)}")
        if length is not None and len(value) != length:
            self.fail(key, f"has {len(value)} entries for {length} layers")
        return value

    def dict(self, key: str) -> dict | None:
        return self._optional(key, dict, "a mapping")

    def _optional(self, key: str, kind: type, what: str):
        value = self.raw(key)
        if value is not None and not isinstance(value, kind):
            self.fail(key, f"expected {what}, found {_shown(value)}")
        return value

    def warn(self, key: str, message: str, inner: str | None = None) -> None:
        self.warnings.append(str(self.problem(key, message, inner)))

    def fail(self, key: str, message: str, inner: str | None = None):
        raise ArchcmpError(message, [self.problem(key, message, inner)])

    def problem(self, key: str, message: str, inner: str | None = None) -> Problem:
        """A problem at ``key``, or at the key ``inner`` found inside it (a
        rope dict's ``rope_theta``), located in the file as written."""
        path = self.base + (key,)
        if inner is not None:
            path = _find(self.located.positions, path, inner) or path
        line, col = self.located.where(path)
        return Problem(self.filename, line, col, ".".join(str(p) for p in path[len(self.base):]), message)


def _find(positions: dict, prefix: tuple, name: str) -> tuple | None:
    """The first located path below ``prefix`` that ends in ``name``."""
    return next((p for p in positions if p[:len(prefix)] == prefix and p[-1] == name and len(p) > len(prefix)),
                None)


def is_finite_number(value: Any) -> bool:
    if isinstance(value, bool) or not isinstance(value, int | float):
        return False
    return isinstance(value, int) or math.isfinite(value)  # isfinite(10**400) would overflow


def _is_int(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _shown(value: Any) -> str:
    text = repr(value)
    return text if len(text) <= 40 else text[:30] + f"... ({len(text):,} characters)"
