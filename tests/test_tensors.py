"""Every bundled model's tensors (the plan's, with their shapes) add up to its parameter
count exactly, component by component: memory plans and counts agree."""

from __future__ import annotations

from collections import Counter

import pytest
from testpaths import bundled_ids

from archcmp.analysis.params import count_params
from archcmp.plan import expand
from archcmp.registry import Registry

REGISTRY = Registry(use_env=False)


@pytest.mark.parametrize("model", bundled_ids())
def test_tensor_elements_equal_the_parameter_count(model):
    spec = REGISTRY.resolve(model)
    totals: Counter[str] = Counter()
    for tensor in (*expand(spec).model_tensors, *(t for block in expand(spec) for t in block.tensors())):
        # matrices and vectors; a linear layer's depthwise conv kernel is (channels, 1, K), as torch stores
        # it: not a matrix a token is multiplied by, and no weight format quantizes it
        conv = tensor.name == "conv1d" and len(tensor.shape) == 3 and tensor.shape[1] == 1
        assert (len(tensor.shape) in (1, 2) or conv) and all(n > 0 for n in tensor.shape), tensor
        totals[tensor.component] += tensor.elements
    counts = count_params(spec)
    assert {k: v for k, v in totals.items() if v} == {k: v for k, v in counts.components.items() if v}


def test_deepseek_v3_shapes_by_hand():
    spec = REGISTRY.resolve("deepseek-v3")
    blocks = expand(spec).blocks
    shapes = {t.name: (t.shape, t.copies, t.active_copies) for t in blocks[3].tensors()}
    assert shapes["q_a_proj"] == ((1536, 7168), 1, None)
    assert shapes["kv_a_proj_with_mqa"] == ((576, 7168), 1, None)
    assert shapes["kv_b_proj"] == ((128 * 256, 512), 1, None)
    assert shapes["experts.down_proj"] == ((7168, 2048), 256, 8)
    assert shapes["router"] == ((256, 7168), 1, None)
    assert {t.name for t in blocks[0].tensors()} >= {"mlp.gate_proj", "mlp.up_proj", "mlp.down_proj"}
