"""A pydantic model's validator and serializer, kept between runs.

Building :class:`~archcmp.schema.ModelSpec`'s validator (pydantic generating
the core schema of 29 models in Python, then pydantic-core compiling it)
costs about 20 ms, the largest single cost of a command. pydantic-core's
validators and serializers pickle as their core schema (the model classes
and validator functions by name) and compile again in Rust when loaded, in
about 2 ms. So the first run builds them and keeps them in the cache
directory; later runs load them. What is kept is what pydantic builds, so a
spec validates, fails and dumps the same either way (``tests/test_validator_cache.py``).

The file is named after a digest of everything the schema is made from:
the source of every module of the model's package, pydantic's,
pydantic-core's and Python's versions. A changed schema gets a new file and
never loads an old one. Like ``__pycache__``, the cache holds code that is
loaded, so only a regular file owned by this user and writable by no one
else is read; a file that fails to load is built again.

Where: ``$ARCHCMP_CACHE_DIR``, else ``$XDG_CACHE_HOME/archcmp``, else
``~/.cache/archcmp``. ``ARCHCMP_NO_CACHE=1`` neither reads nor writes it. A
cache that cannot be written (a read-only home) only costs the build.
"""

from __future__ import annotations

import hashlib
import os
import pickle
import stat
import sys
from pathlib import Path
from typing import TypeVar

from pydantic import BaseModel

Model = TypeVar("Model", bound=type[BaseModel])

MAX_CACHE_BYTES = 4 * 2**20  # a spec's validator pickles to ~16 KB


def prepared(model: Model) -> Model:
    """``model``, its validator and serializer built: loaded from the cache
    when this schema's were kept, else built now and kept."""
    if model.__pydantic_complete__ or model in _prepared:
        return model
    _prepared.add(model)
    directory = cache_dir()
    if directory is None:
        return model  # pydantic builds on first use
    digest = _digest(model)
    if digest is None:
        return model  # sources it cannot read (a zipped install): nothing to key a file by
    path = directory / f"{model.__name__}-{digest}.pickle"
    loaded = _load(path)
    if loaded is not None:
        model.__pydantic_validator__, model.__pydantic_serializer__ = loaded
    else:
        model.model_rebuild()
        _store(path, (model.__pydantic_validator__, model.__pydantic_serializer__))
    return model


_prepared: set[type] = set()


def cache_dir() -> Path | None:
    if os.environ.get("ARCHCMP_NO_CACHE"):
        return None
    if os.environ.get("ARCHCMP_CACHE_DIR"):
        return Path(os.environ["ARCHCMP_CACHE_DIR"])
    base = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    return Path(base) / "archcmp"


def _digest(model: type[BaseModel]) -> str | None:
    import pydantic
    import pydantic_core

    digest = hashlib.sha256()
    for part in (sys.version, pydantic.VERSION, pydantic_core.__version__, model.__module__, model.__qualname__):
        digest.update(part.encode() + b"\0")
    module_file = getattr(sys.modules[model.__module__], "__file__", None)
    sources = sorted(Path(module_file).parent.glob("*.py")) if module_file else []
    if not sources:
        return None
    try:
        for source in sources:
            digest.update(source.name.encode() + b"\0" + source.read_bytes() + b"\0")
    except OSError:
        return None
    return digest.hexdigest()[:32]


def _load(path: Path) -> tuple | None:
    """The kept pair, or None when there is none this user can trust."""
    try:
        fd = os.open(path, os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_NONBLOCK", 0))
    except OSError:
        return None
    try:
        info = os.fstat(fd)
        if (not stat.S_ISREG(info.st_mode) or info.st_uid != os.geteuid() or info.st_mode & 0o022
                or info.st_size > MAX_CACHE_BYTES):
            return None
        data = os.read(fd, MAX_CACHE_BYTES + 1)
    except OSError:
        return None
    finally:
        os.close(fd)
    try:
        loaded = pickle.loads(data)
    except Exception:  # noqa: BLE001 - a stale or torn file is rebuilt, whatever it holds
        return None
    from pydantic_core import SchemaSerializer, SchemaValidator

    if (isinstance(loaded, tuple) and len(loaded) == 2 and isinstance(loaded[0], SchemaValidator)
            and isinstance(loaded[1], SchemaSerializer)):
        return loaded
    return None


def _store(path: Path, pair: tuple) -> None:
    """Write atomically (a concurrent run reads the old file or the new one),
    and drop the files of this model's earlier schemas."""
    import tempfile  # only when writing: ~1 ms to import

    data = pickle.dumps(pair, protocol=pickle.HIGHEST_PROTOCOL)  # a schema that does not pickle is a bug
    temporary = None
    try:
        path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
        fd, temporary = tempfile.mkstemp(dir=path.parent, prefix=".tmp-")
        with os.fdopen(fd, "wb") as file:
            file.write(data)
        os.replace(temporary, path)
        temporary = None
        for old in path.parent.glob(path.name.split("-")[0] + "-*.pickle"):
            if old != path:
                old.unlink(missing_ok=True)
    except OSError:
        pass
    finally:
        if temporary is not None:
            Path(temporary).unlink(missing_ok=True)
