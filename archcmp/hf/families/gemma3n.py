"""Gemma 3n's text model (transformers 5.24 ``Gemma3nTextConfig``,
``Gemma3nTextModel``): per-layer embeddings, AltUp, LAuReL, KV sharing over
the last ``num_kv_shared_layers`` layers, per-layer FFN widths."""

from __future__ import annotations

from archcmp.hf import common
from archcmp.hf.families import Family
from archcmp.hf.families.gemma import GEMMA3, gemma3_config, gemma3_rope, with_final_cap
from archcmp.hf.reader import Reader
from archcmp.schema import ModelSpec

DEFAULTS = {
    **{k: v for k, v in GEMMA3.items() if k not in ("sliding_window_pattern", "use_bidirectional_attention",
                                                     "attn_logit_softcapping", "query_pre_attn_scalar")},
    "vocab_size": 262400, "hidden_size": 2048, "intermediate_size": 16384, "num_hidden_layers": 35,
    "num_attention_heads": 8, "num_key_value_heads": 2, "max_position_embeddings": 32768,
    "sliding_window": 512, "vocab_size_per_layer_input": 262144, "hidden_size_per_layer_input": 256,
    "altup_active_idx": 0, "altup_num_inputs": 4, "num_kv_shared_layers": 15, "laurel_rank": 64,
    "activation_sparsity_pattern": None, "final_logit_softcapping": 30.0,
}
# Gemma3nTextAttention reads neither attn_logit_softcapping nor
# query_pre_attn_scalar (its scaling is 1.0); correct_output_scale is built either way.
IGNORED = frozenset({"altup_coef_clip", "altup_correct_scale", "query_pre_attn_scalar", "hidden_act",
                     "attn_logit_softcapping"})


def _widths(r: Reader, n: int) -> int | list[int]:
    size = r.raw("intermediate_size")
    if isinstance(size, list):
        widths = r.list("intermediate_size", n)
        if not all(isinstance(w, int) and not isinstance(w, bool) and w > 0 for w in widths):
            r.fail("intermediate_size", "expected positive integers")
        return widths[0] if len(set(widths)) == 1 else widths
    return r.int("intermediate_size")


def gemma3n_spec(r: Reader) -> dict:
    """Every 5th layer global unless ``layer_types`` say; the activation
    sparsity pattern changes compute, not sizes. ``Gemma3nTextAttention``
    does not scale scores (``scaling = 1.0``: q and k are RMS-normed)."""
    n = r.int("num_hidden_layers")
    r.list("activation_sparsity_pattern", n)
    types = r.list("layer_types", n) or [
        "full_attention" if (i + 1) % 5 == 0 else "sliding_attention" for i in range(n)]
    labels = ["sliding" if t == "sliding_attention" else "full" for t in types]
    bias = r.bool("attention_bias")
    attention = common.attention(r, qkv_bias=bias, out_bias=bias, qk_norm="per_head", unit_scale=True,
                                 **common.windowed(labels, r.opt_int("sliding_window")))
    ffn = {"gated": True, "activation": common.activation(r, "hidden_activation"), "intermediate_size": _widths(r, n)}
    body = common.decoder(r, attention=attention, ffn=ffn, norm="sandwich", scaled=True,
                          positions=gemma3_rope(r, attention.get("sliding_window") is not None))
    body["embeddings"]["per_layer"] = {"vocab_size": r.int("vocab_size_per_layer_input"),
                                       "width": r.int("hidden_size_per_layer_input")}
    shared = r.int("num_kv_shared_layers", minimum=0)
    if shared:
        body["kv_sharing"] = {"num_shared_layers": shared}
    body["altup"] = {"num_inputs": r.int("altup_num_inputs"),
                     "active_index": r.int("altup_active_idx", minimum=0)}
    body["laurel"] = {"rank": r.int("laurel_rank")}
    return with_final_cap(r, body, required=True)  # Gemma3nTextConfig types it float, not optional


def gemma3n_config(spec: ModelSpec) -> dict:
    config = gemma3_config(spec)
    config["model_type"] = "gemma3n_text"
    for key in ("attn_logit_softcapping", "query_pre_attn_scalar"):
        config.pop(key)
    config["intermediate_size"] = spec.ffn.intermediate_size
    if spec.embeddings.per_layer:
        config["vocab_size_per_layer_input"] = spec.embeddings.per_layer.vocab_size
        config["hidden_size_per_layer_input"] = spec.embeddings.per_layer.width
    config["num_kv_shared_layers"] = spec.kv_sharing.num_shared_layers if spec.kv_sharing else 0
    if spec.altup:
        config.update(altup_num_inputs=spec.altup.num_inputs, altup_active_idx=spec.altup.active_index)
    if spec.laurel:
        config["laurel_rank"] = spec.laurel.rank
    return config


FAMILIES = (Family("gemma3n_text", "gemma3n", DEFAULTS, gemma3n_spec, gemma3n_config, ignored=IGNORED),)
