"""archcmp: compare LLM architectures with exact numbers.

The library API, imported lazily so that ``import archcmp`` stays cheap::

    import archcmp
    spec = archcmp.resolve("deepseek-v3")          # id, alias or path
    archcmp.count_params(spec).total_params         # 671026404352
    archcmp.kv_cache(spec, 131072).kv_bytes          # 9210691584
    archcmp.count_flops(spec, 32768).prefill.total
    archcmp.compare([spec, archcmp.resolve("llama4")], 32768)
"""

from __future__ import annotations

from importlib import import_module

__version__ = "0.1.0"

_EXPORTS = {
    "ModelSpec": "archcmp.schema",
    "load_spec_file": "archcmp.load",
    "parse_spec": "archcmp.load",
    "Registry": "archcmp.registry",
    "expand": "archcmp.plan",
    "Plan": "archcmp.plan",
    "Block": "archcmp.plan",
    "count_params": "archcmp.analysis.params",
    "kv_cache": "archcmp.analysis.kvcache",
    "count_flops": "archcmp.analysis.flops",
    "compare": "archcmp.analysis.compare",
    "diff": "archcmp.analysis.compare",
    "ArchcmpError": "archcmp.errors",
    "SpecError": "archcmp.errors",
}

__all__ = [*list(_EXPORTS), "resolve", "__version__"]


def resolve(name: str):
    """A bundled id, an alias, or a path to a spec file → validated spec."""
    from archcmp.registry import Registry

    return Registry().resolve(name)


def __getattr__(name: str):
    if name in _EXPORTS:
        return getattr(import_module(_EXPORTS[name]), name)
    raise AttributeError(f"module 'archcmp' has no attribute {name!r}")
