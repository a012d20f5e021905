"""Gemma 4's text model (transformers 5.24 ``Gemma4TextConfig``,
``Gemma4TextAttention``, ``Gemma4TextDecoderLayer``).

Per-layer geometry: sliding layers have ``head_dim`` and
``num_key_value_heads``; full layers ``global_head_dim`` and, only with
``attention_k_eq_v``, ``num_global_key_value_heads`` (``__post_init__``
builds ``per_layer_config`` from them, and a file saved by transformers
carries that instead). K=V, no ``v_proj``, on the full layers only. Scores
are not scaled (``scaling = 1.0``: q and k are RMS-normed per head). One rope
dict per layer type: proportional partial RoPE on full layers. 26B-A4B
(``enable_moe_block``) runs a dense MLP beside 128 experts in every layer;
the E models add per-layer embeddings, KV sharing over the last
``num_kv_shared_layers`` layers and (E2B) double-wide MLPs on those layers.
"""

from __future__ import annotations

from archcmp.errors import ArchcmpError
from archcmp.hf import common, rope
from archcmp.hf.families import Family
from archcmp.hf.families.gemma import with_final_cap
from archcmp.hf.reader import Reader
from archcmp.kinds.softmax import SoftmaxMixer
from archcmp.schema import ModelSpec

ROPE_DEFAULT = {"sliding_attention": {"rope_type": "default", "rope_theta": 10_000.0},
                "full_attention": {"rope_type": "proportional", "partial_rotary_factor": 0.25,
                                   "rope_theta": 1_000_000.0}}
DEFAULTS = {
    "vocab_size": 262_144, "hidden_size": 2304, "intermediate_size": 9216, "num_hidden_layers": 30,
    "num_attention_heads": 8, "num_key_value_heads": 4, "head_dim": 256, "hidden_activation": "gelu_pytorch_tanh",
    "max_position_embeddings": 131_072, "tie_word_embeddings": True, "rope_parameters": None,
    "attention_bias": False, "sliding_window": 512, "layer_types": None, "final_logit_softcapping": None,
    "use_bidirectional_attention": None, "vocab_size_per_layer_input": 262_144, "hidden_size_per_layer_input": 256,
    "attention_k_eq_v": False, "num_kv_shared_layers": 0, "enable_moe_block": False, "use_double_wide_mlp": False,
    "num_experts": None, "top_k_experts": None, "moe_intermediate_size": None,
    # popped by __post_init__ (not attributes), or read from a file transformers saved
    "global_head_dim": 512, "num_global_key_value_heads": None, "per_layer_config": None,
    # a key some hub files carry (Gemma-4-31B: null) that no transformers code reads
    "expert_intermediate_size": None,
}
IGNORED = frozenset({"hidden_act"})


def _labels(r: Reader) -> list[str]:
    """Every 6th layer full unless ``layer_types`` say; the last layer is
    forced to full, as ``__post_init__`` does (with a warning)."""
    n = r.int("num_hidden_layers")
    types = list(r.list("layer_types", n) or ["full_attention" if (i + 1) % 6 == 0 else "sliding_attention"
                                              for i in range(n)])
    unknown = sorted(set(types) - {"full_attention", "sliding_attention"})
    if unknown:
        r.fail("layer_types", f"unknown layer types {', '.join(unknown)}")
    if types[-1] != "full_attention":
        r.warn("layer_types", "the last layer is forced to full_attention, as transformers does")
        types[-1] = "full_attention"
    return ["sliding" if t == "sliding_attention" else "full" for t in types]


def _overrides(r: Reader, labels: list[str], k_eq_v: bool, base: tuple[int, int]) -> list[dict]:
    """The full layers' geometry, by label; ``per_layer_config`` by layer."""
    layer_config = r.dict("per_layer_config")
    if layer_config is None:
        kv_heads = base[0]
        if r.given("num_global_key_value_heads"):
            if k_eq_v:
                kv_heads = r.int("num_global_key_value_heads")
            else:
                r.warn("num_global_key_value_heads", "ignored, as transformers does without attention_k_eq_v")
        overrides = [{"label": "full", **_fields((kv_heads, r.int("global_head_dim")), base)}]
    else:
        overrides = _by_layer(r, layer_config, labels, base)
    if k_eq_v:
        overrides.append({"label": "full", "k_eq_v": True})
    return _merged([o for o in overrides if len(o) > 1])


def _by_layer(r: Reader, layer_config: dict, labels: list[str], base: tuple[int, int]) -> list[dict]:
    """``{"05": {"head_dim": 512, "num_key_value_heads": 2}, ...}``: a field a
    layer leaves out is the config's own (``base``: KV heads, head_dim). One
    override per layer type whose layers all share a geometry, else one per
    distinct geometry with its layers; only the fields that differ from
    ``base``, so that any way of writing the same layers reads the same."""
    n = len(labels)
    geometry = [base] * n
    for key, fields in layer_config.items():
        if not str(key).isdigit() or int(key) >= n or not isinstance(fields, dict):
            r.fail("per_layer_config", f"expected layer indices below {n} mapping to fields, found {key!r}")
        unknown = sorted(set(fields) - {"head_dim", "num_key_value_heads"})
        if unknown:
            r.fail("per_layer_config", f"unknown per-layer keys {', '.join(unknown)}")
        geometry[int(key)] = (fields.get("num_key_value_heads", base[0]), fields.get("head_dim", base[1]))
    overrides = []
    for label in sorted(set(labels)):
        layers = [i for i, name in enumerate(labels) if name == label]
        shapes = {geometry[i] for i in layers} - {base}
        if len(shapes) == 1 and all(geometry[i] != base for i in layers):
            overrides.append({"label": label, **_fields(shapes.pop(), base)})
            continue
        for shape in sorted(shapes):
            overrides.append({"layers": [i for i in layers if geometry[i] == shape], **_fields(shape, base)})
    return overrides


def _fields(shape: tuple[int, int], base: tuple[int, int]) -> dict:
    (kv_heads, head_dim), (base_kv, base_dim) = shape, base
    return {**({"head_dim": head_dim} if head_dim != base_dim else {}),
            **({"num_kv_heads": kv_heads} if kv_heads != base_kv else {})}


def _merged(overrides: list[dict]) -> list[dict]:
    """K=V joins the full layers' override when there is one."""
    if overrides and overrides[-1] == {"label": "full", "k_eq_v": True}:
        full = [o for o in overrides[:-1] if o.get("label") == "full"]
        if full:
            full[0]["k_eq_v"] = True
            return overrides[:-1]
    return overrides


def _attention(r: Reader, labels: list[str]) -> dict:
    bias, k_eq_v = r.bool("attention_bias"), r.bool("attention_k_eq_v")
    attention = common.attention(r, qkv_bias=bias, out_bias=bias, qk_norm="per_head", unit_scale=True,
                                 **common.windowed(labels, r.opt_int("sliding_window")))
    base = (attention["num_kv_heads"], attention["head_dim"])
    overrides = _overrides(r, labels, k_eq_v, base) if "full" in labels else []
    if overrides:
        attention["overrides"] = overrides
    return attention


def _positions(r: Reader, has_sliding: bool) -> dict:
    """Full layers: ``rope_theta``, the rope type and partial factor;
    sliding layers plain RoPE at their own base."""
    main, local = rope.split(r, r.dict("rope_parameters") or ROPE_DEFAULT)
    if local is None:
        r.fail("rope_parameters", "expected one dict per layer type (full_attention, sliding_attention)")
    section: dict = {"kind": "rope", "rope_theta": _theta(r, main)}
    if has_sliding:
        if rope.scaling_section(r, local, "rope_parameters", {}) or local.get("partial_rotary_factor", 1) != 1:
            r.fail("rope_parameters", "RoPE scaling or partial RoPE on sliding layers is not supported")
        section["rope_local_theta"] = _theta(r, local)
    scaling = rope.scaling_section(r, main, "rope_parameters", {})
    if scaling:
        section["rope_scaling"] = scaling
    partial = main.get("partial_rotary_factor", 1)
    if isinstance(partial, bool) or not isinstance(partial, int | float) or not 0 < partial <= 1:
        r.fail("rope_parameters", f"partial_rotary_factor must be in (0, 1], found {partial!r}")
    if partial != 1:
        section["partial_rotary_factor"] = partial
    return section


def _theta(r: Reader, params: dict) -> float:
    """Gemma 4 reads no top-level ``rope_theta``: each rope dict has its own."""
    theta = params.get("rope_theta")
    if isinstance(theta, bool) or not isinstance(theta, int | float) or theta <= 0:
        r.fail("rope_parameters", f"rope_theta must be a positive number, found {theta!r}")
    return int(theta) if float(theta).is_integer() else theta


def _moe(r: Reader) -> dict | None:
    if not r.bool("enable_moe_block"):
        return None
    return {"num_experts": r.int("num_experts"), "experts_per_token": r.int("top_k_experts"),
            "expert_intermediate_size": r.int("moe_intermediate_size"),
            # Gemma4TextRouter: softmax over all experts, top-k renormalized
            **common.router("softmax", True), "parallel_dense": True, "router_scales": True}


def gemma4_spec(r: Reader) -> dict:
    if r.raw("use_bidirectional_attention") not in (None, "vision"):
        r.fail("use_bidirectional_attention", "bidirectional text attention is not a causal LM; not supported")
    if r.raw("expert_intermediate_size") is not None:
        r.fail("expert_intermediate_size", "not read by transformers (moe_intermediate_size is); not supported")
    labels = _labels(r)
    attention = _attention(r, labels)
    ffn = common.ffn(r, act_key="hidden_activation")
    body = common.decoder(r, attention=attention, ffn=ffn, norm="sandwich", moe=_moe(r), scaled=True,
                          positions=_positions(r, attention.get("sliding_window") is not None))
    width = r.int("hidden_size_per_layer_input", minimum=0)
    if width:
        body["embeddings"]["per_layer"] = {"vocab_size": r.int("vocab_size_per_layer_input"), "width": width}
    shared = r.int("num_kv_shared_layers", minimum=0)
    if shared:
        body["kv_sharing"] = {"num_shared_layers": shared}
        if r.bool("use_double_wide_mlp"):
            body["kv_sharing"]["double_wide_mlp"] = True
    return with_final_cap(r, body)


# ---- export -------------------------------------------------------------


def _geometry_config(spec: ModelSpec) -> dict:
    """The hub form (``global_head_dim``, ``num_global_key_value_heads``)
    when one override covers the full layers, else ``per_layer_config``."""
    att, labels = spec.attention, common.attention_labels(spec)
    k_eq_v = any(o.k_eq_v for o in att.overrides)
    if k_eq_v and not all(o.k_eq_v == (o.label == "full") for o in att.overrides if o.k_eq_v or o.label):
        raise ArchcmpError("gemma4_text puts K=V on every full-attention layer and only there")
    config: dict = {"attention_k_eq_v": k_eq_v}
    full = [o for o in att.overrides if o.label == "full"]
    if len(full) == len(att.overrides) == 1 and (k_eq_v or full[0].num_kv_heads is None):
        config["global_head_dim"] = full[0].head_dim or att.head_dim
        if full[0].num_kv_heads is not None:
            config["num_global_key_value_heads"] = full[0].num_kv_heads
        return config
    from archcmp.plan import expand  # the per-layer geometry, resolved once

    per_layer = {}
    for block in expand(spec).mixer_blocks():
        mixer = block.mixer
        if not isinstance(mixer, SoftmaxMixer):  # Gemma 4's layers are all softmax attention
            raise ArchcmpError(f"layer {block.index}: {mixer.kind} attention has no Gemma 4 config form")
        if (mixer.num_kv_heads, mixer.head_dim) != (att.num_kv_heads, att.head_dim):
            per_layer[str(block.index)] = {"head_dim": mixer.head_dim, "num_key_value_heads": mixer.num_kv_heads}
    config["per_layer_config"] = per_layer
    return config if "full" in labels else {**config, "attention_k_eq_v": False}


def _rope_config(spec: ModelSpec) -> dict:
    pos = spec.positions
    full: dict = {"rope_type": pos.rope_scaling.type if pos.rope_scaling else "default", "rope_theta": pos.rope_theta}
    if pos.rope_scaling is not None:
        full.update({k: v for k, v in rope.scaling_dict(pos.rope_scaling).items() if k != "rope_type"})
    if pos.partial_rotary_factor != 1:
        full["partial_rotary_factor"] = pos.partial_rotary_factor
    local = {"rope_type": "default", "rope_theta": pos.rope_local_theta or pos.rope_theta}
    return {"full_attention": full, "sliding_attention": local}


def gemma4_config(spec: ModelSpec) -> dict:
    att, moe, sharing = spec.attention, spec.moe, spec.kv_sharing
    if moe is not None and not (moe.parallel_dense and moe.router_scales):
        raise ArchcmpError("gemma4_text's MoE layers run a dense MLP beside the experts and a scaled router "
                           "(moe.parallel_dense and moe.router_scales)")
    config = common.decoder_config(spec, "gemma4_text")
    for key in ("rope_theta", "rope_scaling", "partial_rotary_factor"):
        config.pop(key, None)
    config["hidden_activation"] = config.pop("hidden_act")
    labels = common.attention_labels(spec)
    config.update(attention_bias=att.qkv_bias, layer_types=common.layer_types(spec),
                  # typed int: a model without sliding layers keeps the class default
                  sliding_window=att.sliding_window if "sliding" in labels else DEFAULTS["sliding_window"],
                  final_logit_softcapping=spec.final_logit_softcapping, rope_parameters=_rope_config(spec),
                  **_geometry_config(spec))
    ple = spec.embeddings.per_layer
    config["hidden_size_per_layer_input"] = ple.width if ple else 0
    if ple:
        config["vocab_size_per_layer_input"] = ple.vocab_size
    config["num_kv_shared_layers"] = sharing.num_shared_layers if sharing else 0
    config["use_double_wide_mlp"] = bool(sharing and sharing.double_wide_mlp)
    config["enable_moe_block"] = moe is not None
    if moe is not None:
        config.update(num_experts=moe.num_experts, top_k_experts=moe.experts_per_token,
                      moe_intermediate_size=moe.expert_intermediate_size)
    return config


FAMILIES = (Family("gemma4_text", "gemma4", DEFAULTS, gemma4_spec, gemma4_config, ignored=IGNORED),)
