"""A layer of the plan in the terms configs use, for tests that compare a
spec's plan with the layout transformers derives from a config."""

from __future__ import annotations

from archcmp.plan import Block, expand


def layer_row(block: Block) -> dict:
    mixer, ffn = block.mixer, block.ffn
    return {
        "index": block.index,
        "attention": mixer.span.kind,
        "window": mixer.span.window,
        "rope": mixer.position == "rope",
        "rope_theta": mixer.rope_theta,
        "kv_source": block.kv_source,
        "ffn": ffn.kind,
        "intermediate_size": ffn.width if ffn.kind == "dense" else 0,
    }


def spans(spec) -> list[str]:
    return [block.mixer.span.kind for block in expand(spec)]


def ffn_kinds(spec) -> list[str]:
    return [block.ffn.kind for block in expand(spec)]
