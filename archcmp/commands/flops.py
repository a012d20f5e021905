"""``archcmp flops``: prefill, decode and training FLOPs, linear and attention apart."""

from typing import Annotated

import typer

from archcmp.app import (
    AttentionOption,
    FormatOption,
    ModelsArgument,
    SpecsOption,
    app,
    check_choice,
    resolve_all,
)

CtxOption = Annotated[str, typer.Option("--ctx", help="Context: prefill length and decode position (4096, 32k, 128k, 1M).")]
TrainTokensOption = Annotated[
    str | None, typer.Option("--train-tokens", help="Also count training on this many tokens (15T, 2.5e12).")
]
MlaDecodeOption = Annotated[
    str, typer.Option("--mla-decode", help="MLA decode: absorbed (latent cache, as servers run it) or expanded.")
]


@app.command()
def flops(
    models: ModelsArgument,
    ctx: CtxOption,
    train_tokens: TrainTokensOption = None,
    attention: AttentionOption = "causal",
    mla_decode: MlaDecodeOption = "absorbed",
    format: FormatOption = "table",
    specs: SpecsOption = None,
) -> None:
    """FLOPs of a prefill of --ctx tokens, one decode step after them, and training."""
    from archcmp.analysis.flops import count_flops
    from archcmp.kinds.base import ATTENTION_MODES, MLA_DECODE_FORMS
    from archcmp.render.flops_view import flops_table
    from archcmp.render.tabular import emit
    from archcmp.units import parse_context, parse_count

    check_choice("--attention", attention, ATTENTION_MODES)
    check_choice("--mla-decode", mla_decode, MLA_DECODE_FORMS)
    context = parse_context(ctx)
    tokens = parse_count(train_tokens, "--train-tokens") if train_tokens is not None else None
    results = [count_flops(spec, context, attention, tokens, mla_decode) for spec in resolve_all(specs, models)]
    emit([flops_table(results, raw=format == "csv")], format, lambda: [r.to_json() for r in results])
