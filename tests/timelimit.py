"""A wall-clock limit for one test step, so that a regression that makes an
input hang fails the test at once instead of hanging CI (one run once sat in
a property test for 75 minutes). Unix only; elsewhere no limit."""

from __future__ import annotations

import contextlib
import signal
import threading


class TookTooLong(AssertionError):
    pass


@contextlib.contextmanager
def time_limit(seconds: float):
    usable = hasattr(signal, "setitimer") and threading.current_thread() is threading.main_thread()
    if not usable:
        yield
        return

    def _expired(signum, frame):
        raise TookTooLong(f"took longer than {seconds} s: sizes must be bounded")

    previous = signal.signal(signal.SIGALRM, _expired)
    signal.setitimer(signal.ITIMER_REAL, seconds)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)
