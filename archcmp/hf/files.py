"""Write an output file atomically and never over an existing one unless asked."""

from __future__ import annotations

import contextlib
import os
import tempfile
from pathlib import Path

from archcmp.errors import ArchcmpError


def write_atomic(path: Path, text: str, force: bool = False) -> None:
    """Write ``text`` (as UTF-8) to ``path``; see :func:`write_atomic_bytes`."""
    write_atomic_bytes(path, text.encode("utf-8"), force)


def write_atomic_bytes(path: Path, data: bytes, force: bool = False) -> None:
    """Write ``data`` to a temporary file beside ``path``, then move it into
    place in one step, so a reader never sees half a file. Without
    ``force`` the move is a hard link, which fails if ``path`` exists, so a
    file that appears meanwhile is not overwritten either."""
    if path.is_dir():
        raise ArchcmpError(f"{path}: is a directory")
    if path.exists() and not force:
        raise ArchcmpError(f"{path}: already exists; pass --force to overwrite it")
    directory = path.parent if str(path.parent) else Path(".")
    try:
        fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=directory)
    except OSError as exc:
        raise ArchcmpError(f"{path}: cannot write: {exc.strerror}") from None
    try:
        os.fchmod(fd, 0o666 & ~_umask())  # mkstemp's 0600 would hide a report from a web server or a colleague
        with os.fdopen(fd, "wb") as out:
            out.write(data)
            out.flush()
            os.fsync(out.fileno())
        _move(Path(tmp), path, force)
    finally:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(tmp)


def _umask() -> int:
    mask = os.umask(0o022)
    os.umask(mask)
    return mask


def _move(tmp: Path, path: Path, force: bool) -> None:
    try:
        if force:
            os.replace(tmp, path)
            return
        try:
            os.link(tmp, path)
        except FileExistsError:
            raise ArchcmpError(f"{path}: already exists; pass --force to overwrite it") from None
        except OSError:  # no hard links on this file system: check-then-replace
            if path.exists():
                raise ArchcmpError(f"{path}: already exists; pass --force to overwrite it") from None
            os.replace(tmp, path)
    except ArchcmpError:
        raise
    except OSError as exc:
        raise ArchcmpError(f"{path}: cannot write: {exc.strerror}") from None
