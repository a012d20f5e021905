"""Read a spec file into a validated :class:`ModelSpec`, or fail with every
problem located as ``file:line:col: field: message``."""

from __future__ import annotations

import difflib
from pathlib import Path

from pydantic import BaseModel, ValidationError

from archcmp import inputs, schema
from archcmp.errors import Problem, SpecError
from archcmp.validator_cache import prepared
from archcmp.yamlload import Located, dotted, load_yaml


def load_spec_file(path: Path) -> schema.ModelSpec:
    return load_located(path)[0]


def load_located(path: Path) -> tuple[schema.ModelSpec, Located]:
    """The spec and the positions of its fields (for later checks)."""
    return parse_located(inputs.read_text(path), str(path))


def parse_spec(text: str, filename: str) -> schema.ModelSpec:
    return parse_located(text, filename)[0]


def parse_located(text: str, filename: str) -> tuple[schema.ModelSpec, Located]:
    located = load_yaml(text, filename)
    return validate_located(located, filename), located


def validate_located(located: Located, filename: str) -> schema.ModelSpec:
    """The spec of a document already read (the registry's index reads
    every file once), every problem located."""
    if not isinstance(located.data, dict):
        kind = type(located.data).__name__
        raise SpecError([Problem(filename, 1, 1, None, f"top level must be a mapping of fields, found {kind}")])
    try:
        spec = prepared(schema.ModelSpec).model_validate(located.data)
    except ValidationError as exc:
        raise SpecError(_pydantic_problems(exc, located, filename)) from None
    return spec


def located_problems(located: Located, filename: str, findings: list[tuple[tuple, str]]) -> list[Problem]:
    problems = [_problem(located, filename, path, message) for path, message in findings]
    return sorted(problems, key=_line_order)


def _line_order(problem: Problem) -> tuple[int, int]:
    return problem.line or 0, problem.col or 0


def _problem(located: Located, filename: str, path: tuple, message: str) -> Problem:
    line, col = located.where(path)
    return Problem(filename, line, col, dotted(path) or None, message)


def _pydantic_problems(exc: ValidationError, located: Located, filename: str,
                       names: set[str] | None = None) -> list[Problem]:
    """Every problem pydantic found, located. ``names`` are the field names of
    the model validated (a spec's by default; the hardware loader passes its own)."""
    names = _FIELD_NAMES if names is None else names
    problems: dict[tuple, Problem] = {}
    for error in exc.errors(include_url=False):
        broken = error.get("ctx", {}).get("error")
        if isinstance(broken, schema.CrossFieldError):  # the model validator: every rule it found
            return located_problems(located, filename, broken.findings)
        loc = error["loc"]
        extra = error["type"] == "extra_forbidden"
        path = _field_path(loc[:-1], names) + loc[-1:] if extra else _field_path(loc, names)
        if error["type"] in ("union_tag_invalid", "union_tag_not_found"):  # the tag field itself
            path += (error["ctx"]["discriminator"].strip("'"),)
        if path in problems:  # one message per field, even for unions
            continue
        problems[path] = _problem(located, filename, path, _message(error, path, names))
    return sorted(problems.values(), key=_line_order)


def model_problems(exc: ValidationError, located: Located, filename: str,
                   model: type[BaseModel]) -> list[Problem]:
    """:func:`_pydantic_problems` for any strict model (hardware files reuse it)."""
    sections: dict[str, set[str]] = {}
    _collect_sections(model, "", sections)
    return _pydantic_problems(exc, located, filename, set().union(*sections.values()))


def _field_path(loc: tuple, names: set[str]) -> tuple:
    """Drop the names pydantic gives union members (``int``, ``list[...]``)
    and validators, keeping the field path as written in the YAML."""
    return tuple(p for p in loc if isinstance(p, int) or p in names)


def _message(error: dict, path: tuple, names: set[str]) -> str:
    kind = error["type"]
    if kind == "extra_forbidden":
        if names is not _FIELD_NAMES:  # another model's file (hardware): its own field names
            close = difflib.get_close_matches(str(path[-1]), sorted(names), n=1)
            return "unknown field" + (f"; did you mean {close[0]!r}?" if close else "")
        return _unknown_field(path)
    if kind == "missing":
        return "required field is missing"
    if kind == "union_tag_not_found":
        return "required field is missing"
    if kind == "union_tag_invalid":
        return f"unknown kind {error['ctx']['tag']!r}; expected one of {error['ctx']['expected_tags']}"
    found = error.get("input")
    shown = "" if isinstance(found, dict | list) or found is None else f" (found {_shown(found)})"
    return error["msg"][0].lower() + error["msg"][1:] + shown


def _shown(value: object) -> str:
    text = repr(value)
    return text if len(text) <= 60 else text[:40] + f"... ({len(text):,} characters)"


def _unknown_field(path: tuple) -> str:
    """A typo gets the closest field name, preferring its own section's; a
    known field in the wrong section is told where it belongs."""
    name, section = str(path[-1]), _section(path[:-1])
    homes = _homes(name)
    if homes:
        return f"not a field of {section or 'the top level'}; {name} belongs in {' or '.join(homes)}"
    own = difflib.get_close_matches(name, sorted(_SECTION_FIELDS.get(section, ())), n=1)
    anywhere = difflib.get_close_matches(name, sorted(_FIELD_NAMES), n=1)
    if own and (not anywhere or _likeness(name, own[0]) >= _likeness(name, anywhere[0])):
        return f"unknown field; did you mean {own[0]!r}?"
    if anywhere:
        return f"unknown field; did you mean {anywhere[0]!r} (in {' or '.join(_homes(anywhere[0]))})?"
    return "unknown field"


def _likeness(a: str, b: str) -> float:
    return difflib.SequenceMatcher(None, a, b).ratio()


def _homes(name: str) -> list[str]:
    return [h or "the top level" for h in sorted(_SECTION_FIELDS_OF.get(name, ()))]


def _section(path: tuple) -> str:
    return ".".join(str(p) for p in path if not isinstance(p, int))


def _collect_sections(model: type[BaseModel], section: str, sections: dict[str, set[str]]) -> None:
    """Every section's field names, keyed by the section's dotted path."""
    names = sections.setdefault(section, set())
    for name, info in model.model_fields.items():
        names.add(name)
        for arg in _types_in(info.annotation):
            if isinstance(arg, type) and issubclass(arg, BaseModel) and arg is not model:
                _collect_sections(arg, f"{section}.{name}" if section else name, sections)


def _types_in(annotation: object) -> list:
    args = getattr(annotation, "__args__", None)
    if not args:
        return [annotation]
    return [t for arg in args for t in _types_in(arg)]


_SECTION_FIELDS: dict[str, set[str]] = {}
_collect_sections(schema.ModelSpec, "", _SECTION_FIELDS)
_SECTION_FIELDS_OF: dict[str, set[str]] = {}  # field name -> the sections that have it
for _where, _names in _SECTION_FIELDS.items():
    for _name in _names:
        _SECTION_FIELDS_OF.setdefault(_name, set()).add(_where)
_FIELD_NAMES = set(_SECTION_FIELDS_OF)
