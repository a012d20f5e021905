"""MiniMax-M2 / M2.1 / M2.5 (transformers 5.24 ``MiniMaxM2Config``,
``MiniMaxM2Attention``, ``MiniMaxM2SparseMoeBlock``).

GQA with q_norm and k_norm each over all heads (RMSNorm of heads·head_dim,
as OLMo 2); partial RoPE over ``rotary_dim`` of each head (the config class
turns it into ``partial_rotary_factor``); every layer a MoE of
``num_local_experts`` SwiGLU experts of ``intermediate_size``, no shared
expert. ``MiniMaxM2TopKRouter`` scores with a sigmoid, chooses with
``e_score_correction_bias`` added (a buffer) and renormalizes the top-k.

Hub files carry keys of MiniMax's own modeling code that transformers does
not read: the q/k-norm and routing-bias switches (transformers always builds
both), ``scoring_func`` (always sigmoid here), ``shared_intermediate_size``
(no shared expert is built) and the MTP settings (``use_mtp``,
``num_mtp_modules``: the released checkpoints hold no MTP weights).
"""

from __future__ import annotations

from archcmp.hf import common
from archcmp.hf.families import Family
from archcmp.hf.reader import Reader
from archcmp.schema import ModelSpec

DEFAULTS = {
    **common.DECODER_DEFAULTS, "vocab_size": 200064, "hidden_size": 3072, "intermediate_size": 1536,
    "num_hidden_layers": 62, "num_attention_heads": 48, "num_key_value_heads": 8, "head_dim": 128,
    "max_position_embeddings": 196608, "bos_token_id": 200034, "eos_token_id": 200020,
    "num_experts_per_tok": 8, "num_local_experts": 256, "rope_theta": 5000000.0,
    "rotary_dim": None, "partial_rotary_factor": None,
    # read by MiniMax's remote code only (see the module docstring)
    "use_qk_norm": True, "use_routing_bias": True, "scoring_func": "sigmoid", "shared_intermediate_size": 0,
}
IGNORED = frozenset({"qk_norm_type", "use_mtp", "num_mtp_modules", "mtp_transformer_layers", "attn_type_list",
                     "layernorm_full_attention_beta", "layernorm_mlp_beta"})


def _remote_only(r: Reader) -> None:
    """Keys transformers ignores; a value that would change the model under
    MiniMax's own code is refused or warned about, never dropped silently."""
    if not r.bool("use_qk_norm"):
        r.warn("use_qk_norm", "false ignored, as transformers does: MiniMaxM2Attention always builds q/k norms")
    if r.str("scoring_func") != "sigmoid":
        r.warn("scoring_func", "ignored, as transformers does: MiniMaxM2TopKRouter always scores with sigmoid")
    if r.int("shared_intermediate_size", minimum=0):
        r.fail("shared_intermediate_size", "a shared expert, which transformers does not build; not supported")


def _partial(r: Reader, head_dim: int) -> float:
    """``convert_rope_params_to_dict``: ``rotary_dim / head_dim`` unless the
    factor is given."""
    factor = r.number("partial_rotary_factor")
    if factor is None and r.opt_int("rotary_dim") is not None:
        factor = r.int("rotary_dim") / head_dim
    if factor is not None and not 0 < factor <= 1:
        r.fail("partial_rotary_factor", f"must be in (0, 1], found {factor!r}")
    return 1 if factor is None else factor


def minimax_m2_spec(r: Reader) -> dict:
    _remote_only(r)
    attention = common.attention(r, qk_norm="full")
    labels = ["moe"] * r.int("num_hidden_layers")
    moe = common.moe(r, labels, "num_local_experts", common.router("sigmoid", True),
                     expert_intermediate_size=r.int("intermediate_size"))
    body = common.decoder(r, attention=attention, ffn=common.ffn(r), moe=moe)
    partial = _partial(r, attention["head_dim"])
    if partial != 1:
        body["positions"]["partial_rotary_factor"] = int(partial) if float(partial).is_integer() else partial
    return body


def minimax_m2_config(spec: ModelSpec) -> dict:
    config = common.decoder_config(spec, "minimax_m2")
    if spec.moe:
        config.update(num_local_experts=spec.moe.num_experts, num_experts_per_tok=spec.moe.experts_per_token,
                      intermediate_size=spec.moe.expert_intermediate_size)
    return config


FAMILIES = (Family("minimax_m2", "minimax", DEFAULTS, minimax_m2_spec, minimax_m2_config, ignored=IGNORED,
                   aliases={"num_experts": "num_local_experts"}),)
