"""Parse and format counts, bytes, contexts and FLOPs.

Contexts use k = 1024 and M = 1024² as model cards do (128k = 131072).
Parameter and token counts use decimal SI suffixes (671B, 14.8T). Bytes are
binary units (KiB, MiB, GiB) and always say so.
"""

from __future__ import annotations

import decimal
import re
from decimal import Decimal

from archcmp.errors import ArchcmpError

# ASCII digits only ([0-9], not \d, which takes any script's digits), and few
# of them: int() of a long digit string is slow, and beyond 4,300 an error.
_CONTEXT = re.compile(r"^([0-9]{1,10})(k|M)?$")
_CONTEXT_CASE = re.compile(r"^([0-9]{1,10})(K|m)$")
_COUNT = re.compile(r"^([0-9]{1,30}(?:\.[0-9]{1,30})?(?:[eE][0-9]{1,4})?)\s*([KMBT]?)$")
_BYTES = re.compile(r"^([0-9]{1,30}(?:\.[0-9]{1,30})?)\s*([KMGTP]i?B|B)?$", re.IGNORECASE)
_SI = {"": 1, "K": 10**3, "M": 10**6, "B": 10**9, "T": 10**12}
_BINARY = {"B": 1, "KIB": 2**10, "MIB": 2**20, "GIB": 2**30, "TIB": 2**40, "PIB": 2**50,
           "KB": 10**3, "MB": 10**6, "GB": 10**9, "TB": 10**12, "PB": 10**15}

MAX_CONTEXT = 2**30  # also the schema's MAX_SIZE
MAX_CONTEXTS = 64  # contexts in one --ctx list or range
MAX_COUNT = 10**18  # --batch, --train-tokens: a billion times today's largest training runs
MAX_BYTES = 2**60  # --budget: 1024 PiB


def parse_context(text: str) -> int:
    """``4096``, ``4k``, ``128k``, ``1M`` → tokens (k = 1024), and nothing
    else: ``128K`` could be read as 128,000 and ``1m`` as a milli, so they
    are refused with the spelling that means 1024."""
    match = _CONTEXT.match(text.strip())
    if not match:
        wrong_case = _CONTEXT_CASE.match(text.strip())
        hint = (f"; write {wrong_case.group(1)}{wrong_case.group(2).swapcase()} (k = 1024, M = 1024²)"
                if wrong_case else "")
        raise ArchcmpError(f"bad context length {_shown(text)}: expected a whole number of tokens such as "
                           f"4096, 32k, 128k or 1M{hint}")
    value = int(match.group(1)) * {None: 1, "k": 1024, "M": 1024**2}[match.group(2)]
    if not 0 < value <= MAX_CONTEXT:
        raise ArchcmpError(f"bad context length {text!r}: must be between 1 and {MAX_CONTEXT:,} tokens")
    return value


def parse_contexts(text: str) -> list[int]:
    """A context, a comma list (``4k,32k,128k``) or a doubling range
    (``4k..128k`` = 4k, 8k, …, 128k)."""
    if ".." in text:
        low, _, high = text.partition("..")
        start, stop = parse_context(low), parse_context(high)
        if start > stop:
            raise ArchcmpError(f"bad context range {text!r}: {low} is larger than {high}")
        values = []
        while start < stop:
            values.append(start)
            start *= 2
        return values + [stop]  # at most 31 values: 1 doubles to 2**30 in 30 steps
    parts = text.split(",")
    if len(parts) > MAX_CONTEXTS:
        raise ArchcmpError(f"bad context list: {len(parts):,} contexts; at most {MAX_CONTEXTS} at once")
    return [parse_context(part) for part in parts]


def parse_count(text: str, what: str = "count") -> int:
    """``15T``, ``2.5e12``, ``671B``, ``1000`` → an integer (decimal SI)."""
    match = _COUNT.match(str(text).strip())
    if not match:
        raise ArchcmpError(f"bad {what} {_shown(text)}: expected a number such as 1000, 2.5e12, 671B or 15T")
    value = _exact(match.group(1), _SI[match.group(2).upper()])
    if value <= 0 or value != value.to_integral_value():
        raise ArchcmpError(f"bad {what} {_shown(text)}: must be a positive whole number")
    if value > MAX_COUNT:
        raise ArchcmpError(f"bad {what} {_shown(text)}: must be at most {MAX_COUNT:.0e}".replace("e+", "e"))
    return int(value)


def _exact(number: str, scale: int) -> Decimal:
    """``number × scale`` without rounding; an exponent past any bound (1e9999)
    becomes Infinity rather than an overflow error, and fails the bound."""
    with decimal.localcontext() as context:
        context.prec = 80  # 30 + 30 digits and a suffix: exact
        context.traps[decimal.Overflow] = False
        return Decimal(number) * scale


def _shown(text: str) -> str:
    return repr(text) if len(text) <= 40 else repr(text[:40] + "...")


def figure_tolerance(text: str) -> tuple[int, int]:
    """A vendor figure such as ``37B`` or ``14.8B`` → (value, one unit of its
    last stated digit). Vendors both round and truncate, so a count agrees
    when it lies within one such unit."""
    number, suffix = re.match(r"^(\d+(?:\.(\d+))?)\s*([KMBT])$", text.strip()).group(1, 3)
    decimals = len(number.partition(".")[2])
    scale = _SI[suffix]
    return int(Decimal(number) * scale), scale // 10**decimals


def parse_bytes(text: str, what: str = "size") -> int:
    """``80GiB``, ``24 GB``, ``1.5TiB``, ``1000`` → bytes."""
    match = _BYTES.match(text.strip())
    if not match:
        raise ArchcmpError(f"bad {what} {_shown(text)}: expected bytes such as 80GiB, 24GB or 1.5TiB")
    value = _exact(match.group(1), _BINARY[(match.group(2) or "B").upper()])
    if value < 1:
        raise ArchcmpError(f"bad {what} {_shown(text)}: must be at least one byte")
    if value > MAX_BYTES:
        raise ArchcmpError(f"bad {what} {_shown(text)}: must be at most 1024PiB (2**60 bytes)")
    return int(value)


def format_params(n: int) -> str:
    """671026404352 → ``671.0B``; 124439808 → ``124.4M``."""
    for suffix, scale in (("T", 10**12), ("B", 10**9), ("M", 10**6), ("K", 10**3)):
        if abs(n) >= scale:
            return f"{n / scale:.1f}{suffix}"
    return str(n)


def format_bytes(n: int) -> str:
    """Binary units: 70272 → ``68.6 KiB``."""
    value = float(n)
    for unit in ("B", "KiB", "MiB", "GiB", "TiB"):
        if abs(value) < 1024 or unit == "TiB":
            return f"{n} B" if unit == "B" else f"{value:.1f} {unit}"
        value /= 1024
    raise AssertionError("unreachable")


def format_flops(n: float) -> str:
    """2.1e12 → ``2.1 TFLOP``; past the exa range, as training budgets are
    quoted: 3.8e24 → ``3.8e24 FLOP``."""
    if abs(n) >= 1e21:
        mantissa, exponent = f"{n:.1e}".split("e")
        return f"{mantissa}e{int(exponent)} FLOP"
    for unit, scale in (("EFLOP", 1e18), ("PFLOP", 1e15), ("TFLOP", 1e12), ("GFLOP", 1e9), ("MFLOP", 1e6)):
        if abs(n) >= scale:
            return f"{n / scale:.1f} {unit}"
    return f"{n:,.0f} FLOP"


def format_context(tokens: int) -> str:
    """131072 → ``128k``; 4000 → ``4000``."""
    if tokens % 1024**2 == 0:
        return f"{tokens // 1024**2}M"
    if tokens % 1024 == 0:
        return f"{tokens // 1024}k"
    return str(tokens)
