"""The one way tests build a spec: a base (``tests/data/tiny.yaml`` unless
given) with some fields changed, validated like any spec (the cross-field
rules run too, so a test cannot build a spec a user could not)."""

from __future__ import annotations

from functools import cache

import yaml
from testpaths import DATA

from archcmp.schema import ModelSpec


@cache
def _tiny_text() -> str:
    return (DATA / "tiny.yaml").read_text()


def tiny_data() -> dict:
    """A fresh copy of tiny.yaml as plain data."""
    return yaml.safe_load(_tiny_text())


def build(base: dict | None = None, section: str | None = None, **changes) -> ModelSpec:
    """``base`` (tiny.yaml by default) with ``changes`` at the top level, or
    merged into ``section``."""
    data = dict(base) if base is not None else tiny_data()
    if section is None:
        data.update(changes)
    else:
        data[section] = {**data[section], **changes}
    return ModelSpec.model_validate(data)


def changed(spec: ModelSpec, section: str | None = None, **changes) -> ModelSpec:
    """``spec`` with fields replaced, validated again."""
    return build(spec.model_dump(exclude_none=True), section, **changes)
