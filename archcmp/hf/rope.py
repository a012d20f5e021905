"""RoPE settings: both config.json forms in, the legacy form out.

transformers 5 reads ``rope_scaling`` (legacy) or ``rope_parameters`` (v5),
either one dict or one per layer type (``full_attention`` /
``sliding_attention``), and fills ``rope_theta`` from the dict, then the
top-level key, then the class default (``RotaryEmbeddingConfigMixin.
convert_rope_params_to_dict``). Export writes the legacy keys, which
transformers 4 and 5 both read.
"""

from __future__ import annotations

from archcmp.hf.reader import Reader, is_finite_number
from archcmp.schema import ModelSpec

# rope dict key -> spec RopeScaling field
_SCALING_FIELDS = {
    "factor": "factor",
    "original_max_position_embeddings": "original_context",
    "low_freq_factor": "low_freq_factor",
    "high_freq_factor": "high_freq_factor",
    "beta_fast": "beta_fast",
    "beta_slow": "beta_slow",
    "mscale": "mscale",
    "mscale_all_dim": "mscale_all_dim",
}
# Keys that tune the rotary tables only; a spec does not record them.
_TABLE_ONLY = {"rope_type", "type", "rope_theta", "partial_rotary_factor", "attention_factor",
               "truncate", "short_factor", "long_factor", "short_mscale", "long_mscale"}
_TYPES = ("linear", "dynamic", "yarn", "llama3", "longrope", "proportional")
_NEEDS_ORIGINAL = ("llama3", "yarn", "longrope")  # standardize_rope_params fills it in
LAYER_KEYS = ("full_attention", "sliding_attention")


def rope_dicts(r: Reader) -> tuple[dict, dict | None]:
    """The global and (when the file has one) the sliding-layer rope dict."""
    params = r.dict("rope_scaling") or r.dict("rope_parameters") or {}
    return split(r, params)


def split(r: Reader, params: dict) -> tuple[dict, dict | None]:
    """A rope dict per layer type, or one dict for every layer (``None``)."""
    if any(key in LAYER_KEYS for key in params):
        unknown = sorted(set(params) - set(LAYER_KEYS))
        if unknown:
            r.fail("rope_parameters", f"unknown layer types {', '.join(unknown)}")
        full, sliding = params.get("full_attention") or {}, params.get("sliding_attention") or {}
        for name, value in (("full_attention", full), ("sliding_attention", sliding)):
            if not isinstance(value, dict):
                r.fail("rope_parameters", "expected a mapping of RoPE parameters", inner=name)
        return dict(full), dict(sliding)
    return dict(params), None


def positions(r: Reader, rename: dict | None = None) -> dict:
    """The spec's ``positions`` section for a RoPE model with one rope dict."""
    main, local = rope_dicts(r)
    key = "rope_scaling" if r.given("rope_scaling") else "rope_parameters"
    if local is not None:
        r.fail(key, "per-layer-type RoPE parameters are not supported for this model_type")
    return positions_from(r, main, key, rename)


def positions_from(r: Reader, main: dict, key: str, rename: dict | None = None,
                   local_theta: float | None = None) -> dict:
    """``positions`` from the global rope dict ``main`` (read from ``key``).
    ``local_theta``: the sliding layers' base when the family has one."""
    section: dict = {"kind": "rope", "rope_theta": theta(r, main, key)}
    if local_theta is not None:
        section["rope_local_theta"] = local_theta
    scaling = scaling_section(r, main, key, rename or {})
    if scaling:
        section["rope_scaling"] = scaling
    partial = _partial_rotary(r, main, key)
    if partial != 1:
        section["partial_rotary_factor"] = _plain(partial)
    return section


def _partial_rotary(r: Reader, params: dict, key: str) -> float:
    supported = "partial_rotary_factor" in r.defaults
    partial = params.get("partial_rotary_factor")
    if partial is None and supported:
        partial = r.number("partial_rotary_factor")
    if partial is not None and partial != 1 and not supported:
        r.fail(key, "partial_rotary_factor is not supported by this model_type")
    return 1 if partial is None else partial


def theta(r: Reader, params: dict, key: str) -> float:
    """The rope dict's ``rope_theta``, else the top-level key's; a bad value
    is reported where it is written."""
    inside = "rope_theta" in params
    theta = params["rope_theta"] if inside else r.raw("rope_theta")
    if not is_finite_number(theta) or theta <= 0:
        message = f"rope_theta must be a positive number, found {theta!r}"
        r.fail(key, message, inner="rope_theta") if inside else r.fail("rope_theta", message)
    return _plain(theta)


def scaling_section(r: Reader, params: dict, key: str, rename: dict) -> dict | None:
    unknown = sorted(set(params) - set(_SCALING_FIELDS) - _TABLE_ONLY)
    if unknown:
        r.fail(key, f"unknown RoPE keys {', '.join(unknown)}", inner=unknown[0])
    kind = params.get("rope_type", params.get("type", "default"))
    if not isinstance(kind, str):
        r.fail(key, f"rope_type must be a string, found {kind!r}", inner="rope_type" if "rope_type" in params else "type")
    kind = rename.get(kind, kind)
    if kind == "default":
        return None
    if kind not in _TYPES:
        r.fail(key, f"unknown rope_type {kind!r}; expected one of default, {', '.join(_TYPES)}")
    section = {"type": kind}
    for name, field in _SCALING_FIELDS.items():
        if params.get(name) is not None:
            section[field] = _plain(_scaling_value(r, key, name, params[name]))
    if kind in _NEEDS_ORIGINAL and "original_context" not in section:
        top = r.opt_int("original_max_position_embeddings") if "original_max_position_embeddings" in r.defaults else None
        section["original_context"] = top or r.int("max_position_embeddings")
    if "factor" not in section and kind == "longrope":  # _compute_longrope_parameters
        section["factor"] = _plain(r.int("max_position_embeddings") / section["original_context"])
    if "factor" not in section and kind != "proportional":  # proportional's factor defaults to 1
        r.fail(key, f"rope_type {kind} needs a factor")
    return section


def _scaling_value(r: Reader, key: str, name: str, value) -> float:
    """A positive number (a whole one for a context length), checked here so
    that the error names this key of the file, not a field of the spec."""
    whole = name == "original_max_position_embeddings"
    if not is_finite_number(value) or value <= 0 or (whole and not isinstance(value, int)):
        what = "a positive integer" if whole else "a positive number"
        r.fail(key, f"{name} must be {what}, found {value!r}", inner=name)
    return value


def legacy_keys(spec: ModelSpec) -> dict:
    """``rope_theta``, ``rope_scaling`` and ``partial_rotary_factor`` as a
    config.json writes them."""
    pos = spec.positions
    config: dict = {"rope_theta": pos.rope_theta}
    if pos.rope_scaling is not None:
        config["rope_scaling"] = scaling_dict(pos.rope_scaling)
    if pos.partial_rotary_factor != 1:
        config["partial_rotary_factor"] = pos.partial_rotary_factor
    return config


def scaling_dict(scaling) -> dict:
    if scaling.type == "longrope":
        from archcmp.errors import ArchcmpError

        raise ArchcmpError("longrope needs short_factor/long_factor lists, which a spec does not record")
    fields = {field: name for name, field in _SCALING_FIELDS.items()}
    out = {"rope_type": scaling.type}
    for field, value in scaling.model_dump(exclude_none=True).items():
        if field != "type":
            out[fields[field]] = value
    return out


def _plain(value: float) -> float | int:
    """``1000000.0`` as ``1000000`` so that specs read like the model cards."""
    return int(value) if isinstance(value, float) and value.is_integer() else value
