"""Parameter counts worked out by hand, independently of the analyzer."""

from __future__ import annotations

from testpaths import DATA

from archcmp.analysis.params import count_params
from archcmp.load import parse_spec
from archcmp.registry import Registry


def test_gpt2_small_is_124_439_808():
    h, vocab, ctx, layers, ffn = 768, 50257, 1024, 12, 3072
    per_block = (
        2 * 2 * h  # ln_1, ln_2 (weight + bias)
        + h * 3 * h + 3 * h  # c_attn (fused qkv) + bias
        + h * h + h  # attention c_proj + bias
        + h * ffn + ffn  # c_fc + bias
        + ffn * h + h  # mlp c_proj + bias
    )
    by_hand = vocab * h + ctx * h + layers * per_block + 2 * h  # wte, wpe, blocks, ln_f
    assert by_hand == 124_439_808
    assert count_params(Registry(use_env=False).resolve("gpt2")).total_params == by_hand


def test_tiny_gqa_spec():
    counts = count_params(parse_spec((DATA / "tiny.yaml").read_text(), "tiny.yaml"))
    # q 16x32, k and v 16x16, o 32x16; two RMSNorms; SwiGLU 3x16x24; tied 100x16 table; final norm.
    per_layer = 512 + 256 + 256 + 512 + 2 * 16 + 3 * 16 * 24
    assert counts.total_params == 100 * 16 + 4 * per_layer + 16 == 12_496
    assert counts.components["lm_head"] == 0
    assert counts.active_params == counts.total_params


def _variant(**changes: str):
    text = (DATA / "tiny.yaml").read_text()
    for old, new in changes.items():
        assert old in text
        text = text.replace(old, new)
    return count_params(parse_spec(text, "variant.yaml"))


def test_untied_head_adds_a_table():
    counts = _variant(**{"tied_output: true": "tied_output: false"})
    assert counts.components["lm_head"] == 1600
    assert counts.total_params == 12_496 + 1600
    # "excl embedding" drops only the input table, not the untied head.
    assert counts.active_params_excl_embedding == 12_496


def test_qkv_bias_sinks_and_qk_norm():
    counts = _variant(**{"  layer_pattern": "  qkv_bias: true\n  sinks: true\n  qk_norm: per_head\n  layer_pattern"})
    extra_per_layer = (32 + 16 + 16) + 4 + (8 + 8)  # q/k/v biases, one sink per head, q/k norms
    assert counts.components["attention"] == 4 * (1536 + extra_per_layer)


def test_moe_active_counts_only_visited_experts():
    moe = "moe:\n  num_experts: 8\n  experts_per_token: 2\n  expert_intermediate_size: 4\n" \
          "  num_shared_experts: 1\n  layer_pattern: {first: [dense], repeat: [moe]}\n"
    counts = _variant(**{"ffn:\n": moe + "ffn:\n"})
    expert = 3 * 16 * 4
    assert counts.components["routed_experts"] == 3 * 8 * expert
    assert counts.components["shared_experts"] == 3 * expert
    assert counts.components["router"] == 3 * 8 * 16
    assert counts.components["dense_mlp"] == 3 * 16 * 24
    assert counts.active_params == counts.total_params - 3 * 6 * expert


def test_mla_attention_by_hand():
    mla = ("  kind: mla\n  num_heads: 4\n  q_lora_rank: 6\n  kv_lora_rank: 5\n"
           "  qk_nope_head_dim: 3\n  qk_rope_head_dim: 2\n  v_head_dim: 7\n")
    counts = _variant(**{"  kind: gqa\n  num_heads: 4\n  num_kv_heads: 2\n  head_dim: 8\n": mla})
    q = 16 * 6 + 6 + 6 * 4 * (3 + 2)  # q_a_proj, q_a_layernorm, q_b_proj
    kv = 16 * (5 + 2) + 5 + 5 * 4 * (3 + 7)  # kv_a_proj_with_mqa, kv_a_layernorm, kv_b_proj
    o = 4 * 7 * 16
    assert counts.components["attention"] == 4 * (q + kv + o)
