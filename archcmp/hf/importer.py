"""A Hugging Face config.json (a local file, never the network) to a spec.

The text model of a multimodal config is its ``text_config``. Keys the file
leaves out take the defaults of the transformers 5.24 config class of that
``model_type`` (hard-coded per family: archcmp never imports transformers).
Every key must be one the family maps or knows to change no size; anything
else is an error, so an architectural switch is never silently dropped.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass, field
from pathlib import Path

from archcmp.errors import ArchcmpError, Problem
from archcmp.hf import yamlout
from archcmp.hf.common import BASE_IGNORED
from archcmp.hf.families import ABSENT_TEXT_CONFIG, FAMILIES, WRAPPER_KEYS, WRAPPERS, Family, supported
from archcmp.hf.reader import Reader, key_line, parse_json
from archcmp.schema import ModelSpec

ID_PATTERN = re.compile(r"^[a-z0-9][a-z0-9._-]*$")


@dataclass(frozen=True)
class Imported:
    spec: ModelSpec
    yaml: str
    model_type: str
    warnings: list[str] = field(default_factory=list)


@dataclass(frozen=True)
class Body:
    """The architecture part of a spec read from a config dict."""

    family: Family
    model_type: str
    fields: dict
    warnings: list[str]


def import_file(path: Path, spec_id: str | None = None, output_name: str = "<stdout>") -> Imported:
    path = path / "config.json" if path.is_dir() else path
    try:
        text = path.read_bytes().decode("utf-8")
    except FileNotFoundError:
        raise ArchcmpError(f"{path}: no such file") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise ArchcmpError(f"{path}: cannot read: {getattr(exc, 'strerror', None) or exc}") from None
    body = read_body(parse_json(text, str(path)), str(path), text)
    spec_id = spec_id or default_id(path)
    if not ID_PATTERN.match(spec_id):
        raise ArchcmpError(f"--id {spec_id!r}: use lower-case letters, digits, '.', '_' and '-'")
    data = {**metadata(body, spec_id, path, text), **body.fields}
    from archcmp.load import parse_spec

    rendered = yamlout.render(data)
    return Imported(parse_spec(rendered, output_name), rendered, body.model_type, body.warnings)


def read_body(config: dict, filename: str, text: str = "") -> Body:
    model_type = config.get("model_type")
    if model_type in WRAPPERS:
        config = _text_config(config, filename, text)
        model_type = config.get("model_type") or WRAPPERS[model_type]
    if model_type not in FAMILIES:
        found = f"model_type {model_type!r} is not supported" if model_type else "missing"
        problem = Problem(filename, key_line(text, "model_type"), None, "model_type",
                          f"{found}; supported: {', '.join(supported())}")
        raise ArchcmpError(problem.message, [problem])
    family = FAMILIES[model_type]
    config = _canonical(config, family, filename, text)
    _check_keys(config, family, filename, text)
    reader = Reader(config, family.defaults, filename, text)
    return Body(family, model_type, family.to_spec(reader), reader.warnings)


def _text_config(config: dict, filename: str, text: str) -> dict:
    """The language model's config; the wrapper's other keys describe the
    vision/audio towers and the token ids, which archcmp does not count."""
    inner = config.get("text_config")
    if inner is None:
        inner = dict(ABSENT_TEXT_CONFIG.get(config["model_type"], {}))
    if not isinstance(inner, dict):
        problem = Problem(filename, key_line(text, "text_config"), None, "text_config", "expected a mapping")
        raise ArchcmpError(problem.message, [problem])
    inherited = {key: config[key] for key in WRAPPER_KEYS.get(config["model_type"], ()) if key in config}
    return {**inner, **inherited}  # the wrapper's key wins, as in transformers


def _canonical(config: dict, family: Family, filename: str, text: str) -> dict:
    """Rename keys given under a transformers ``attribute_map`` alias."""
    config = dict(config)
    for alias, name in family.aliases.items():
        if alias in config:
            if name in config and config[name] != config[alias]:
                problem = Problem(filename, key_line(text, alias), None, alias,
                                  f"disagrees with {name} ({config[name]!r}), which it is another name for")
                raise ArchcmpError(problem.message, [problem])
            config[name] = config.pop(alias)
    return config


def _check_keys(config: dict, family: Family, filename: str, text: str) -> None:
    known = family.defaults.keys() | family.ignored | BASE_IGNORED
    unknown = sorted(key for key in config if key not in known)
    if unknown:
        message = (f"key not understood for model_type {family.model_type}; it may change the architecture, "
                   "so archcmp will not guess")
        problems = [Problem(filename, key_line(text, key), None, key, message) for key in unknown]
        raise ArchcmpError(f"unknown keys: {', '.join(unknown)}", problems)


def default_id(path: Path) -> str:
    """The folder name for ``.../<model>/config.json``, else the file stem."""
    stem = path.resolve().parent.name if path.name == "config.json" else path.stem
    slug = re.sub(r"[^a-z0-9._-]+", "-", stem.lower()).strip("-._")
    return slug or "imported"


def metadata(body: Body, spec_id: str, path: Path, text: str) -> dict:
    digest = hashlib.sha256(text.encode("utf-8")).hexdigest()
    notes = (f"Imported by `archcmp import` from a Hugging Face config.json (model_type {body.model_type}); "
             "keys the file leaves out take the transformers 5.24 defaults of that model_type.")
    if body.warnings:
        notes += " Warnings: " + " ".join(body.warnings)
    return {
        "id": spec_id,
        "name": spec_id,
        "family": body.family.family,
        "hf_model_type": body.model_type,
        "sources": [{"url": path.resolve().as_uri(), "what": f"config.json, sha256 {digest}"}],
        "notes": notes,
    }
