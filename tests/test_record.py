"""``@record`` behaves as ``@dataclass(frozen=True)``: the same classes built
both ways give the same answers (archcmp.record's docstring lists them)."""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field
from functools import cached_property
from typing import ClassVar

import pytest

from archcmp.record import record


def _pair(build):
    """The same class body decorated both ways."""
    return build(dataclass(frozen=True)), build(record)


def _point(decorate):
    @decorate
    class Point:
        x: int
        y: int = 2
        tags: tuple[str, ...] = ()
        extra: list[int] = field(default_factory=list)

        @cached_property
        def norm(self) -> int:
            return self.x * self.x + self.y * self.y

    return Point


def test_construction_equality_hash_and_repr_match_dataclass():
    for args, kwargs in (((1,), {}), ((1, 3), {"tags": ("a",)}), ((0,), {"extra": [5]})):
        reference, ours = (cls(*args, **kwargs) for cls in _pair(_point))
        assert [getattr(ours, f.name) for f in dataclasses.fields(ours)] == \
               [getattr(reference, f.name) for f in dataclasses.fields(reference)]
        assert repr(ours).replace("_point.<locals>.", "") == repr(reference).replace("_point.<locals>.", "")
    Point = _pair(_point)[1]
    assert Point(1, 2) == Point(1, 2) and Point(1, 2) != Point(1, 3)
    with pytest.raises(TypeError):  # a list field is unhashable, as in a dataclass
        hash(Point(1, 2, ("a",)))
    assert Point(1, 2).norm == 5
    assert Point(1).extra is not Point(1).extra  # a fresh default per instance


def test_hash_is_the_dataclass_hash():
    def build(decorate):
        @decorate
        class Pair:
            a: int
            b: tuple[str, ...] = ()

        @decorate
        class One:
            a: str

        return Pair, One

    (RefPair, RefOne), (Pair, One) = _pair(build)
    assert hash(Pair(1, ("x",))) == hash(RefPair(1, ("x",)))
    assert hash(One("x")) == hash(RefOne("x"))
    assert len({Pair(1), Pair(1), Pair(2)}) == 2


def test_frozen_like_a_dataclass():
    point = _pair(_point)[1](1)
    with pytest.raises(dataclasses.FrozenInstanceError):
        point.x = 3
    with pytest.raises(dataclasses.FrozenInstanceError):
        del point.y


def test_other_classes_are_never_equal():
    Reference, Point = _pair(_point)
    assert Point(1) != Reference(1)
    assert (Point(1) == (1, 2, (), [])) is False


def test_replace_fields_and_match_work():
    Point = _pair(_point)[1]
    moved = dataclasses.replace(Point(1, 2), y=7)
    assert moved == Point(1, 7)
    assert [f.name for f in dataclasses.fields(Point)] == ["x", "y", "tags", "extra"]
    assert dataclasses.is_dataclass(Point)
    match moved:
        case Point(x=1, y=y):
            assert y == 7
        case _:
            pytest.fail("a record matches its class pattern")


def test_keyword_only_and_inheritance():
    def build(decorate, kw):
        @decorate(kw_only=True) if kw else decorate
        class Base:
            a: int
            b: int = 0

        @decorate(kw_only=True) if kw else decorate
        class Child(Base):
            c: int = 1

        return Child

    for kw in (False, True):
        Reference = build(lambda cls=None, **k: dataclass(frozen=True, **k) if cls is None else
                          dataclass(frozen=True)(cls), kw)
        Child = build(record, kw)
        assert Child(a=1, c=2) == Child(a=1, b=0, c=2)
        assert [f.name for f in dataclasses.fields(Child)] == [f.name for f in dataclasses.fields(Reference)]
        if kw:
            with pytest.raises(TypeError):
                Child(1)
            with pytest.raises(TypeError):
                Reference(1)
        else:
            assert Child(1, 2, 3) == Child(a=1, b=2, c=3)


def test_a_method_the_class_defines_is_kept():
    @record
    class Named:
        name: str

        def __repr__(self) -> str:
            return f"<{self.name}>"

    assert repr(Named("x")) == "<x>"


def test_a_record_cannot_extend_a_plain_dataclass():
    @dataclass(frozen=True)
    class Plain:
        a: int

    with pytest.raises(TypeError, match="cannot extend the dataclass Plain"):
        @record
        class Child(Plain):
            b: int = 0


def test_class_variables_mutable_defaults_and_field_order_as_in_a_dataclass():
    for decorate in (dataclass(frozen=True), record):
        @decorate
        class Counted:
            limit: ClassVar[int] = 3
            a: int

        assert [f.name for f in dataclasses.fields(Counted)] == ["a"] and Counted.limit == 3
        with pytest.raises(ValueError, match="mutable default"):
            @decorate
            class Shared:
                items: list = []  # noqa: RUF012 - the mistake under test
        with pytest.raises(TypeError, match="non-default argument 'b' follows default argument"):
            @decorate
            class Backwards:
                a: int = 0
                b: int
