"""Further members of the hybrid families (tests/data/hybrids): each bundled
spec is the import of its published config, and its counts are the ones
transformers 5.24 builds (crosscheck/test_hybrid_members_vs_transformers.py
builds them) and the checkpoint's headers show."""

from __future__ import annotations

import pytest
from testpaths import DATA

from archcmp.analysis.params import count_params
from archcmp.hf.importer import import_file
from archcmp.hf.sameness import differences
from archcmp.registry import Registry

CONFIGS = DATA / "hybrids" / "configs"
MEMBERS = sorted(p.stem for p in CONFIGS.glob("*.json"))

# total (transformers 5.24, meta device), active, MTP apart
FIGURES = {
    "nemotron-3-super-120b-a12b": (120_668_687_360, 12_770_216_960, 2_942_324_736),
}


@pytest.mark.parametrize("name", MEMBERS)
def test_bundled_spec_is_the_import_of_its_config(name):
    bundled = Registry(use_env=False).resolve(name)
    assert differences(bundled, import_file(CONFIGS / f"{name}.json").spec) == []


@pytest.mark.parametrize("name", MEMBERS)
def test_counts(name):
    got = count_params(Registry(use_env=False).resolve(name))
    total, active, mtp = FIGURES[name]
    assert (got.total_params, got.active_params, got.optional_modules.get("mtp", 0)) == (total, active, mtp)


def test_super_checkpoint_holds_the_model_and_its_mtp_module():
    """The safetensors headers' 123,611,012,096 BF16 weights (PROVENANCE.md)."""
    got = count_params(Registry(use_env=False).resolve("nemotron-3-super-120b-a12b"))
    assert got.total_params + got.optional_modules["mtp"] == 123_611_012_096


def test_super_latent_moe_by_hand():
    """One MoE block: 512 experts of up (2688 × 1024) and down (1024 × 2688),
    fc1 (1024 × 4096) and fc2 (4096 × 1024), router 512 × 4096, shared
    expert up/down 5376 × 4096 each; 40 such blocks."""
    got = count_params(Registry(use_env=False).resolve("nemotron-3-super-120b-a12b")).components
    assert got["routed_experts"] == 40 * (512 * 2 * 2688 * 1024 + 2 * 4096 * 1024)
    assert got["router"] == 40 * 512 * 4096
    assert got["shared_experts"] == 40 * 2 * 5376 * 4096
