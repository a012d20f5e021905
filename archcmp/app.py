"""The typer application and the options every command shares.

Command modules in ``archcmp.commands`` register themselves on ``app``; they
parse arguments, call analyzers and hand results to a renderer, nothing more.
"""

from enum import Enum
from pathlib import Path
from typing import Annotated

import typer


def _root() -> None:
    """With a callback typer keeps ``archcmp COMMAND`` a group of commands
    even when a run registers only the command it runs."""


app = typer.Typer(
    name="archcmp",
    help="Compare LLM architectures: parameters, KV cache, FLOPs, side by side.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
    rich_markup_mode=None,
    callback=_root,
)


class Format(str, Enum):
    table = "table"
    json = "json"
    csv = "csv"
    md = "md"


FormatOption = Annotated[
    Format, typer.Option("--format", "-f", help="table (rich, default), json, csv or md.")
]
SpecsOption = Annotated[
    list[Path] | None,
    typer.Option("--specs", help="Extra directory of spec files (repeatable; also ARCHCMP_SPECS)."),
]
ActiveExclEmbeddingOption = Annotated[bool, typer.Option(
    "--active-excl-embedding",
    help="Active parameters without the input embedding tables, as some vendors quote them.")]
DtypeOption = Annotated[str, typer.Option("--dtype", help="KV-cache dtype: bf16, fp16, fp32, fp8, int8, int4.")]
AttentionOption = Annotated[str, typer.Option(
    "--attention", help="FLOPs: causal (each query sees its mask's keys) or full (every key, unmasked).")]
ConventionOption = Annotated[str, typer.Option(
    "--convention", help="Cache convention: vllm (what a server allocates) or transformers (what its cache holds).")]
StateDtypeOption = Annotated[str | None, typer.Option("--state-dtype", help=(
    "Dtype of linear-attention and Mamba layers' recurrent state (bf16, fp16, fp32), overriding the spec's "
    "and the convention's."))]
ModelsArgument = Annotated[list[str], typer.Argument(help="Spec ids, aliases or paths to YAML files.")]


def check_choice(option: str, value: str, choices: tuple[str, ...]) -> str:
    """Refuse a bad value naming its option, before any work is done."""
    from archcmp.errors import ArchcmpError

    if value not in choices:
        raise ArchcmpError(f"bad {option} {value!r}: expected {' or '.join(choices)}")
    return value


def registry(specs: list[Path] | None):
    from archcmp.registry import Registry

    return Registry(specs)


def resolve_all(specs: list[Path] | None, names: list[str]):
    reg = registry(specs)
    return [reg.resolve(name) for name in names]
