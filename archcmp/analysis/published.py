"""Do the computed counts agree with what the vendor published?

A published figure such as ``37B`` or ``14.8B`` agrees when the count lies
within one unit of its last stated digit: vendors both round (Qwen3-8B's
8.19B is "8.2B") and truncate (Kimi K2's 32.86B active is "32B").
"""

from __future__ import annotations

from archcmp.analysis.params import ParamsResult
from archcmp.checks import Finding
from archcmp.schema import ModelSpec
from archcmp.units import figure_tolerance, format_params


def published_findings(spec: ModelSpec, counts: ParamsResult) -> list[Finding]:
    published = spec.published
    if published is None:
        return []
    # A vendor total that includes encoders archcmp does not model can only
    # be larger than the language model's count.
    encoders = any(part.endswith("_encoder") for part in published.includes)
    checks = (
        ("total_params", counts.total_params, encoders),
        ("active_params", counts.active_params, encoders),
        ("effective_params", counts.active_params_excl_embedding, False),
    )
    findings: list[Finding] = []
    for name, computed, at_most in checks:
        stated = getattr(published, name)
        if stated is None:
            continue
        value, unit = figure_tolerance(stated)
        agrees = computed <= value + unit if at_most else abs(computed - value) <= unit
        if not agrees:
            scope = " (the published figure includes encoders)" if at_most else ""
            findings.append((("published", name), (
                f"published {stated} disagrees with the computed {computed:,} "
                f"({format_params(computed)}){scope}")))
    return findings
