"""Write an output file atomically and never over an existing one unless asked."""

from __future__ import annotations

import contextlib
import os
import stat
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
    file that appears meanwhile is not overwritten either. The file gets the
    mode an ordinary write would give it: an overwritten file keeps its own,
    a new one follows the umask (mkstemp's 0600 would hide it from others)."""
    try:
        mode = _target_mode(path, force)
        directory = path.parent if str(path.parent) else Path(".")
        # A short prefix, so that a name near the 255-byte limit still has room.
        fd, tmp = tempfile.mkstemp(prefix=f".{path.name[:40]}.", suffix=".tmp", dir=directory)
    except OSError as exc:
        raise ArchcmpError(f"{path}: cannot write: {exc.strerror}") from None
    try:
        with os.fdopen(fd, "wb") as out:
            os.fchmod(out.fileno(), mode)
            out.write(data)
            out.flush()
            os.fsync(out.fileno())
        _move(Path(tmp), path, force)
    except OSError as exc:
        raise ArchcmpError(f"{path}: cannot write: {exc.strerror}") from None
    finally:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(tmp)


def _target_mode(path: Path, force: bool) -> int:
    """The permission bits to give the file; refuses a directory, and an
    existing file without ``force``."""
    try:
        existing = os.stat(path)
    except FileNotFoundError:
        return 0o666 & ~_umask()
    if stat.S_ISDIR(existing.st_mode):
        raise ArchcmpError(f"{path}: is a directory")
    if not force:
        raise ArchcmpError(f"{path}: already exists; pass --force to overwrite it")
    return stat.S_IMODE(existing.st_mode)


def _umask() -> int:
    mask = os.umask(0o022)  # reading the umask means setting it; put it back at once
    os.umask(mask)
    return mask


def _move(tmp: Path, path: Path, force: bool) -> None:
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
