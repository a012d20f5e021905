"""Find specs by id, alias or path: bundled ones, ``--specs DIR`` and
``ARCHCMP_SPECS`` directories.

A bundled spec's file name is its id, so the common case (``archcmp params
deepseek-v3``) opens one file. Aliases and families need the small index of
every spec's ``id``, ``aliases`` and ``family``, read without validation and
only when asked for.
"""

from __future__ import annotations

import difflib
import os
from functools import cached_property
from pathlib import Path

from archcmp import inputs
from archcmp.errors import ArchcmpError, SpecError
from archcmp.load import load_spec_file, validate_located
from archcmp.record import record
from archcmp.schema import ModelSpec
from archcmp.yamlload import Located, load_fields, load_yaml

SPEC_SUFFIXES = (".yaml", ".yml")


def bundled_dir() -> Path:
    """``archcmp/specs`` inside an installed wheel; the repository's
    top-level ``specs/`` (the source of truth) in a checkout."""
    packaged = Path(__file__).parent / "specs"
    return packaged if packaged.is_dir() else Path(__file__).parent.parent / "specs"


@record
class Entry:
    id: str
    path: Path
    family: str
    aliases: tuple[str, ...]


class Registry:
    def __init__(self, extra_dirs: list[Path] | None = None, use_env: bool = True):
        dirs = list(extra_dirs or [])
        if use_env and os.environ.get("ARCHCMP_SPECS"):
            dirs += [Path(p) for p in os.environ["ARCHCMP_SPECS"].split(os.pathsep) if p]
        for d in dirs:
            if not inputs.is_directory(d):
                what = "does not exist" if not inputs.exists(d) else "is not a directory"
                raise ArchcmpError(f"{d}: spec directory {what} (--specs and ARCHCMP_SPECS name directories)")
        # User directories come first so a user spec can shadow a bundled one.
        self.dirs = dirs + [bundled_dir()]
        self._loaded: dict[Path, ModelSpec] = {}
        # The documents read for the index, so that `list` and aliases
        # validate them without reading and parsing every file twice.
        self._documents: dict[Path, Located] = {}

    def resolve(self, name: str) -> ModelSpec:
        """A model argument: a path to a YAML file, a spec id or an alias."""
        return self.load(self.path_of(name))

    def path_of(self, name: str) -> Path:
        as_path = Path(name)
        if as_path.suffix in SPEC_SUFFIXES or os.sep in name:
            if not inputs.exists(as_path):
                raise ArchcmpError(f"{name}: no such file")
            return as_path
        for d in self.dirs:
            for suffix in SPEC_SUFFIXES:
                if inputs.is_regular_file(d / f"{name}{suffix}"):
                    return d / f"{name}{suffix}"
        for entry in self.entries:
            if name == entry.id or name in entry.aliases:
                return entry.path
        raise ArchcmpError(self._unknown(name))

    def load(self, path: Path) -> ModelSpec:
        if path not in self._loaded:
            document = self._documents.pop(path, None)
            self._loaded[path] = load_spec_file(path) if document is None else validate_located(document, str(path))
        return self._loaded[path]

    def family(self, family: str) -> list[ModelSpec]:
        paths = [e.path for e in self.entries if e.family == family]
        if not paths:
            families = sorted({e.family for e in self.entries})
            raise ArchcmpError(f"unknown family {family!r}; known families: {', '.join(families)}")
        return [self.load(p) for p in paths]

    def all(self) -> list[ModelSpec]:
        return [self.load(e.path) for e in self.entries]

    @cached_property
    def entries(self) -> list[Entry]:
        seen: dict[str, Entry] = {}
        for d in self.dirs:
            for path in sorted(p for p in _listing(d) if p.suffix in SPEC_SUFFIXES):
                entry, document = _peek_located(path)
                if entry and entry.id not in seen:
                    seen[entry.id] = entry
                    self._documents[path] = document
        return list(seen.values())

    def _unknown(self, name: str) -> str:
        names = sorted({n for e in self.entries for n in (e.id, *e.aliases)})
        close = difflib.get_close_matches(name, names, n=3, cutoff=0.5)
        hint = f"; did you mean {', '.join(close)}?" if close else "; `archcmp list` shows the known models"
        return f"unknown model {name!r}{hint}"


def _listing(directory: Path) -> list[Path]:
    try:
        return list(directory.iterdir())
    except OSError as exc:
        raise ArchcmpError(f"{directory}: cannot list the spec directory: {exc.strerror}") from None


def peek(path: Path, text: str | None = None) -> Entry | None:
    """id, family and aliases of a spec (or hardware) file, without
    validating it or building the rest, read by the same bounded reader as
    a spec (a FIFO or an alias bomb in a spec directory must not hang
    ``list``). A file that does not even parse is left for ``validate`` to
    report. ``text``: the file's, when the caller has read it."""
    try:
        fields = load_fields(inputs.read_text(path) if text is None else text, str(path), ("id", "family", "aliases"))
    except SpecError:
        return None
    return None if fields is None else _entry(path, fields)


def _peek_located(path: Path) -> tuple[Entry | None, Located | None]:
    """:func:`peek`'s entry and the whole document (``list`` validates it next)."""
    try:
        located = load_yaml(inputs.read_text(path), str(path))
    except SpecError:
        return None, None
    data = located.data
    if not isinstance(data, dict):
        return None, None
    return _entry(path, data), located


def _entry(path: Path, fields: dict) -> Entry:
    aliases = fields.get("aliases")
    return Entry(
        id=_text(fields.get("id")) or path.stem,
        path=path,
        family=_text(fields.get("family")) or "",
        aliases=tuple(a for a in aliases if isinstance(a, str)) if isinstance(aliases, list) else (),
    )


def _text(value: object) -> str | None:
    return value if isinstance(value, str) else None
