"""The result objects of the FLOP count: plain data, exact integers."""

from __future__ import annotations

from archcmp.record import record


@record
class FlopCount:
    """One workload's FLOPs by component; ``attention_core`` (softmax
    scores and values), ``linear_mixer_core`` (linear layers' conv and
    recurrence) and ``indexer_core`` (a sparse layer's lightning indexer
    scoring keys) are the token mixing, everything else the linear part."""

    components: dict[str, int]

    @property
    def attention(self) -> int:
        return self.components["attention_core"]

    @property
    def linear_mixing(self) -> int:
        """Token mixing of linear-attention and state-space layers (0 without them)."""
        return self.components.get("linear_mixer_core", 0)

    @property
    def indexer(self) -> int:
        """The lightning indexers' key scoring (0 without DSA or CSA)."""
        return self.components.get("indexer_core", 0)

    @property
    def linear(self) -> int:
        return self.total - self.attention - self.linear_mixing - self.indexer

    @property
    def total(self) -> int:
        return sum(self.components.values())

    def to_json(self, prefix: str) -> dict:
        data = {
            f"{prefix}_flops": self.total,
            f"{prefix}_linear_flops": self.linear,
            f"{prefix}_attention_flops": self.attention,
            f"{prefix}_components": dict(self.components),
        }
        if "linear_mixer_core" in self.components:
            data[f"{prefix}_linear_mixer_core_flops"] = self.linear_mixing
        if "indexer_core" in self.components:
            data[f"{prefix}_indexer_core_flops"] = self.indexer
        return data


@record
class TrainingFlops:
    """Training on ``tokens`` tokens in sequences of ``context``: forward with
    the head on every position, backward twice the forward (Kaplan et al.,
    arXiv:2001.08361, §2.1), beside the 6·N·D rule of thumb."""

    tokens: int
    linear: int
    attention: int
    six_nd_flops: int  # N = active params, embeddings included
    six_nd_excl_embedding_flops: int  # N = active params without the input table(s)
    linear_mixer: int = 0  # token mixing of linear-attention and state-space layers
    indexer: int = 0  # lightning indexers' key scoring (DSA, CSA)

    @property
    def flops(self) -> int:
        return self.linear + self.attention + self.linear_mixer + self.indexer

    @property
    def ratio_to_6nd(self) -> float:
        return self.flops / self.six_nd_flops

    @property
    def ratio_to_6nd_excl_embedding(self) -> float:
        return self.flops / self.six_nd_excl_embedding_flops

    def to_json(self) -> dict:
        return {
            "train_tokens": self.tokens,
            "train_flops": self.flops,
            "train_linear_flops": self.linear,
            "train_attention_flops": self.attention,
            "train_6nd_flops": self.six_nd_flops,
            "train_6nd_ratio": self.ratio_to_6nd,
            "train_6nd_excl_embedding_flops": self.six_nd_excl_embedding_flops,
            "train_6nd_excl_embedding_ratio": self.ratio_to_6nd_excl_embedding,
        } | ({"train_linear_mixer_core_flops": self.linear_mixer} if self.linear_mixer else {}) | (
            {"train_indexer_core_flops": self.indexer} if self.indexer else {})


@record
class FlopsResult:
    model: str
    context: int
    attention: str  # "causal" | "full"
    mla_decode: str | None  # "absorbed" | "expanded" where a layer has both forms
    prefill: FlopCount
    decode: FlopCount
    training: TrainingFlops | None = None

    @property
    def prefill_flops_per_token(self) -> int:
        return round(self.prefill.total / self.context)

    def to_json(self) -> dict:
        data = {"model": self.model, "context": self.context, "attention": self.attention,
                "mla_decode": self.mla_decode}
        data |= self.prefill.to_json("prefill")
        data["prefill_flops_per_token"] = self.prefill_flops_per_token
        data |= self.decode.to_json("decode")
        if self.training:
            data |= self.training.to_json()
        return data
