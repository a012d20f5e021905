"""Spec sections shared by the decoder families, in and out.

Each helper reads the keys the transformers modeling code reads and builds
the matching spec section; the ``*_config`` helpers write them back.
"""

from __future__ import annotations

from archcmp.errors import ArchcmpError
from archcmp.hf import patterns, rope
from archcmp.hf.reader import Reader
from archcmp.schema import LatentAttention, ModelSpec, SoftmaxAttention

# transformers ACT2FN names -> spec activations (same function, or the
# tanh approximation of GELU under its several names)
ACTIVATIONS = {
    "silu": "silu", "swish": "silu", "gelu": "gelu", "gelu_new": "gelu_tanh",
    "gelu_pytorch_tanh": "gelu_tanh", "gelu_fast": "gelu_tanh", "relu": "relu", "relu2": "relu2",
}
HF_ACTIVATIONS = {"silu": "silu", "gelu": "gelu", "gelu_tanh": "gelu_pytorch_tanh", "relu": "relu", "relu2": "relu2"}

# Keys of PreTrainedConfig and GenerationConfig, and training-time knobs:
# none of them changes what a model instantiates.
BASE_IGNORED = frozenset({
    "architectures", "auto_map", "model_type", "transformers_version", "torch_dtype", "dtype",
    "_name_or_path", "name_or_path", "id2label", "label2id", "num_labels", "problem_type",
    "output_attentions", "output_hidden_states", "return_dict", "use_cache", "is_encoder_decoder",
    "chunk_size_feed_forward", "bos_token_id", "eos_token_id", "pad_token_id", "sep_token_id",
    "decoder_start_token_id", "initializer_range", "quantization_config", "attention_dropout",
    "pretraining_tp", "tokenizer_class", "prefix", "task_specific_params", "finetuning_task",
    "is_decoder", "pruned_heads", "torchscript", "use_bfloat16", "tf_legacy_loss", "tie_encoder_decoder",
    "cross_attention_hidden_size", "max_length", "min_length", "do_sample", "early_stopping",
    "num_beams", "num_beam_groups", "diversity_penalty", "temperature", "top_k", "top_p",
    "typical_p", "repetition_penalty", "length_penalty", "no_repeat_ngram_size",
    "encoder_no_repeat_ngram_size", "bad_words_ids", "num_return_sequences", "output_scores",
    "return_dict_in_generate", "forced_bos_token_id", "forced_eos_token_id", "remove_invalid_values",
    "exponential_decay_length_penalty", "suppress_tokens", "begin_suppress_tokens",
    "_attn_implementation", "attn_implementation", "_attn_implementation_autoset",
    "_experts_implementation", "experts_implementation", "_commit_hash", "rms_norm_eps",
    "layer_norm_eps", "output_router_logits", "router_aux_loss_coef", "router_jitter_noise",
    "tie_last_hidden_states", "cache_implementation", "use_return_dict", "gradient_checkpointing",
    "output_past", "_num_labels", "xla_device", "keys_to_ignore_at_inference", "add_cross_attention",
})

# The keys every llama-style decoder reads, with the Llama defaults; families
# override what differs.
DECODER_DEFAULTS = {
    "vocab_size": 32000, "hidden_size": 4096, "intermediate_size": 11008, "num_hidden_layers": 32,
    "num_attention_heads": 32, "num_key_value_heads": None, "head_dim": None, "hidden_act": "silu",
    "max_position_embeddings": 2048, "tie_word_embeddings": False,
    "rope_theta": 10000.0, "rope_scaling": None, "rope_parameters": None,
}


def activation(r: Reader, key: str = "hidden_act", legacy: dict | None = None) -> str:
    """The spec activation; ``legacy`` renames old values first (Gemma's
    ``gelu`` means the tanh approximation, ``GemmaConfig.__post_init__``)."""
    name = r.str(key)
    name = (legacy or {}).get(name, name)
    if name not in ACTIVATIONS:
        r.fail(key, f"unknown activation {name!r}; known: {', '.join(sorted(ACTIVATIONS))}")
    return ACTIVATIONS[name]


def sizes(r: Reader) -> dict:
    return {
        "vocab_size": r.int("vocab_size"),
        "hidden_size": r.int("hidden_size"),
        "num_layers": r.int("num_hidden_layers"),
        "max_context": r.int("max_position_embeddings"),
    }


def heads(r: Reader) -> tuple[int, int, int]:
    """``num_attention_heads``, ``num_key_value_heads`` (default: MHA) and
    ``head_dim`` (default ``hidden_size // num_attention_heads``, the
    ``getattr(config, "head_dim", ...)`` of every attention module)."""
    num_heads = r.int("num_attention_heads")
    num_kv = r.opt_int("num_key_value_heads") or num_heads
    if num_heads % num_kv:
        r.fail("num_key_value_heads", f"{num_kv} does not divide num_attention_heads ({num_heads})")
    head_dim = r.opt_int("head_dim") or r.int("hidden_size") // num_heads
    return num_heads, num_kv, head_dim


def attention(r: Reader, **extras) -> dict:
    """A q/k/v/o attention section; ``extras`` are spec fields that differ
    from the schema defaults (biases, qk_norm, layer_pattern, ...)."""
    num_heads, num_kv, head_dim = heads(r)
    section = {"kind": kind(num_heads, num_kv), "num_heads": num_heads, "num_kv_heads": num_kv,
               "head_dim": head_dim}
    section.update({k: v for k, v in extras.items() if v not in (None, False, "none")})
    return section


def kind(num_heads: int, num_kv: int) -> str:
    return "mha" if num_kv == num_heads else "mqa" if num_kv == 1 else "gqa"


def windowed(labels: list[str], window: int | None, label: str = "sliding") -> dict:
    """``layer_pattern`` and the window for per-layer attention labels; a
    layer marked sliding without a window attends fully, as in transformers."""
    if window is None:
        labels = ["full"] * len(labels)
    pattern = patterns.optional(labels, "full")
    size_field = "sliding_window" if label == "sliding" else "chunk_size"
    return {"layer_pattern": pattern, size_field: window if label in labels else None}


def ffn(r: Reader, size_key: str = "intermediate_size", act_key: str = "hidden_act",
        legacy: dict | None = None, **extras) -> dict:
    section = {"gated": True, "activation": activation(r, act_key, legacy), "intermediate_size": r.int(size_key)}
    section.update({k: v for k, v in extras.items() if v})
    return section


def moe(r: Reader, labels: list[str], experts_key: str, router: dict, **fields) -> dict | None:
    """The MoE section, or ``None`` when no layer is MoE; ``router`` from
    :func:`router` (kept whole: ``normalize_top_k: false`` is a statement)."""
    if "moe" not in labels:
        return None
    section = {"num_experts": r.int(experts_key), "experts_per_token": r.int("num_experts_per_tok")}
    section.update({k: v for k, v in fields.items() if v not in (None, False, 0)})
    section.update(router)
    pattern = patterns.optional(labels, "moe")
    if pattern is not None:
        section["layer_pattern"] = pattern
    return section


def router(scoring: str, normalize: bool, scaling: float | None = None) -> dict:
    """The spec's router fields as a family's modeling code applies them; a
    factor of 1 is no scaling step, which the spec writes by leaving it out."""
    fields = {"router_scoring": scoring, "normalize_top_k": normalize}
    if scaling is not None and scaling != 1:
        fields["routed_scaling_factor"] = scaling
    return fields


def positive(r: Reader, key: str, required: bool = False) -> float | None:
    """A number above 0 (soft-caps, scaling factors); ``required`` where the
    transformers config class is typed ``float``, which refuses null."""
    value = r.number(key)
    if value is None and not required:
        return None
    if value is None or value <= 0:
        r.fail(key, f"expected a number above 0, found {value!r}")
    return value


def no_bias(r: Reader) -> None:
    """Families whose projections never have a bias accept ``attention_bias: false``."""
    if r.bool("attention_bias"):
        r.fail("attention_bias", "this model_type builds no attention biases; transformers would ignore it")


def decoder(r: Reader, *, attention: dict, ffn: dict, norm: str = "pre", moe: dict | None = None,
            positions: dict | None = None, scaled: bool = False) -> dict:
    """A whole spec body (everything but the metadata)."""
    embeddings = {"tied_output": r.bool("tie_word_embeddings")}
    if scaled:
        embeddings["scaled"] = True
    body = {
        **sizes(r),
        "embeddings": embeddings,
        "positions": positions or rope.positions(r),
        "attention": attention,
        "norm": {"kind": "rmsnorm", "placement": norm},
        "ffn": ffn,
    }
    if moe:
        body["moe"] = moe
    return body


# ---- export -------------------------------------------------------------


def decoder_config(spec: ModelSpec, model_type: str, latent: bool = False) -> dict:
    """The keys every llama-style decoder config has. ``latent``: the family
    has multi-head latent attention; the others have softmax attention over
    KV heads, and neither can express the other."""
    att = spec.attention
    if isinstance(att, LatentAttention) != latent:
        wanted = "latent attention (mla)" if latent else "attention over KV heads (mha, gqa, mqa)"
        raise ArchcmpError(f"attention.kind: {att.kind}, but {model_type} has {wanted}")
    config = {
        "model_type": model_type,
        "vocab_size": spec.vocab_size,
        "hidden_size": spec.hidden_size,
        "num_hidden_layers": spec.num_layers,
        "num_attention_heads": att.num_heads,
        "intermediate_size": spec.intermediate_size_at(0),
        "hidden_act": hf_activation(spec),
        "max_position_embeddings": spec.max_context or 4096,
        "tie_word_embeddings": spec.embeddings.tied_output,
    }
    if isinstance(att, SoftmaxAttention):  # latent attention has no KV heads (its families add its ranks)
        config.update(num_key_value_heads=att.num_kv_heads, head_dim=att.head_dim)
    if spec.positions.kind == "rope":
        config.update(rope.legacy_keys(spec))
    return config


def router_config(spec: ModelSpec, normalize_key: str | None = "norm_topk_prob",
                  scaling_key: str | None = None) -> dict:
    """The router keys a family reads. An unstated ``normalize_top_k`` is left
    out (the family default applies); the factor is always written, since
    the spec's "left out" means 1, which need not be the family default."""
    if spec.moe is None:
        return {}
    config = {}
    if normalize_key and spec.moe.normalize_top_k is not None:
        config[normalize_key] = spec.moe.normalize_top_k
    if scaling_key:
        config[scaling_key] = spec.moe.routed_scaling_factor or 1.0
    return config


def hf_activation(spec: ModelSpec) -> str:
    return HF_ACTIVATIONS.get(spec.ffn.activation, spec.ffn.activation)


def attention_labels(spec: ModelSpec) -> list[str]:
    return patterns.expand(spec.attention.layer_pattern, spec.num_layers, "full")


def moe_labels(spec: ModelSpec) -> list[str]:
    if spec.moe is None:
        return ["dense"] * spec.num_layers
    return patterns.expand(spec.moe.layer_pattern, spec.num_layers, "moe")


def layer_types(spec: ModelSpec) -> list[str]:
    """transformers' ``layer_types`` for the spec's attention pattern."""
    names = {"full": "full_attention", "sliding": "sliding_attention", "chunked": "chunked_attention"}
    return [names[label] for label in attention_labels(spec)]


def first_dense(spec: ModelSpec) -> int:
    """How many leading layers are dense (DeepSeek's first_k_dense_replace)."""
    labels = moe_labels(spec)
    return labels.index("moe") if "moe" in labels else len(labels)
