"""Nemotron-H and Nemotron 3: a stack of single-sublayer blocks, each a
Mamba-2 mixer, GQA attention without positions, a relu² MoE or a relu² MLP,
with one pre-norm (transformers 5.24 ``NemotronHConfig``, ``NemotronHBlock``).

The stack is ``layers_block_type`` (``linear_attention``/``full_attention``/
``moe``/``mlp``, or the older ``mamba``/``attention``), else the string
``hybrid_override_pattern`` (``M``, ``*``, ``E``, ``-``); ``num_hidden_layers``
is derived from it. Mamba's inner width is ``mamba_num_heads ×
mamba_head_dim`` (``expand`` is not used).
"""

from __future__ import annotations

from archcmp.errors import ArchcmpError
from archcmp.hf import common, patterns
from archcmp.hf.families import Family
from archcmp.hf.reader import Reader
from archcmp.schema import ModelSpec

DEFAULTS = {
    "vocab_size": 131072, "hidden_size": 4096, "layers_block_type": None, "hybrid_override_pattern": None,
    "num_hidden_layers": None, "tie_word_embeddings": False, "num_attention_heads": 32, "num_key_value_heads": 8,
    "head_dim": 128, "max_position_embeddings": 4096, "attention_bias": False, "sliding_window": None,
    "intermediate_size": 21504, "mlp_hidden_act": "relu2", "mlp_bias": False, "ssm_state_size": 128,
    "mamba_num_heads": 128, "mamba_head_dim": 64, "n_groups": 8, "conv_kernel": 4, "use_conv_bias": True,
    "chunk_size": 128, "mamba_ssm_cache_dtype": "float32", "n_routed_experts": 8, "n_shared_experts": 1,
    "moe_intermediate_size": 7688, "moe_shared_expert_intermediate_size": 7688, "moe_latent_size": None,
    "num_experts_per_tok": 2, "routed_scaling_factor": 1.0, "norm_topk_prob": True, "use_bias": False,
    "num_nextn_predict_layers": 0, "mtp_layers_block_type": None, "mtp_hybrid_override_pattern": None,
}
# Initialization, kernels and runtime knobs; router grouping; keys transformers' code never reads
# (its attention applies no rotary embedding, mamba_proj_bias and expand are unused).
IGNORED = frozenset({
    "time_step_min", "time_step_max", "time_step_limit", "time_step_floor", "use_mamba_kernels",
    "mamba_hidden_act", "expand", "mamba_proj_bias", "num_logits_to_keep", "rescale_prenorm_residual",
    "residual_in_fp32", "hidden_dropout", "layer_norm_epsilon", "norm_eps", "n_group", "topk_group",
    "moe_shared_expert_overlap", "partial_rotary_factor", "rope_theta", "rope_scaling", "rope_parameters",
})
ALIASES = {"num_local_experts": "n_routed_experts", "layer_types": "layers_block_type", "mamba_dt_limit": "time_step_limit",
           "mamba_n_groups": "n_groups", "mamba_d_conv": "conv_kernel", "mamba_conv_bias": "use_conv_bias",
           "mamba_chunk_size": "chunk_size"}
BLOCKS = {"linear_attention": "linear", "mamba": "linear", "full_attention": "attention", "attention": "attention",
          "moe": "moe", "mlp": "mlp"}
PATTERN = {"M": "linear", "*": "attention", "E": "moe", "-": "mlp"}
HF_BLOCKS = {"linear": "linear_attention", "attention": "full_attention", "moe": "moe", "mlp": "mlp"}
STATE_DTYPES = {"float32": "fp32", "bfloat16": "bf16", "float16": "fp16"}


def block_labels(r: Reader, types_key: str = "layers_block_type", pattern_key: str = "hybrid_override_pattern",
                 default: tuple[str, ...] = ("linear", "moe", "attention", "mlp")) -> list[str]:
    """The block list, or the pattern string, else ``NemotronHConfig``'s default
    stack (for the MTP blocks: ``["full_attention", "moe"]``)."""
    types = r.list(types_key)
    if types is not None:
        if not types or any(t not in BLOCKS for t in types):
            r.fail(types_key, f"expected one of {', '.join(BLOCKS)} per block")
        return [BLOCKS[t] for t in types]
    pattern = r.str(pattern_key)
    if pattern is None:
        return list(default)
    if not pattern or any(c not in PATTERN for c in pattern):
        r.fail(pattern_key, "expected a string of M (mamba), * (attention), E (moe), - (mlp)")
    return [PATTERN[c] for c in pattern]


def _mtp(r: Reader) -> dict | None:
    """``num_nextn_predict_layers`` MTP modules of ``mtp_layers_block_type``
    (or ``mtp_hybrid_override_pattern``) blocks, which transformers 5.24 does
    not build (``NemotronHForCausalLM`` ignores ``mtp.*`` weights) and vLLM's
    ``NemotronHMultiTokenPredictor`` does: counted apart."""
    modules = r.int("num_nextn_predict_layers", minimum=0)
    blocks = block_labels(r, "mtp_layers_block_type", "mtp_hybrid_override_pattern", ("attention", "moe"))
    return {"num_modules": modules, "blocks": blocks} if modules else None


def _mamba(r: Reader) -> dict:
    heads, groups = r.int("mamba_num_heads"), r.int("n_groups")
    if heads % groups:
        r.fail("n_groups", f"{groups} does not divide mamba_num_heads ({heads})")
    dtype = r.str("mamba_ssm_cache_dtype")
    if dtype not in STATE_DTYPES:
        r.fail("mamba_ssm_cache_dtype", f"unknown dtype {dtype!r}; expected one of {', '.join(STATE_DTYPES)}")
    section = {"kind": "mamba2", "num_heads": heads, "head_dim": r.int("mamba_head_dim"),
               "state_size": r.int("ssm_state_size"), "num_groups": groups, "conv_kernel": r.int("conv_kernel"),
               "chunk_size": r.int("chunk_size"), "state_dtype": STATE_DTYPES[dtype]}
    if not r.bool("use_conv_bias"):
        section["conv_bias"] = False
    if r.bool("use_bias"):
        section["proj_bias"] = True
    return section


def _moe(r: Reader) -> dict:
    """``NemotronHMoE``: relu² experts (up and down only), a sigmoid router with
    a selection bias, renormalized by ``norm_topk_prob``, ×``routed_scaling_factor``;
    the shared expert an ``NemotronHMLP`` of its own width."""
    shared = r.int("n_shared_experts", minimum=0)
    if shared == 0:
        r.warn("n_shared_experts", "0 ignored, as transformers 5.24 does: NemotronHMoE always builds its shared expert")
    section = {"num_experts": r.int("n_routed_experts"), "experts_per_token": r.int("num_experts_per_tok"),
               "expert_intermediate_size": r.int("moe_intermediate_size")}
    latent = r.opt_int("moe_latent_size")
    if latent is not None:  # the experts read a latent behind fc1_latent_proj / fc2_latent_proj
        section["latent_size"] = latent
    # one NemotronHMLP of moe_shared_expert_intermediate_size, however many n_shared_experts says
    section.update(num_shared_experts=max(shared, 1),
                   shared_expert_intermediate_size=r.int("moe_shared_expert_intermediate_size"))
    return section | common.router("sigmoid", r.bool("norm_topk_prob"),
                                   common.positive(r, "routed_scaling_factor", required=True))


def untied(r: Reader) -> bool:
    """``NemotronHForCausalLM`` declares no tied weights: transformers 5.24 builds a
    separate output head whatever ``tie_word_embeddings`` says."""
    if r.bool("tie_word_embeddings"):
        r.warn("tie_word_embeddings", "true ignored, as transformers 5.24 does: NemotronHForCausalLM never ties its head")
    return False


def spec_body(r: Reader) -> dict:
    labels = block_labels(r)
    if r.raw("sliding_window") is not None:
        r.fail("sliding_window", "transformers 5.24's NemotronHAttention does not use it; a windowed attention "
                                 "block is not supported")
    given = r.raw("num_hidden_layers")
    if given is not None and given != len(labels):
        r.warn("num_hidden_layers", f"{given} ignored, as transformers does: the block list has {len(labels)}")
    common.no_bias(r)  # NemotronHAttention builds its projections without bias, whatever the config says
    attention = common.attention(r)
    ffn = {"gated": False, "activation": common.activation(r, "mlp_hidden_act"),
           "intermediate_size": r.int("intermediate_size")}
    if r.bool("mlp_bias"):
        ffn["bias"] = True
    body = {"vocab_size": r.int("vocab_size"), "hidden_size": r.int("hidden_size"), "num_layers": len(labels),
            "max_context": r.int("max_position_embeddings"),
            "embeddings": {"tied_output": untied(r)}, "positions": {"kind": "none"},
            "attention": attention}
    if "linear" in labels:
        body["linear_attention"] = _mamba(r)
    body |= {"block_pattern": patterns.compress(labels), "norm": {"kind": "rmsnorm", "placement": "pre"},
             "ffn": ffn}
    mtp = _mtp(r)
    if "moe" in labels or (mtp and "moe" in mtp["blocks"]):
        body["moe"] = _moe(r)
    if mtp:
        if "linear" in mtp["blocks"] and "linear_attention" not in body:
            body["linear_attention"] = _mamba(r)
        body["mtp"] = mtp
    return body


def to_config(spec: ModelSpec) -> dict:
    if spec.embeddings.tied_output:
        raise ArchcmpError("a tied output head: transformers 5.24's NemotronHForCausalLM never ties it")
    att, lin, moe = spec.attention, spec.linear_attention, spec.moe
    labels = patterns.expand(spec.block_pattern, spec.num_layers, "attention")
    config = {
        "vocab_size": spec.vocab_size, "hidden_size": spec.hidden_size, "max_position_embeddings": spec.max_context
        or 4096, "tie_word_embeddings": False,
        "layers_block_type": [HF_BLOCKS[label] for label in labels],
        "num_attention_heads": att.num_heads, "num_key_value_heads": att.num_kv_heads, "head_dim": att.head_dim,
        "intermediate_size": spec.intermediate_size_at(0),
        "mlp_hidden_act": common.hf_activation(spec), "mlp_bias": spec.ffn.bias,
    }
    if lin is not None:
        config.update(mamba_num_heads=lin.num_heads, mamba_head_dim=lin.head_dim, ssm_state_size=lin.state_size,
                      n_groups=lin.num_groups, conv_kernel=lin.conv_kernel, chunk_size=lin.chunk_size,
                      use_conv_bias=lin.conv_bias, use_bias=lin.proj_bias,
                      mamba_ssm_cache_dtype={v: k for k, v in STATE_DTYPES.items()}[lin.state_dtype or "fp32"])
    if moe is not None and moe.num_shared_experts == 0:
        raise ArchcmpError("a MoE without a shared expert: transformers 5.24's NemotronHMoE always builds one")
    if moe is not None:
        config.update(n_routed_experts=moe.num_experts, num_experts_per_tok=moe.experts_per_token,
                      moe_intermediate_size=moe.expert_intermediate_size, n_shared_experts=moe.num_shared_experts,
                      moe_shared_expert_intermediate_size=moe.shared_width or moe.expert_intermediate_size,
                      moe_latent_size=moe.latent_size,
                      **common.router_config(spec, scaling_key="routed_scaling_factor"))
    if spec.mtp is not None:
        config.update(num_nextn_predict_layers=spec.mtp.num_modules,
                      mtp_layers_block_type=[HF_BLOCKS[label] for label in spec.mtp.blocks or ()])
    return config


# transformers saves time_step_limit's default (0.0, inf) as [0.0, Infinity]: a training clamp on dt that sizes nothing
FAMILIES = (Family("nemotron_h", "nemotron-h", DEFAULTS, spec_body, to_config, ignored=IGNORED, aliases=ALIASES,
                   nonfinite_ok=frozenset({"time_step_limit"})),)
