"""Find devices by id, alias or path: bundled ones, ``--hardware DIR`` and
``ARCHCMP_HARDWARE`` directories (the spec registry's mechanism: a user file
with the same id shadows a bundled one).

A device argument is ``ID`` or ``IDxN`` for N of them (``h100-sxmx8``,
``mi300xx8``): an id that exists as written wins, so ``IDxN`` is read as a
count only when ``ID`` alone is not a device.
"""

from __future__ import annotations

import difflib
import os
import re
from functools import cached_property
from pathlib import Path

from archcmp import inputs
from archcmp.errors import ArchcmpError
from archcmp.hardware.load import load_device_file
from archcmp.hardware.schema import Device
from archcmp.record import record
from archcmp.registry import SPEC_SUFFIXES, peek

MAX_DEVICES = 4096  # a large cluster; beyond it a count is a typo
_COUNT = re.compile(r"^(.+?)x(\d+)$")


def bundled_dir() -> Path:
    """``archcmp/hardware/devices`` in an installed wheel; the repository's
    top-level ``hardware/`` (the source of truth) in a checkout."""
    packaged = Path(__file__).parent / "devices"
    return packaged if packaged.is_dir() else Path(__file__).parents[2] / "hardware"


@record
class Fleet:
    """``count`` identical devices."""

    device: Device
    count: int

    @property
    def label(self) -> str:
        return self.device.id if self.count == 1 else f"{self.device.id}x{self.count}"


class Catalog:
    def __init__(self, extra_dirs: list[Path] | None = None, use_env: bool = True):
        dirs = list(extra_dirs or [])
        if use_env and os.environ.get("ARCHCMP_HARDWARE"):
            dirs += [Path(p) for p in os.environ["ARCHCMP_HARDWARE"].split(os.pathsep) if p]
        for d in dirs:
            if not d.is_dir():
                raise ArchcmpError(f"{d}: hardware directory does not exist")
        self.dirs = dirs + [bundled_dir()]
        self._loaded: dict[Path, Device] = {}

    def fleet(self, text: str) -> Fleet:
        """``h100-sxm``, ``h100-sxmx8``, ``my-gpu.yaml`` or ``my-gpu.yamlx4``."""
        text = text.strip()
        found = self._find(text)
        if found is not None:
            return Fleet(self.load(found), 1)
        match = _COUNT.match(text)
        if match and (found := self._find(match.group(1))) is not None:
            count = int(match.group(2))
            if not 1 <= count <= MAX_DEVICES:
                raise ArchcmpError(f"bad device count in {text!r}: expected 1 to {MAX_DEVICES}")
            return Fleet(self.load(found), count)
        raise ArchcmpError(self._unknown(text, match.group(1) if match else None))

    def resolve(self, name: str) -> Device:
        found = self._find(name)
        if found is None:
            raise ArchcmpError(self._unknown(name))
        return self.load(found)

    def load(self, path: Path) -> Device:
        if path not in self._loaded:
            self._loaded[path] = load_device_file(path)
        return self._loaded[path]

    def all(self) -> list[Device]:
        seen: dict[str, Path] = {}
        for d in self.dirs:
            for path in sorted(p for p in d.iterdir() if p.suffix in SPEC_SUFFIXES):
                entry = peek(path)
                if entry and entry.id not in seen:
                    seen[entry.id] = path
        return [self.load(p) for p in seen.values()]

    def _find(self, name: str) -> Path | None:
        as_path = Path(name)
        if as_path.suffix in SPEC_SUFFIXES or os.sep in name:
            return as_path if as_path.is_file() else None
        for d in self.dirs:
            for suffix in SPEC_SUFFIXES:
                if (d / f"{name}{suffix}").is_file():
                    return d / f"{name}{suffix}"
        return self._named(name)

    def _named(self, name: str) -> Path | None:
        """The file whose id or alias is ``name``, as :attr:`_aliases` would
        find it (earlier directories win; in one directory, the last file),
        parsing only the files whose text holds ``name``: YAML spells a
        scalar as written unless it escapes a character with a backslash."""
        for d in self.dirs:
            for path in sorted((p for p in d.iterdir() if p.suffix in SPEC_SUFFIXES), reverse=True):
                try:
                    text = inputs.read_text(path)
                except ArchcmpError:
                    continue  # as peek: a file it cannot read names nothing
                if name not in text and "\\" not in text:
                    continue
                entry = peek(path, text)
                if entry and name in (entry.id, *entry.aliases):
                    return path
        return None

    @cached_property
    def _aliases(self) -> dict[str, Path]:
        names: dict[str, Path] = {}
        for d in reversed(self.dirs):  # earlier directories win
            for path in sorted(p for p in d.iterdir() if p.suffix in SPEC_SUFFIXES):
                entry = peek(path)
                if entry:
                    names.update({n: path for n in (entry.id, *entry.aliases)})
        return names

    def _unknown(self, name: str, without_count: str | None = None) -> str:
        known = sorted(self._aliases)
        close = difflib.get_close_matches(without_count, known, n=3, cutoff=0.5) if without_count else []
        close = close or difflib.get_close_matches(name, known, n=3, cutoff=0.5)
        hint = f"; did you mean {', '.join(close)}?" if close else "; `archcmp gpus` lists the known devices"
        return f"unknown device {name!r}{hint}"
