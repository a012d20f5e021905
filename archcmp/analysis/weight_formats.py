"""Exact bytes of one weight matrix in a storage format, scales included.

A matrix is ``(out_features, in_features)``; block and group formats run
along the input dimension, one row at a time, as every format below does.
Each format's layout, from its definition:

* ``bf16``/``fp16``/``fp32``: 2, 2, 4 bytes per element.
* ``fp8``: one E4M3 byte per element and one fp32 scale per matrix
  (per-tensor ``weight_scale``; vLLM ``Fp8LinearMethod``, ModelOpt FP8).
* ``fp8-block``: one byte per element and one fp32 scale per 128×128 tile,
  ``ceil(out/128) × ceil(in/128)`` of them (DeepSeek-V3 ``weight_scale_inv``;
  vLLM ``create_fp8_scale_parameter`` for ``weight_block_size [128, 128]``).
* ``int8``: one byte per element and one 16-bit scale per output row
  (per-channel: gpt-fast ``WeightOnlyInt8Linear``, compressed-tensors
  ``channel`` strategy).
* ``int4-gG`` (G = 32, 64, 128): packed 4-bit values and one 16-bit scale per
  group of G inputs per row, symmetric (compressed-tensors W4A16
  ``pack-quantized``, GPTQ with ``sym=True`` in Marlin layout);
  ``int4-gG-zp`` adds one packed 4-bit zero point per group (AutoAWQ
  ``qzeros``; ``awq`` is ``int4-g128-zp``); ``gptq`` is AutoGPTQ's layout,
  ``int4-g128-zp`` plus one int32 ``g_idx`` per input column.
* ``mxfp4``: per 32 inputs, 32 E2M1 values (16 bytes) and one E8M0 scale
  byte (OCP Microscaling Formats spec v1.0 §5; gpt-oss ``*_blocks``/``*_scales``).
* ``nvfp4``: per 16 inputs, 16 E2M1 values (8 bytes) and one E4M3 scale,
  plus two fp32 scalars per matrix, ``weight_scale_2`` and ``input_scale``
  (NVIDIA ModelOpt NVFP4; vLLM ``ModelOptNvFp4LinearMethod``).
* GGUF (llama.cpp ``ggml-common.h``): ``q8_0`` 34 bytes per 32 (fp16 scale +
  32 int8), ``q4_0`` 18 per 32 (fp16 scale + 16), ``q4_k`` 144 per 256,
  ``q5_k`` 176 per 256, ``q6_k`` 210 per 256. A row that does not divide into
  256 falls back as ``llama-quantize`` does (``llama-quant.cpp``: Q4_K →
  Q5_0, 22 per 32; Q5_K → Q5_1, 24 per 32; Q6_K → Q8_0), and one that does
  not divide into 32 stays F16. GGUF stores vectors (norms, biases) as F32.

A Q4_K_M *file* mixes types per tensor (some Q6_K); ``q4_k`` here means every
quantized matrix is Q4_K.
"""

from __future__ import annotations

import re

from archcmp.errors import ArchcmpError
from archcmp.record import record

FLOAT_BITS = {"bf16": 16, "fp16": 16, "fp32": 32}
# GGUF block types: (elements per block, bytes per block).
GGUF_BLOCKS = {"q8_0": (32, 34), "q4_0": (32, 18), "q5_0": (32, 22), "q5_1": (32, 24),
               "q4_k": (256, 144), "q5_k": (256, 176), "q6_k": (256, 210)}
GGUF_FALLBACK = {"q4_k": "q5_0", "q5_k": "q5_1", "q6_k": "q8_0"}
GGUF_TYPES = ("q8_0", "q6_k", "q5_k", "q4_k", "q4_0")
_INT4 = re.compile(r"^int4-g(32|64|128)(-zp)?$")
ALIASES = {"awq": "int4-g128-zp"}
NAMES = ("bf16", "fp16", "fp32", "fp8", "fp8-block", "int8", "int4-g32", "int4-g64", "int4-g128",
         "int4-g32-zp", "int4-g64-zp", "int4-g128-zp", "awq", "gptq", "mxfp4", "nvfp4", *GGUF_TYPES)

# The matmul dtype a format computes in by default, for ``speed``: a format
# that stores both operands low (W8A8, FP8, NVFP4) runs at that rate;
# weight-only formats dequantize and run at the 16-bit rate; llama.cpp's
# quantized kernels (MMQ) multiply int8 against int8 activations.
COMPUTE_DTYPE = {"bf16": "bf16", "fp16": "fp16", "fp32": "tf32", "fp8": "fp8", "fp8-block": "fp8",
                 "int8": "int8", "mxfp4": "bf16", "nvfp4": "fp4"}


@record
class WeightFormat:
    name: str

    @property
    def is_float(self) -> bool:
        """Every tensor is stored in it, vectors too (a plain checkpoint)."""
        return self.name in FLOAT_BITS

    @property
    def is_gguf(self) -> bool:
        return self.name in GGUF_BLOCKS

    @property
    def compute_dtype(self) -> str:
        return COMPUTE_DTYPE.get(self.name, "int8" if self.is_gguf else "bf16")

    @property
    def vector_bits(self) -> int:
        """Vectors (norms, biases) and unquantized tensors: the float dtype
        itself, F32 in GGUF, bf16 beside every other format."""
        if self.is_float:
            return FLOAT_BITS[self.name]
        return 32 if self.is_gguf else 16

    def matrix_bytes(self, out_features: int, in_features: int) -> int:
        return matrix_bytes(self.name, out_features, in_features)


def weight_format(name: str) -> WeightFormat:
    key = ALIASES.get(name.lower(), name.lower())
    if key not in NAMES and not _INT4.match(key):
        raise ArchcmpError(f"bad --weights {name!r}: expected one of {', '.join(NAMES)}")
    return WeightFormat(key)


def matrix_bytes(name: str, out_features: int, in_features: int) -> int:
    """Bytes of one ``out × in`` matrix stored as ``name`` (a canonical name)."""
    rows, cols = out_features, in_features
    elements = rows * cols
    if name in FLOAT_BITS:
        return elements * FLOAT_BITS[name] // 8
    if name == "fp8":
        return elements + 4
    if name == "fp8-block":
        return elements + 4 * _ceil(rows, 128) * _ceil(cols, 128)
    if name == "int8":
        return elements + 2 * rows
    if name == "mxfp4":
        return rows * _ceil(cols, 32) * 17
    if name == "nvfp4":
        return rows * _ceil(cols, 16) * 9 + 8
    if name == "gptq":
        return matrix_bytes("int4-g128-zp", rows, cols) + 4 * cols
    if name in GGUF_BLOCKS:
        return _gguf_bytes(name, rows, cols)
    match = _INT4.match(name)
    if match:
        groups = rows * _ceil(cols, int(match.group(1)))
        zeros = _ceil(groups * 4, 8) if match.group(2) else 0
        return _ceil(elements * 4, 8) + 2 * groups + zeros
    raise ArchcmpError(f"unknown weight format {name!r}")


def _gguf_bytes(name: str, rows: int, cols: int) -> int:
    block, size = GGUF_BLOCKS[name]
    if cols % block and name in GGUF_FALLBACK:
        name = GGUF_FALLBACK[name]
        block, size = GGUF_BLOCKS[name]
    if cols % block:
        return rows * cols * 2  # F16: no block type fits the row
    return rows * (cols // block) * size


def _ceil(a: int, b: int) -> int:
    return -(-a // b)
