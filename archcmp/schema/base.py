"""Building blocks of the spec format shared by every section.

Type and range checks live on the fields; checks that relate several fields
live in :mod:`archcmp.checks` and run as the model validator of
:class:`archcmp.schema.model.ModelSpec`, so no invalid spec can be built.
"""

from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

# Upper bounds no real model approaches (contexts of 10M tokens, vocabularies
# of 262k, 126 layers), so that a typo such as 10**40 fails at once instead
# of running every per-layer loop for ever. MAX_SIZE is also --ctx's bound.
MAX_SIZE = 2**30
MAX_LAYERS = 10_000
NonNegInt = Annotated[int, Field(ge=0, le=MAX_SIZE, strict=True)]
Size = Annotated[int, Field(gt=0, le=MAX_SIZE, strict=True)]
LayerCount = Annotated[int, Field(gt=0, le=MAX_LAYERS, strict=True)]
# strict: a float field takes a number (an int too), never true or "1.5".
FiniteFloat = Annotated[float, Field(gt=0, allow_inf_nan=False, strict=True)]
Figure = Annotated[str, Field(pattern=r"^[0-9]{1,9}(\.[0-9]{1,9})?\s*[KMBT]$")]

Activation = Literal["silu", "gelu", "gelu_tanh", "relu", "relu2", "swiglu_clamped"]


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, strict=False, defer_build=True)


class LayerPattern(Strict):
    """Per-layer labels: ``first`` covers the first layers, then ``repeat``
    cycles until the last layer (it may stop part-way through a cycle, as
    Gemma 3's 62 layers do with a 6-layer cycle). A plain list is shorthand
    for ``{repeat: [...]}``."""

    first: list[str] = []
    repeat: list[str] = Field(min_length=1)

    @model_validator(mode="before")
    @classmethod
    def _shorthand(cls, data: object) -> object:
        if isinstance(data, list):
            return {"repeat": data}
        return data

    def label(self, index: int) -> str:
        if index < len(self.first):
            return self.first[index]
        return self.repeat[(index - len(self.first)) % len(self.repeat)]

    def labels(self, num_layers: int) -> list[str]:
        """Every layer's label: :meth:`label` of each index, built by slicing
        (plans and checks ask for them often)."""
        first = self.first[:num_layers]
        rest = num_layers - len(first)
        return first + (self.repeat * -(-rest // len(self.repeat)))[:rest]


class Source(Strict):
    """Where a value comes from: a URL and what it is (config, paper, blog).
    ``file://`` is for a local config.json that ``archcmp import`` read."""

    url: str = Field(pattern=r"^(https?|file)://\S+$")
    what: str


class Published(Strict):
    """Figures as the vendor states them, e.g. ``671B``. ``validate`` checks
    the computed counts against them within the vendor's rounding."""

    total_params: Figure | None = None
    active_params: Figure | None = None
    effective_params: Figure | None = None
    includes: list[Literal["vision_encoder", "audio_encoder", "mtp"]] = []


class TrainingInfo(Strict):
    """How the model was trained, as its card states it (the ``training``
    section); no count depends on it."""

    tokens: Figure | None = None
    optimizer: str | None = None
    context_length: Size | None = None
    notes: str | None = None
