"""The one reader of every file a user names: spec files, ``--specs`` and
``ARCHCMP_SPECS`` directories, ``import`` configs.

Only a regular file is read — a FIFO blocks forever, ``/dev/zero`` never
ends, a directory is not a document — and at most :data:`MAX_BYTES` of it.
Every failure is a :class:`SpecError` naming the file (and, for bad bytes,
the line and column), never an ``OSError``.
"""

from __future__ import annotations

import errno
import os
import stat
from pathlib import Path

from archcmp.errors import Problem, SpecError

# A spec is a few KB and the largest published config.json a few tens of KB.
MAX_BYTES = 1_000_000
# A spec nests 4 levels and a config.json 5; more is a generated document.
MAX_DEPTH = 64

_OPEN_FLAGS = os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_NOCTTY", 0)
_REASONS = {errno.ENOENT: "no such file", errno.ENAMETOOLONG: "file name too long",
            errno.EACCES: "permission denied", errno.ENOTDIR: "no such file (a parent is not a directory)",
            errno.ELOOP: "too many levels of symbolic links"}


def read_text(path: Path | str) -> str:
    """The UTF-8 text of the regular file ``path``."""
    return decode(read_bytes(path), str(path))


def read_bytes(path: Path | str) -> bytes:
    name = str(path)
    try:
        # Non-blocking, so that opening a FIFO returns at once and fstat can refuse it.
        fd = os.open(path, _OPEN_FLAGS)
    except OSError as exc:
        raise error(name, _REASONS.get(exc.errno, f"cannot read: {exc.strerror}")) from None
    except ValueError:  # an embedded NUL byte
        raise error(name, "not a valid file name") from None
    try:
        info = os.fstat(fd)
        kind = _kind(info.st_mode)
        if kind:
            raise error(name, f"is {kind}, not a regular file")
        raw = _read_at_most(fd, info.st_size, MAX_BYTES + 1)
    except OSError as exc:
        raise error(name, f"cannot read: {exc.strerror}") from None
    finally:
        os.close(fd)
    if len(raw) > MAX_BYTES:
        raise error(name, f"file is larger than {MAX_BYTES:,} bytes; not a spec or config")
    return raw


def _read_at_most(fd: int, size: int, limit: int) -> bytes:
    """Up to ``limit`` bytes, asking for the size fstat gave first: a read
    of ``limit`` would allocate a megabyte for every few-KB spec (six times
    the cost of the read); a file that grows meanwhile is read on."""
    parts, total = [], 0
    while total < limit:
        chunk = os.read(fd, min(limit - total, size + 1 - total if total <= size else 65536))
        if not chunk:
            break
        parts.append(chunk)
        total += len(chunk)
    return b"".join(parts)


def decode(raw: bytes, filename: str) -> str:
    nul = raw.find(b"\0")
    if nul >= 0:
        raise error(filename, "not a text file (it contains NUL bytes)", _byte_position(raw, nul))
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise error(filename, f"not UTF-8 text (byte {exc.start})", _byte_position(raw, exc.start)) from None


def is_directory(path: Path | str) -> bool:
    """Whether ``path`` is a directory; a name the system refuses is not."""
    try:
        return stat.S_ISDIR(os.stat(path).st_mode)
    except (OSError, ValueError):
        return False


def is_regular_file(path: Path | str) -> bool:
    try:
        return stat.S_ISREG(os.stat(path).st_mode)
    except (OSError, ValueError):
        return False


def exists(path: Path | str) -> bool:
    try:
        os.stat(path)
    except (OSError, ValueError):
        return False
    return True


def line_col(text: str, index: int) -> tuple[int, int]:
    """1-based line and column of the character at ``index``."""
    line_start = text.rfind("\n", 0, index) + 1
    return text.count("\n", 0, index) + 1, index - line_start + 1


def error(filename: str, message: str, at: tuple[int, int] | None = None, field: str | None = None) -> SpecError:
    line, col = at if at else (None, None)
    return SpecError([Problem(filename, line, col, field, message)])


def _kind(mode: int) -> str | None:
    """What a non-regular file is, in words; ``None`` for a regular file."""
    if stat.S_ISREG(mode):
        return None
    for test, words in ((stat.S_ISDIR, "a directory"), (stat.S_ISFIFO, "a FIFO (named pipe)"),
                        (stat.S_ISCHR, "a character device"), (stat.S_ISBLK, "a block device"),
                        (stat.S_ISSOCK, "a socket")):
        if test(mode):
            return words
    return "not a regular file"


def _byte_position(raw: bytes, offset: int) -> tuple[int, int]:
    line_start = raw.rfind(b"\n", 0, offset) + 1
    column = len(raw[line_start:offset].decode("utf-8", errors="replace")) + 1
    return raw.count(b"\n", 0, offset) + 1, column
