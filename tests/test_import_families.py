"""Each family's quirks, read from the small configs in tests/data/hf/ and
counted by hand here (the transformers module each figure follows is named
beside it)."""

from __future__ import annotations

from plans import ffn_kinds, layer_row, spans
from testpaths import DATA

from archcmp.analysis.params import count_params
from archcmp.hf.importer import import_file
from archcmp.plan import expand

HF = DATA / "hf"


def spec_of(name: str):
    return import_file(HF / f"{name}.json").spec


def parts(name: str) -> dict:
    return count_params(spec_of(name)).components


def test_qwen2_has_qkv_biases_and_slides_from_max_window_layers():
    spec = spec_of("synthetic-qwen2-sliding")
    # Qwen2Attention: q 128->128, k/v 128->64 (2 kv heads x 32), all three biased; o unbiased
    per_layer = 128 * 128 + 2 * 128 * 64 + 128 * 128 + (128 + 64 + 64)
    assert parts("synthetic-qwen2-sliding")["attention"] == 6 * per_layer
    assert spans(spec) == ["full", "full"] + ["sliding"] * 4
    assert spec.attention.sliding_window == 64
    assert spec.embeddings.tied_output


def test_qwen3_explicit_layer_types_bias_and_head_norm():
    spec = spec_of("synthetic-qwen3-layer-types")
    assert spans(spec) == ["full", "sliding", "sliding", "full", "sliding"]
    # head_dim 48 (not 128 // 4): q 4x48, k/v 1x48, biases on q/k/v/o, q/k norm of 48
    per_layer = 128 * 192 + 2 * 128 * 48 + 192 * 128 + (192 + 48 + 48 + 128) + 2 * 48
    assert parts("synthetic-qwen3-layer-types")["attention"] == 5 * per_layer


def test_qwen2_moe_sparse_step_mlp_only_layers_and_gated_shared_expert():
    spec = spec_of("synthetic-qwen2-moe-sparse")
    # MoE where (i + 1) % 2 == 0 and i not in mlp_only_layers [3]
    assert ffn_kinds(spec) == ["dense", "moe", "dense", "dense", "dense", "moe"]
    # sliding: (i + 1) % 2 and i < max_window_layers (4)
    assert spans(spec) == ["sliding", "full", "sliding", "full", "full", "full"]
    got = parts("synthetic-qwen2-moe-sparse")
    assert got["shared_experts"] == 2 * (3 * 128 * 96 + 128)  # shared_expert + shared_expert_gate (h -> 1)
    assert got["routed_experts"] == 2 * 8 * 3 * 128 * 48
    assert got["router"] == 2 * 8 * 128
    assert got["dense_mlp"] == 4 * 3 * 128 * 384
    assert got["attention"] == 6 * 4 * 128 * 128  # qkv_bias false: no biases


def test_qwen3_moe_dense_layers_use_intermediate_size():
    got = parts("synthetic-qwen3-moe-dense-layers")
    assert got["dense_mlp"] == 2 * 3 * 128 * 320
    assert got["routed_experts"] == 2 * 8 * 3 * 128 * 48


def test_mixtral_window_on_every_layer_and_biasless_router():
    spec = spec_of("synthetic-mixtral-sliding")
    assert set(spans(spec)) == {"sliding"}
    got = parts("synthetic-mixtral-sliding")
    assert got["router"] == 3 * 4 * 128
    assert got["routed_experts"] == 3 * 4 * 3 * 128 * 192


def test_llama_attention_and_mlp_biases():
    got = parts("synthetic-llama-biases")
    assert got["attention"] == 3 * (2 * 96 * 96 + 2 * 96 * 48 + (96 + 48 + 48) + 96)
    assert got["dense_mlp"] == 3 * (3 * 96 * 200 + 2 * 200 + 96)
    assert spec_of("synthetic-llama-biases").positions.rope_scaling.type == "dynamic"


def test_phi3_longrope_factor_from_context_ratio_and_partial_rotary():
    spec = spec_of("synthetic-phi3-longrope-partial")
    assert spec.positions.rope_scaling.type == "longrope"
    assert spec.positions.rope_scaling.factor == 16384 / 4096  # _compute_longrope_parameters
    assert spec.positions.rope_scaling.original_context == 4096
    assert spec.positions.partial_rotary_factor == 0.75
    # the fused qkv_proj (256 -> 256 + 2 * 128) and gate_up_proj count as separate ones
    got = parts("synthetic-phi3-longrope-partial")
    assert got["attention"] == 3 * (256 * (256 + 2 * 128) + 256 * 256)
    assert got["dense_mlp"] == 3 * (256 * 2 * 512 + 512 * 256)


def test_gpt_oss_sinks_biases_and_alternating_window():
    spec = spec_of("synthetic-gpt-oss-defaults")
    assert spans(spec) == ["sliding", "full", "sliding"]
    assert spec.attention.sliding_window == 128
    assert spec.positions.rope_scaling.type == "yarn"  # GptOssConfig's default rope_parameters
    got = parts("synthetic-gpt-oss-defaults")
    q, kv = 4 * 40, 2 * 40
    assert got["attention"] == 3 * (96 * q + q + 2 * (96 * kv + kv) + q * 96 + 96 + 4)  # + 4 sinks
    assert got["router"] == 3 * (4 * 96 + 4)
    assert got["routed_experts"] == 3 * 4 * (96 * 2 * 80 + 2 * 80 + 80 * 96 + 96)


def test_glm4_moe_partial_rotary_qk_norm_and_dense_prefix():
    spec = spec_of("synthetic-glm4-moe-qknorm")
    assert spec.positions.partial_rotary_factor == 0.25
    assert ffn_kinds(spec) == ["dense", "dense", "moe", "moe"]
    assert spec.mtp is None
    got = parts("synthetic-glm4-moe-qknorm")
    # q/k/v biased, o not; per-head q/k norm of 48
    assert got["attention"] == 4 * (128 * 192 + 2 * 128 * 96 + 192 * 128 + (192 + 96 + 96) + 2 * 48)
    assert got["shared_experts"] == 2 * 3 * 128 * (2 * 32)
    assert got["router"] == 2 * 8 * 128  # e_score_correction_bias is a buffer


def test_gemma_legacy_gelu_and_two_norms():
    spec = spec_of("synthetic-gemma-gelu")
    assert spec.ffn.activation == "gelu_tanh" and spec.embeddings.scaled and spec.embeddings.tied_output
    assert parts("synthetic-gemma-gelu")["norms"] == 2 * 2 * 128 + 128


def test_gemma2_sandwich_norms_softcap_and_layer_types():
    spec = spec_of("synthetic-gemma2-layer-types")
    assert spans(spec) == ["full", "full", "sliding", "full"]
    assert spec.attention.logit_softcapping == 50.0
    got = parts("synthetic-gemma2-layer-types")
    assert got["norms"] == 4 * 4 * 128 + 128
    assert got["lm_head"] == 1000 * 128


def test_gemma3_pattern_and_per_layer_type_rope():
    spec = spec_of("synthetic-gemma3-pattern-v5-rope")
    assert spans(spec) == ["sliding", "sliding", "full"] * 2 + ["sliding"]
    pos = spec.positions
    assert (pos.rope_theta, pos.rope_local_theta, pos.rope_scaling.factor) == (500000, 20000, 4)


def test_gemma3n_widths_kv_sharing_and_altup():
    spec = spec_of("synthetic-gemma3n-kv-shared")
    assert spec.ffn.intermediate_size == [256, 256, 192, 192, 128, 128]
    assert (spec.altup.num_inputs, spec.altup.active_index, spec.laurel.rank) == (3, 1, 8)
    assert [layer.kv_source for layer in expand(spec)] == [0, 1, 2, 3, 3, 2]  # last owner of its type
    # KV-shared layers build q and o only (and q_norm)
    shared = 2 * 128 * 128 + 32
    owner = shared + 2 * 128 * 64 + 32
    assert parts("synthetic-gemma3n-kv-shared")["attention"] == 4 * owner + 2 * shared


def test_deepseek_v2_q_lora_with_biases_and_mlp_bias():
    got = parts("synthetic-deepseek-v2-qlora-biases")
    q = 128 * 48 + 48 + 48 + 48 * 4 * 24  # q_a_proj + bias, q_a_layernorm, q_b_proj
    kv = 128 * 40 + 40 + 32 + 32 * 4 * (16 + 24)  # kv_a_proj_with_mqa + bias, kv_a_layernorm, kv_b_proj
    assert got["attention"] == 3 * (q + kv + 4 * 24 * 128 + 128)
    assert got["dense_mlp"] == 3 * 128 * 256 + 2 * 256 + 128
    assert got["shared_experts"] == 2 * (3 * 128 * 40 + 2 * 40 + 128)


def test_deepseek_v3_without_shared_experts_and_with_two_mtp_modules():
    spec = spec_of("synthetic-deepseek-v3-no-shared")
    assert spec.moe.num_shared_experts == 0 and spec.mtp.num_modules == 2
    assert spec.attention.q_lora_rank is None
    assert parts("synthetic-deepseek-v3-no-shared")["shared_experts"] == 0


def test_llama4_explicit_moe_and_nope_layers():
    spec = spec_of("synthetic-llama4-explicit-lists")
    rows = [layer_row(block) for block in expand(spec)]
    assert [row['ffn'] for row in rows] == ["moe", "dense", "dense", "moe", "dense"]
    assert [row['rope'] for row in rows] == [True, False, True, True, False]
    assert [row['attention'] for row in rows] == ["chunked", "full", "chunked", "chunked", "full"]
    got = parts("synthetic-llama4-explicit-lists")
    assert got["dense_mlp"] == 3 * 3 * 128 * 256  # intermediate_size_mlp
    assert got["shared_experts"] == 2 * 3 * 128 * 64  # one shared expert of intermediate_size


def test_smollm3_nope_interval_and_sliding_nope_layers():
    rows = [layer_row(block) for block in expand(spec_of("synthetic-smollm3-sliding"))]
    assert [row['rope'] for row in rows] == [True, True, False] * 2
    assert [row['attention'] for row in rows] == ["full", "full", "sliding"] * 2


def test_olmo2_full_width_qk_norm_after_sublayer_norms():
    spec = spec_of("synthetic-olmo2-gqa-bias")
    assert spec.norm.placement == "post" and spec.attention.qk_norm == "full"
    assert parts("synthetic-olmo2-gqa-bias")["attention"] == 2 * (
        2 * 128 * 128 + 2 * 128 * 32 + (128 + 32 + 32 + 128) + (128 + 32))


def test_gpt2_conv1d_biases_learned_positions_layernorm():
    got = parts("synthetic-gpt2-untied")
    assert got["embedding"] == 1000 * 96 + 128 * 96
    assert got["attention"] == 2 * (96 * 3 * 96 + 3 * 96 + 96 * 96 + 96)
    assert got["dense_mlp"] == 2 * (96 * 200 + 200 + 200 * 96 + 96)
    assert got["norms"] == 2 * 2 * 2 * 96 + 2 * 96
    assert got["lm_head"] == 1000 * 96
    assert spec_of("synthetic-gpt2-untied").ffn.activation == "relu"


def test_mistral3_wrapper_reads_its_text_config():
    spec = spec_of("synthetic-mistral3-wrapper")
    assert spec.hf_model_type == "mistral" and spec.hidden_size == 128 and spec.attention.head_dim == 48
    assert spans(spec)[0] == "full"  # sliding_window null


def test_published_totals_of_real_configs():
    """Totals as the vendors' model pages give them, to the parameter."""
    totals = {"gpt2": 124_439_808, "mistral-7b-v0.1": 7_241_732_096, "mixtral-8x7b": 46_702_792_704,
              "gemma-7b": 8_537_680_896, "phi3-mini-4k": 3_821_079_552, "deepseek-v2-lite": 15_706_484_224}
    for name, total in totals.items():
        assert count_params(spec_of(name)).total_params == total, name
