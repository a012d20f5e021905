"""FLOP counts worked out by hand, independently of the analyzer: one test per
attention kind on the tiny spec, then the MoE layouts of DeepSeek-V3 and
Llama 4 Maverick and Gemma 3n's extra projections from their published sizes."""

from __future__ import annotations

from testpaths import DATA

from archcmp.analysis.flops import count_flops
from archcmp.load import parse_spec
from archcmp.registry import Registry

# tiny.yaml: vocab 100, hidden 16, 4 layers alternating sliding(32)/full, 4 heads of 8, 2 KV heads,
# SwiGLU 24, tied head. Per layer and token: q 16x32 + k 16x16 + v 16x16 + o 32x16 = 1536 and
# 3x16x24 = 1152 multiply-adds.
TINY_LAYER = 2 * (1536 + 1152)
TINY_HEAD = 2 * 100 * 16
TINY_PAIR = 2 * 4 * (8 + 8)


def tiny(pattern: str = "[sliding, full]", window: str = "sliding_window: 32"):
    text = (DATA / "tiny.yaml").read_text()
    text = text.replace("layer_pattern: [sliding, full]", f"layer_pattern: {pattern}")
    text = text.replace("sliding_window: 32", window)
    return parse_spec(text, "tiny.yaml")


def bundled(name: str):
    return Registry(use_env=False).resolve(name)


def test_full_and_sliding_prefill():
    result = count_flops(tiny(), 100)
    sliding = 32 * 33 // 2 + (100 - 32) * 32  # positions 1..32 ramp up, then 32 keys each
    full = 100 * 101 // 2
    assert result.prefill.attention == TINY_PAIR * 2 * (sliding + full) == 1_985_024
    assert result.prefill.linear == 100 * 4 * TINY_LAYER + TINY_HEAD == 2_153_600  # head: last position only
    assert result.prefill.components["attention"] == 100 * 4 * 2 * 1536
    assert result.prefill.components["dense_mlp"] == 100 * 4 * 2 * 1152
    assert result.prefill.components["lm_head"] == TINY_HEAD


def test_full_mode_counts_every_key():
    assert count_flops(tiny(), 100, attention="full").prefill.attention == TINY_PAIR * 4 * 100 * 100


def test_decode_after_100_cached():
    decode = count_flops(tiny(), 100).decode
    assert decode.attention == TINY_PAIR * 2 * (32 + 101)  # sliding: its window; full: 100 cached + itself
    assert decode.linear == 4 * TINY_LAYER + TINY_HEAD
    assert count_flops(tiny(), 100, attention="full").decode.attention == TINY_PAIR * 4 * 101


def test_chunked_prefill_and_decode():
    result = count_flops(tiny("[chunked, full]", "chunk_size: 32"), 100)
    chunked = 3 * (32 * 33 // 2) + 4 * 5 // 2  # three whole chunks, then positions 97..100 see 1..4 keys
    assert result.prefill.attention == TINY_PAIR * 2 * (chunked + 100 * 101 // 2) == 1_700_864
    assert result.decode.attention == TINY_PAIR * 2 * ((100 % 32 + 1) + 101)  # position 101 is 5th of its chunk


def test_training_is_three_forwards_with_head_everywhere():
    training = count_flops(tiny(), 100, train_tokens=1000).training
    forward = 100 * (4 * TINY_LAYER + TINY_HEAD) + 1_985_024  # one sequence of 100
    assert training.flops == 3 * 10 * forward == 133_662_720
    assert training.six_nd_flops == 6 * 12_496 * 1000  # 12,496 parameters (test_params_handworked)
    assert training.six_nd_excl_embedding_flops == 6 * (12_496 - 100 * 16) * 1000


def test_training_on_a_fraction_of_a_sequence_rounds_the_attention():
    training = count_flops(tiny(), 100, train_tokens=101).training
    assert training.linear == 3 * 101 * (4 * TINY_LAYER + TINY_HEAD)
    assert training.attention == 6_014_623  # 3 x 1,985,024 x 1.01 = 6,014,622.72


def test_deepseek_v3_decode_linear():
    """MLA (q 1536, kv 512, heads 128 of 128+64 / 128), first 3 layers dense
    (18432), then 58 MoE layers with 1 shared + 8 of 256 routed experts (2048)."""
    h = 7168
    mla = h * 1536 + 1536 * 128 * 192 + h * (512 + 64) + 512 * 128 * (128 + 128) + 128 * 128 * h
    dense, expert, router = 3 * h * 18432, 3 * h * 2048, 256 * h
    per_token = 61 * mla + 3 * dense + 58 * (8 * expert + expert + router) + 129280 * h
    decode = count_flops(bundled("deepseek-v3"), 4096).decode
    # 2 x (37,552,282,624 active - 926,679,040 embedding - 1,006,592 norm weights)
    assert decode.linear == 2 * per_token == 73_249_193_984
    assert decode.components["routed_experts"] == 2 * 58 * 8 * expert
    assert decode.components["shared_experts"] == 2 * 58 * expert
    assert decode.components["router"] == 2 * 58 * router
    assert decode.components["dense_mlp"] == 2 * 3 * dense


def test_deepseek_v3_mla_attention_forms():
    spec = bundled("deepseek-v3")
    absorbed, expanded = count_flops(spec, 4096), count_flops(spec, 4096, mla_decode="expanded")
    assert absorbed.decode.attention == 61 * 2 * 128 * (512 + 64 + 512) * 4097  # scores over latent+rope, values over latent
    assert expanded.decode.attention == 61 * 2 * 128 * (128 + 64 + 128) * 4097
    assert absorbed.decode.linear == expanded.decode.linear  # folding W_UK, W_UV costs what kv_b_proj did
    assert absorbed.prefill == expanded.prefill  # prefill is always expanded
    assert (absorbed.mla_decode, expanded.mla_decode) == ("absorbed", "expanded")


def test_llama4_maverick_alternating_moe_and_chunked_attention():
    """48 layers, dense (16384) and MoE (1 of 128 experts of 8192 + a shared
    one) alternating; chunked 8192 on three of four layers, global NoPE on
    the fourth; 40 heads of 128, 8 KV heads; untied 202048 x 5120 head."""
    h = 5120
    attention = 2 * h * 40 * 128 + 2 * h * 8 * 128
    dense, expert, router = 3 * h * 16384, 3 * h * 8192, 128 * h
    per_token = 48 * attention + 24 * dense + 24 * (expert + expert + router)
    result = count_flops(bundled("llama4-maverick"), 131072)
    assert result.decode.linear == 2 * (per_token + 202048 * h)
    assert result.prefill.linear == 131072 * 2 * per_token + 2 * 202048 * h
    chunked = 16 * (8192 * 8193 // 2)
    full = 131072 * 131073 // 2
    assert result.prefill.attention == 2 * 40 * 256 * (36 * chunked + 12 * full)
    assert result.decode.attention == 2 * 40 * 256 * (36 * 1 + 12 * 131073)  # position 131073 opens a chunk


def test_gemma3n_extra_projections_and_kv_sharing():
    """Gemma 3n E4B (hidden 2048, 35 layers, the last 15 KV-shared): AltUp
    with 4 streams, LAuReL rank 64, per-layer inputs of width 256."""
    h, n, layers = 2048, 4, 35
    altup = 2 * h * n + n * n * n + n * n + h * n * n  # router twice, prediction/correction coefs, stream mix
    block = altup + 2 * h * 64 + 2 * h * 256
    model = h * layers * 256 + 2 * (n - 1) * h * h  # per-layer model projection, AltUp in/out projections
    decode = count_flops(bundled("gemma3n-e4b"), 1024).decode
    assert decode.components["other"] == 2 * (layers * block + model) == 182_228_448
    q_o, k_v = 2 * h * 8 * 256, 2 * h * 2 * 256
    assert decode.components["attention"] == 2 * (layers * q_o + 20 * k_v)


def test_gemma3_27b_sliding_layers_stop_growing():
    """Gemma 3 27B: 62 layers, 5 sliding (1024) then 1 global; 32 heads of 128."""
    decode = count_flops(bundled("gemma3-27b"), 131072).decode
    globals_ = len(range(5, 62, 6))
    assert decode.attention == 2 * 32 * 256 * ((62 - globals_) * 1024 + globals_ * 131073)
