"""A spec back to a config.json that transformers builds the same model from.

The target ``model_type`` is the spec's ``hf_model_type``, else the first
family, trying those whose spec ``family`` label matches first, that
represents the spec exactly. "Exactly" is checked, not assumed: the written
config is read back with the importer and must give the same architecture
(:mod:`archcmp.hf.sameness`), so a spec feature the target family lacks (say,
q/k norm in a Llama config) is an error rather than a silently different model.
"""

from __future__ import annotations

import json

from archcmp.errors import ArchcmpError
from archcmp.hf import sameness
from archcmp.hf.families import FAMILIES, WRAPPERS, supported
from archcmp.hf.importer import read_body
from archcmp.record import record
from archcmp.schema import ModelSpec


@record
class Exported:
    config: dict
    model_type: str

    def to_json(self) -> str:
        return json.dumps(self.config, indent=2) + "\n"


def export_spec(spec: ModelSpec, model_type: str | None = None) -> Exported:
    model_type = model_type or spec.hf_model_type
    if model_type is not None:
        model_type = WRAPPERS.get(model_type, model_type)
        if model_type not in FAMILIES:
            raise ArchcmpError(f"model_type {model_type!r} is not supported; supported: {', '.join(supported())}")
        result = _try(spec, model_type)
        if isinstance(result, dict):
            return Exported(result, model_type)
        raise ArchcmpError(f"{spec.id}: a {model_type} config.json cannot express this spec: "
                           + "; ".join(result))
    for candidate in candidates(spec):
        result = _try(spec, candidate)
        if isinstance(result, dict):
            return Exported(result, candidate)
    raise ArchcmpError(f"{spec.id}: no supported model_type expresses this spec exactly; "
                       "pass --model-type to see what differs")


def candidates(spec: ModelSpec) -> list[str]:
    """Families labelled as the spec is first, then those whose label starts
    it (``llama`` for ``llama3``), then the rest, each in registry order."""
    same = [t for t, f in FAMILIES.items() if f.family == spec.family]
    near = [t for t, f in FAMILIES.items() if spec.family.startswith(f.family) and t not in same]
    return same + near + [t for t in FAMILIES if t not in same + near]


def _try(spec: ModelSpec, model_type: str) -> dict | list[str]:
    """The config, or what a round trip through it changes."""
    family = FAMILIES[model_type]
    try:
        config = family.to_config(spec)
        config["model_type"] = family.export_as or model_type
        # A spec records no token ids; a family's default padding id may lie
        # beyond a small vocabulary, which torch's Embedding rejects.
        config.setdefault("pad_token_id", None)
        body = read_body(json.loads(json.dumps(config)), f"<{model_type} config>")
        back = ModelSpec.model_validate({**_metadata(spec), **body.fields})
    except (ArchcmpError, ValueError, AttributeError) as exc:  # AttributeError: a section this family lacks
        return [_reason(exc)]
    return sameness.differences(spec, back) or config


def _reason(exc: Exception) -> str:
    """The first problem, with the config key it concerns when known."""
    problems = getattr(exc, "problems", None)
    if problems and problems[0].field:
        return f"{problems[0].field}: {problems[0].message}"
    return str(exc).splitlines()[0]


def _metadata(spec: ModelSpec) -> dict:
    return spec.model_dump(include=set(sameness.METADATA), exclude_none=True)
