"""``@record``: a frozen dataclass that costs a fifth as much to define.

Python 3.11's ``@dataclass(frozen=True)`` compiles six methods for every
class (``__init__``, ``__repr__``, ``__eq__``, ``__hash__``, ``__setattr__``,
``__delattr__``), one ``exec`` each: about 1.3 ms a class on the
development machine, and a command imports some seventy of them (layer
kinds, results, fact values) — a fifth of what archcmp adds to the cost of
any typer command. A record collects its fields itself, as the
:class:`dataclasses.Field` objects ``dataclass`` would make (so ``fields``,
``replace``, ``is_dataclass`` and ``match`` keep working), without the
regular expressions ``dataclass`` runs on every string annotation (that
collection alone was 1 M instructions a class); it compiles only
``__init__`` and shares one implementation of the other five across every
record. The behaviour is a frozen dataclass's:
keyword-only fields, defaults and default factories, equality of the same
class field by field, a hash of the fields, assignment raising
:class:`dataclasses.FrozenInstanceError`. ``benchmarks/startup.py``
measures the difference.
"""

from __future__ import annotations

import dataclasses
import inspect
import typing
from operator import attrgetter

__all__ = ["record"]

_FACTORY = object()  # a parameter left at its default: call the field's factory


def record(cls: type | None = None, /, *, kw_only: bool = False):
    """``@record`` or ``@record(kw_only=True)`` on a class, as on ``@dataclass(frozen=True)``."""

    def wrap(cls: type) -> type:
        fields = _fields(cls, kw_only)
        # What dataclasses.fields, replace and is_dataclass read, and match's positions
        cls.__dataclass_fields__ = {f.name: f for f in fields}
        cls.__match_args__ = tuple(f.name for f in fields if f.init and not f.kw_only)
        cls.__init__ = _first_init(cls, fields)
        values = _values([f.name for f in fields])
        cls.__record__, cls.__record_values__ = True, staticmethod(values)
        cls.__record_repr__ = tuple(f.name for f in fields if f.repr)
        for name, method in _SHARED.items():  # a method the class defines stays, as with dataclass
            if cls.__dict__.get(name) is None:
                setattr(cls, name, method)
        return cls

    return wrap if cls is None else wrap(cls)


def _fields(cls: type, kw_only: bool) -> tuple[dataclasses.Field, ...]:
    """The fields, base records' first, as :func:`dataclasses.dataclass`
    collects them; a fifth of its cost (no regular expression per
    annotation), which is most of what a record costs to define."""
    found: dict[str, dataclasses.Field] = {}
    for base in reversed(cls.__mro__[1:]):
        if "__dataclass_fields__" in base.__dict__:
            if not getattr(base, "__record__", False):
                raise TypeError(f"record {cls.__name__} cannot extend the dataclass {base.__name__}")
            found.update(base.__dict__["__dataclass_fields__"])
    for name, annotation in inspect.get_annotations(cls).items():  # the class's own, unevaluated
        if _is_classvar(annotation):
            continue
        default = cls.__dict__.get(name, dataclasses.MISSING)
        if isinstance(default, dataclasses.Field):
            f = default
            if f.default is dataclasses.MISSING:  # the class keeps the default as its attribute, as dataclass does
                delattr(cls, name)
            else:
                setattr(cls, name, f.default)
        else:
            if default.__class__.__hash__ is None:  # list, dict, set: shared by every instance
                raise ValueError(f"mutable default {type(default)} for field {name} is not allowed: "
                                 "use default_factory")
            f = dataclasses.field(default=default)
        f.name, f.type, f._field_type = name, annotation, dataclasses._FIELD  # what dataclasses.fields selects
        if f.kw_only is dataclasses.MISSING:
            f.kw_only = kw_only
        found[name] = f
    _check_order(cls, found.values())
    return tuple(found.values())


def _is_classvar(annotation: object) -> bool:
    if isinstance(annotation, str):  # the module has `from __future__ import annotations`
        return annotation.startswith(("ClassVar", "typing.ClassVar"))
    return annotation is typing.ClassVar or typing.get_origin(annotation) is typing.ClassVar


def _check_order(cls: type, fields) -> None:
    """A positional field without a default after one with: dataclass's TypeError."""
    defaulted = False
    for f in fields:
        if not f.init or f.kw_only:
            continue
        has_default = f.default is not dataclasses.MISSING or f.default_factory is not dataclasses.MISSING
        if defaulted and not has_default:
            raise TypeError(f"non-default argument {f.name!r} follows default argument in {cls.__name__}")
        defaulted = defaulted or has_default


def _values(names: list[str]):
    if not names:
        return lambda _self: ()
    getter = attrgetter(*names)
    return getter if len(names) > 1 else lambda self: (getter(self),)


def _first_init(cls: type, fields: tuple[dataclasses.Field, ...]):
    """An ``__init__`` that compiles the real one on the first instance:
    compiling is half of what defining a record costs, and a command
    defines many records it never builds (the kinds of other models)."""

    def __init__(self, *args, **kwargs):
        init = _init(cls, fields)
        cls.__init__ = init
        init(self, *args, **kwargs)

    __init__.__qualname__ = f"{cls.__qualname__}.__init__"
    return __init__


def _init(cls: type, fields: tuple[dataclasses.Field, ...]):
    """One compiled ``__init__``, setting each field as a frozen dataclass
    does (its default, or its factory's value, when not given)."""
    scope: dict[str, object] = {"_set": object.__setattr__, "_FACTORY": _FACTORY}
    positional, keyword, body = [], [], []
    for f in fields:
        value = f.name
        if f.default is not dataclasses.MISSING:
            scope[f"_default_{f.name}"] = f.default
            default = f"_default_{f.name}"
        elif f.default_factory is not dataclasses.MISSING:
            scope[f"_factory_{f.name}"] = f.default_factory
            default = "_FACTORY"
            value = f"_factory_{f.name}() if {f.name} is _FACTORY else {f.name}"
        else:
            default = None
        if not f.init:
            if default is None:
                continue
            value = f"_factory_{f.name}()" if default == "_FACTORY" else default
        else:
            (keyword if f.kw_only else positional).append(f.name if default is None else f"{f.name}={default}")
        body.append(f"{f.name!r}: {value}")
    # One dict for every field at once: half the cost of a frozen dataclass's
    # object.__setattr__ per field (records have no __slots__), and plans
    # build thousands of records.
    lines = ["_set(self, '__dict__', {" + ", ".join(body) + "})"]
    if hasattr(cls, "__post_init__"):
        lines.append("self.__post_init__()")
    params = ", ".join(["self", *positional, *(["*", *keyword] if keyword else [])])
    source = f"def __init__({params}):\n    " + "\n    ".join(lines)
    exec(source, scope)  # noqa: S102 - the source is built above from field names only
    init = scope["__init__"]
    init.__qualname__ = f"{cls.__qualname__}.__init__"
    return init


def _eq(self, other):
    if other.__class__ is self.__class__:
        return self.__record_values__(self) == other.__record_values__(other)
    return NotImplemented


def _hash(self):
    """The hash of the fields, kept on the instance after the first call:
    a record never changes, and plans hash nested records many times."""
    value = self.__dict__.get("__record_hash__")
    if value is None:
        value = self.__dict__["__record_hash__"] = hash(self.__record_values__(self))
    return value


def _repr(self):
    shown = ", ".join(f"{name}={getattr(self, name)!r}" for name in self.__record_repr__)
    return f"{self.__class__.__qualname__}({shown})"


def _setattr(self, name, value):
    raise dataclasses.FrozenInstanceError(f"cannot assign to field {name!r}")


def _delattr(self, name):
    raise dataclasses.FrozenInstanceError(f"cannot delete field {name!r}")


_SHARED = {"__eq__": _eq, "__hash__": _hash, "__repr__": _repr, "__setattr__": _setattr, "__delattr__": _delattr}
