"""Write a spec dict as YAML that reads like the bundled specs: metadata,
sizes, then one block per section, with short lists and the innermost
mappings (layer patterns, rope scaling) on one line."""

from __future__ import annotations

import yaml

SECTION_ORDER = ("id", "name", "family", "hf_model_type", "aliases", "release_date", "sources", "published",
                 "training", "notes", "vocab_size", "hidden_size", "num_layers", "max_context",
                 "final_logit_softcapping")


class _Flow(list):
    pass


class _FlowMap(dict):
    pass


class _Dumper(yaml.SafeDumper):
    pass


_Dumper.add_representer(_Flow, lambda d, v: d.represent_sequence("tag:yaml.org,2002:seq", v, flow_style=True))
_Dumper.add_representer(_FlowMap, lambda d, v: d.represent_mapping("tag:yaml.org,2002:map", v, flow_style=True))


def render(spec: dict) -> str:
    ordered = {k: spec[k] for k in SECTION_ORDER if k in spec}
    ordered.update({k: v for k, v in spec.items() if k not in ordered})
    chunks, plain = [], {}
    for key, value in ordered.items():
        if isinstance(value, dict):
            if plain:
                chunks.append(_dump(plain))
                plain = {}
            chunks.append(_dump({key: _styled(value, depth=1)}))
        else:
            plain[key] = _styled(value, depth=1)
    if plain:
        chunks.append(_dump(plain))
    return "\n".join(chunks)


def _styled(value, depth: int):
    """Lists of scalars and mappings below a section go on one line."""
    if isinstance(value, dict):
        inner = {k: _styled(v, depth + 1) for k, v in value.items()}
        return _FlowMap(inner) if depth >= 2 else inner
    if isinstance(value, list):
        if all(not isinstance(v, dict | list) for v in value):
            return _Flow(value)
        return [_styled(v, depth) for v in value]
    return value


def _dump(data: dict) -> str:
    return yaml.dump(data, Dumper=_Dumper, sort_keys=False, allow_unicode=True, width=110)
