"""Every weight format by hand, from its definition, and against figures the
engines print."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from archcmp.analysis.weight_formats import NAMES, matrix_bytes, weight_format
from archcmp.errors import ArchcmpError
from archcmp.plan import expand
from archcmp.registry import Registry

N = 4096 * 4096  # elements of a 4096 × 4096 matrix

# (format, bytes of a 4096 × 4096 matrix, worked out from the format's layout)
SQUARE = [
    ("bf16", 2 * N),
    ("fp16", 2 * N),
    ("fp32", 4 * N),
    ("fp8", N + 4),  # one fp32 per-tensor scale
    ("fp8-block", N + 4 * 32 * 32),  # one fp32 per 128×128 tile
    ("int8", N + 2 * 4096),  # one 16-bit scale per output row
    ("int4-g128", N // 2 + 2 * 4096 * 32),  # packed int4 + fp16 scale per 128 inputs per row
    ("int4-g128-zp", N // 2 + 2 * 4096 * 32 + 4096 * 32 // 2),  # + packed int4 zero per group
    ("awq", N // 2 + 2 * 4096 * 32 + 4096 * 32 // 2),
    ("gptq", N // 2 + 2 * 4096 * 32 + 4096 * 32 // 2 + 4 * 4096),  # + int32 g_idx per input column
    ("int4-g64", N // 2 + 2 * 4096 * 64),
    ("int4-g32", N // 2 + 2 * 4096 * 128),
    ("int4-g64-zp", N // 2 + 2 * 4096 * 64 + 4096 * 64 // 2),
    ("int4-g32-zp", N // 2 + 2 * 4096 * 128 + 4096 * 128 // 2),
    ("mxfp4", 4096 * 128 * 17),  # 16 bytes of E2M1 + one E8M0 per 32
    ("nvfp4", 4096 * 256 * 9 + 8),  # 8 bytes of E2M1 + one E4M3 per 16, + two fp32 per matrix
    ("q8_0", 4096 * 128 * 34),
    ("q4_0", 4096 * 128 * 18),
    ("q4_k", 4096 * 16 * 144),
    ("q5_k", 4096 * 16 * 176),
    ("q6_k", 4096 * 16 * 210),
]


@pytest.mark.parametrize(("name", "expected"), SQUARE)
def test_square_matrix(name, expected):
    assert weight_format(name).matrix_bytes(4096, 4096) == expected


def test_every_format_has_a_hand_worked_case():
    assert sorted(NAMES) == sorted(name for name, _ in SQUARE)


@pytest.mark.parametrize(("name", "bits_per_weight"), [
    ("q8_0", 8.5), ("q4_0", 4.5), ("q4_k", 4.5), ("q5_k", 5.5), ("q6_k", 6.5625), ("mxfp4", 4.25),
])
def test_bits_per_weight(name, bits_per_weight):
    assert matrix_bytes(name, 256, 8192) * 8 / (256 * 8192) == bits_per_weight


def test_ragged_tiles_and_groups_round_up():
    # DeepSeek-V3 kv_a_proj_with_mqa: 576 × 7168 → 5 × 56 tiles of 128×128
    assert matrix_bytes("fp8-block", 576, 7168) == 576 * 7168 + 4 * 5 * 56
    # 100 inputs: one group of 128 per row; 3 rows of packed zeros round up to a byte
    assert matrix_bytes("int4-g128-zp", 3, 100) == 150 + 2 * 3 + 2
    assert matrix_bytes("mxfp4", 1, 33) == 2 * 17


def test_gguf_k_quant_fallbacks_follow_llama_quantize():
    # gpt-oss rows of 2880 are not a multiple of 256 (llama-quant.cpp: Q4_K→Q5_0, Q5_K→Q5_1, Q6_K→Q8_0)
    assert matrix_bytes("q4_k", 1, 2880) == 90 * 22
    assert matrix_bytes("q5_k", 1, 2880) == 90 * 24
    assert matrix_bytes("q6_k", 1, 2880) == 90 * 34
    assert matrix_bytes("q4_0", 2, 100) == 2 * 100 * 2  # no block fits: F16


def test_llama_3_8b_q4_0_is_the_size_llama_bench_prints():
    """llama-bench prints "llama 8B Q4_0 | 4.33 GiB | 8.03 B": llama-quantize's
    Q4_0 keeps the output head in Q6_K and every vector in F32."""
    spec = Registry(use_env=False).resolve("llama3.1-8b")
    total = 0
    for tensor in (*expand(spec).model_tensors, *(t for b in expand(spec) for t in b.tensors())):
        if len(tensor.shape) == 1:
            total += 4 * tensor.elements
        else:
            total += matrix_bytes("q6_k" if tensor.name == "lm_head" else "q4_0", *tensor.shape)
    assert total == 4_653_375_488
    assert f"{total / 2**30:.2f} GiB" == "4.33 GiB"


@pytest.mark.parametrize(("name", "dtype"), [
    ("bf16", "bf16"), ("fp16", "fp16"), ("fp32", "tf32"), ("fp8", "fp8"), ("fp8-block", "fp8"),
    ("int8", "int8"), ("int4-g128", "bf16"), ("awq", "bf16"), ("gptq", "bf16"), ("mxfp4", "bf16"),
    ("nvfp4", "fp4"), ("q4_k", "int8"), ("Q8_0", "int8"),
])
def test_compute_dtype(name, dtype):
    assert weight_format(name).compute_dtype == dtype


def test_unknown_format_is_a_clear_error():
    with pytest.raises(ArchcmpError, match=r"bad --weights 'int3': expected one of bf16, fp16"):
        weight_format("int3")


@given(st.sampled_from(NAMES), st.integers(1, 3000), st.integers(1, 3000))
def test_bytes_grow_with_the_matrix(name, rows, cols):
    fmt = weight_format(name)
    size = fmt.matrix_bytes(rows, cols)
    assert size >= rows * cols / 2  # no format stores less than 4 bits a weight
    assert fmt.matrix_bytes(rows + 1, cols) >= size
    assert fmt.matrix_bytes(rows, cols + 1) >= size or fmt.is_gguf  # a GGUF fallback can be smaller
