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
from dataclasses import field
from pathlib import Path

from archcmp import inputs
from archcmp.errors import ArchcmpError, Problem, SpecError
from archcmp.hf import yamlout
from archcmp.hf.common import BASE_IGNORED
from archcmp.hf.families import ABSENT_TEXT_CONFIG, FAMILIES, WRAPPER_KEYS, WRAPPERS, Family, supported
from archcmp.hf.reader import Reader
from archcmp.jsonload import load_json
from archcmp.record import record
from archcmp.schema import ModelSpec
from archcmp.yamlload import Located

ID_PATTERN = re.compile(r"^[a-z0-9][a-z0-9._-]*$")


@record
class Imported:
    spec: ModelSpec
    yaml: str
    model_type: str
    warnings: list[str] = field(default_factory=list)


@record
class Body:
    """The architecture part of a spec read from a config dict."""

    family: Family
    model_type: str
    fields: dict
    warnings: list[str]
    base: tuple = ()  # where the text model's config is in the file: () or ("text_config",)


def import_file(path: Path, spec_id: str | None = None) -> Imported:
    path = path / "config.json" if inputs.is_directory(path) else path
    text = inputs.read_text(path)
    located = load_json(text, str(path))
    if not isinstance(located.data, dict):
        raise inputs.error(str(path), "expected a JSON object (a config.json)", (1, 1))
    body = read_body(located.data, str(path), located)
    spec_id = spec_id or default_id(path)
    if not ID_PATTERN.match(spec_id):
        raise ArchcmpError(f"--id {spec_id!r}: use lower-case letters, digits, '.', '_' and '-'")
    data = {**metadata(body, spec_id, path, text), **body.fields}
    from archcmp.load import parse_spec

    rendered = yamlout.render(data)
    try:
        spec = parse_spec(rendered, "<spec>")
    except SpecError as exc:  # the input's fault: say where in the input
        raise SpecError([_in_input(p, str(path), located, body.base) for p in exc.problems]) from None
    return Imported(spec, rendered, body.model_type, body.warnings)


def read_body(config: dict, filename: str, located: Located | None = None) -> Body:
    located = located or Located(data=config)
    model_type, base = _model_type(config, filename, located, ()), ()
    if model_type in WRAPPERS:
        config, base = _text_config(config, filename, located), ("text_config",)
        model_type = _model_type(config, filename, located, base) or WRAPPERS[model_type]
    if model_type not in FAMILIES:
        found = f"model_type {model_type!r} is not supported" if model_type else "missing"
        _fail(filename, located, base + ("model_type",), f"{found}; supported: {', '.join(supported())}")
    family = FAMILIES[model_type]
    _check_finite(family, filename, located, base)
    config = _canonical(config, family, filename, located, base)
    _check_keys(config, family, filename, located, base)
    reader = Reader(config, family.defaults, filename, located, base)
    return Body(family, model_type, family.to_spec(reader), reader.warnings, base)


def _model_type(config: dict, filename: str, located: Located, base: tuple) -> str | None:
    model_type = config.get("model_type")
    if model_type is not None and not isinstance(model_type, str):
        _fail(filename, located, base + ("model_type",), f"expected a string, found {type(model_type).__name__}")
    return model_type


def _text_config(config: dict, filename: str, located: Located) -> dict:
    """The language model's config; the wrapper's other keys describe the
    vision/audio towers and the token ids, which archcmp does not count."""
    inner = config.get("text_config")
    if inner is None:
        inner = dict(ABSENT_TEXT_CONFIG.get(config["model_type"], {}))
    if not isinstance(inner, dict):
        _fail(filename, located, ("text_config",), "expected a mapping")
    inherited = {key: config[key] for key in WRAPPER_KEYS.get(config["model_type"], ()) if key in config}
    return {**inner, **inherited}  # the wrapper's key wins, as in transformers


def _canonical(config: dict, family: Family, filename: str, located: Located, base: tuple) -> dict:
    """Rename keys given under a transformers ``attribute_map`` alias."""
    config = dict(config)
    for alias, name in family.aliases.items():
        if alias in config:
            if name in config and config[name] != config[alias]:
                _fail(filename, located, base + (alias,),
                      f"disagrees with {name} ({config[name]!r}), which it is another name for")
            config[name] = config.pop(alias)
    return config


def _check_finite(family: Family, filename: str, located: Located, base: tuple) -> None:
    """JSON's NaN/Infinity only under a key the family ignores and transformers
    itself saves so (``Family.nonfinite_ok``); anywhere else it would be a
    number archcmp computes with, or one it cannot vouch for."""
    for path, token in located.nonfinite.items():
        key = path[len(base)] if path[:len(base)] == base and len(path) > len(base) else None
        if isinstance(key, str) and (key in family.nonfinite_ok or family.aliases.get(key) in family.nonfinite_ok):
            continue
        allowed = f" (only {', '.join(sorted(family.nonfinite_ok))} may hold it)" if family.nonfinite_ok else ""
        _fail(filename, located, path, f"{token} is not a JSON number; a config.json holds finite numbers{allowed}")


def _check_keys(config: dict, family: Family, filename: str, located: Located, base: tuple) -> None:
    known = family.defaults.keys() | family.ignored | BASE_IGNORED
    unknown = sorted(key for key in config if key not in known)
    if unknown:
        message = (f"key not understood for model_type {family.model_type}; it may change the architecture, "
                   "so archcmp will not guess")
        problems = [_problem(filename, located, base + (key,), message) for key in unknown]
        raise ArchcmpError(f"unknown keys: {', '.join(unknown)}", problems)


def _problem(filename: str, located: Located, path: tuple, message: str) -> Problem:
    line, col = located.positions.get(path, (None, None))
    return Problem(filename, line, col, ".".join(str(p) for p in path), message)


def _fail(filename: str, located: Located, path: tuple, message: str):
    problem = _problem(filename, located, path, message)
    raise ArchcmpError(problem.message, [problem])


# Spec fields and the config keys they are read from, where the names differ.
_CONFIG_KEYS = {
    "num_layers": ("num_hidden_layers", "n_layer"), "hidden_size": ("hidden_size", "n_embd"),
    "max_context": ("max_position_embeddings", "n_positions"), "num_heads": ("num_attention_heads", "n_head"),
    "num_kv_heads": ("num_key_value_heads",), "rope_scaling": ("rope_scaling", "rope_parameters"),
    "original_context": ("original_max_position_embeddings",), "rope_local_theta": ("rope_local_base_freq",),
    "logit_softcapping": ("attn_logit_softcapping",), "query_scale_dim": ("query_pre_attn_scalar",),
    "expert_intermediate_size": ("moe_intermediate_size",), "experts_per_token": ("num_experts_per_tok",),
    "num_experts": ("n_routed_experts", "num_local_experts", "num_experts"),
    "num_shared_experts": ("n_shared_experts",), "chunk_size": ("attention_chunk_size",),
}


def _in_input(problem: Problem, filename: str, located: Located, base: tuple) -> Problem:
    """A problem of the spec built from a config, moved to the config key
    the offending field was read from (the nearest one the file has)."""
    field = problem.field or ""
    parts = [part for part in field.replace("[", ".").replace("]", "").split(".") if part]
    for name in reversed(parts):
        for key in _CONFIG_KEYS.get(name, (name,)):
            path = next((p for p in located.positions if p[:len(base)] == base and p[-1] == key), None)
            if path is not None:
                line, col = located.positions[path]
                where = ".".join(str(p) for p in path)
                return Problem(filename, line, col, where, f"gives the spec an invalid {field}: {problem.message}")
    return Problem(filename, None, None, None, f"the spec made from it is invalid: {field}: {problem.message}")


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
