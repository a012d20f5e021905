"""DeepSeek Sparse Attention families: DeepSeek-V3.2 (``deepseek_v32``) and
GLM-5 (``glm_moe_dsa``), MLA with a lightning indexer per layer
(transformers 5.24 ``DeepseekV32Config``, ``GlmMoeDsaConfig``), GLM-5.2's
IndexCache (``indexer_types``, or ``index_topk_pattern``, or
``index_topk_freq`` / ``index_skip_topk_offset``). Both always have a q LoRA
rank (``AXK1Attention``) and route like DeepSeek-V3 (sigmoid, hard-coded)."""

from __future__ import annotations

from archcmp.errors import ArchcmpError
from archcmp.hf import common, patterns
from archcmp.hf.families import Family
from archcmp.hf.families.deepseek import IGNORED as DEEPSEEK_IGNORED
from archcmp.hf.families.deepseek import V3, deepseek_router, mla_attention, mla_config
from archcmp.hf.reader import Reader
from archcmp.schema import ModelSpec

INDEXER = {"index_topk": 2048, "index_head_dim": 128, "index_n_heads": 64}
# ``layer_types`` is all ``indexed_attention`` (checked); the RoPE layout
# of the indexer changes no count.
IGNORED = DEEPSEEK_IGNORED | {"indexer_rope_interleave", "rope_interleave", "pretraining_tp"}
V32 = {**V3, **INDEXER, "head_dim": 64, "max_position_embeddings": 163840, "mlp_bias": False, "mlp_layer_types": None,
       "layer_types": None, "num_nextn_predict_layers": 0}
GLM5 = {**V32, "vocab_size": 154880, "hidden_size": 6144, "intermediate_size": 12288, "num_hidden_layers": 78,
        "num_attention_heads": 64, "num_key_value_heads": 64, "q_lora_rank": 2048, "v_head_dim": 256,
        "qk_nope_head_dim": 192, "max_position_embeddings": 202752, "index_n_heads": 32, "indexer_types": None,
        "index_topk_pattern": None, "index_topk_freq": 1, "index_skip_topk_offset": 2}
ALIASES = {"num_mtp_layers": "num_nextn_predict_layers", "num_local_experts": "n_routed_experts",
           "num_experts": "n_routed_experts"}


def mlp_labels(r: Reader) -> list[str]:
    """``mlp_layer_types`` (dense | sparse) when given, else the first
    ``first_k_dense_replace`` layers dense (``DeepseekV32Config.__post_init__``)."""
    n = r.int("num_hidden_layers")
    given = r.list("mlp_layer_types", length=n)
    if given is None:
        first = r.int("first_k_dense_replace", minimum=0)
        return ["dense" if i < first else "moe" for i in range(n)]
    names = {"dense": "dense", "sparse": "moe"}
    if any(label not in names for label in given):
        r.fail("mlp_layer_types", "entries must be dense or sparse")
    return [names[label] for label in given]


def indexed_layers(r: Reader) -> None:
    types = r.list("layer_types", length=r.int("num_hidden_layers"))
    if types is not None and set(types) != {"indexed_attention"}:
        r.fail("layer_types", "every layer of this model_type is indexed_attention")


def indexer_types(r: Reader) -> list[str]:
    """One label per layer, full | shared, as ``GlmMoeDsaConfig.__post_init__``
    derives it: ``indexer_types``, else ``index_topk_pattern`` (F/S), else
    full where max(i - offset + 1, 0) is a multiple of max(freq, 1)."""
    n = r.int("num_hidden_layers")
    given = r.list("indexer_types", length=n)
    if given is None and r.given("index_topk_pattern"):
        pattern = r.raw("index_topk_pattern")
        if isinstance(pattern, str) and set(pattern) <= {"F", "S"}:
            given = [{"F": "full", "S": "shared"}[c] for c in pattern]
        elif isinstance(pattern, list):
            given = pattern
        if given is None or len(given) != n:
            r.fail("index_topk_pattern", f"expected {n} of F / S (or full / shared)")
    if given is not None:
        if any(label not in ("full", "shared") for label in given):
            r.fail("indexer_types" if r.given("indexer_types") else "index_topk_pattern",
                   "entries must be full or shared")
        return list(given)
    freq, offset = max(r.int("index_topk_freq", minimum=0), 1), r.int("index_skip_topk_offset", minimum=0)
    return ["full" if max(i - offset + 1, 0) % freq == 0 else "shared" for i in range(n)]


def indexer_section(r: Reader, labels: list[str] | None = None) -> dict:
    section = {"num_heads": r.int("index_n_heads"), "head_dim": r.int("index_head_dim"), "topk": r.int("index_topk")}
    pattern = patterns.optional(labels or [], "full")
    if pattern is not None:
        section["layer_pattern"] = pattern
    return section


def dsa_spec(r: Reader, labels: list[str] | None = None) -> dict:
    """``labels``: the IndexCache layout (GLM-5.2); None: every layer full."""
    indexed_layers(r)
    if r.opt_int("q_lora_rank") is None:
        r.fail("q_lora_rank", "this model_type always has a q LoRA rank (AXK1Attention)")
    attention = {**mla_attention(r), "indexer": indexer_section(r, labels)}
    moe = common.moe(r, mlp_labels(r), "n_routed_experts", deepseek_router(r, reads_norm=True),
                     expert_intermediate_size=r.int("moe_intermediate_size"),
                     num_shared_experts=r.int("n_shared_experts", minimum=0))
    if r.bool("mlp_bias"):
        r.warn("mlp_bias", "true ignored, as transformers does: this model_type's MLPs have no biases")
    body = common.decoder(r, attention=attention, ffn=common.ffn(r), moe=moe)
    modules = r.int("num_nextn_predict_layers", minimum=0)
    if modules:
        body["mtp"] = {"num_modules": modules}
    return body


def dsa_config(spec: ModelSpec, model_type: str, defaults: dict, index_cache: bool) -> dict:
    """``index_cache``: the family reads ``indexer_types`` (GLM-MoE-DSA)."""
    att = spec.attention
    indexer = getattr(att, "indexer", None)
    if indexer is None:
        raise ArchcmpError(f"{model_type} has a lightning indexer on every layer; attention.indexer is missing")
    if spec.ffn.bias:
        raise ArchcmpError(f"{model_type} builds its MLPs without biases")
    config = mla_config(spec, model_type, defaults)
    config.update(index_n_heads=indexer.num_heads, index_head_dim=indexer.head_dim, index_topk=indexer.topk,
                  num_nextn_predict_layers=spec.mtp.num_modules if spec.mtp else 0)
    mlp = common.moe_labels(spec)
    if mlp != sorted(mlp):  # not dense layers then MoE ones: say it layer by layer
        config["mlp_layer_types"] = ["sparse" if label == "moe" else "dense" for label in mlp]
    labels = patterns.expand(indexer.layer_pattern, spec.num_layers, "full")
    if set(labels) != {"full"}:
        if not index_cache:
            raise ArchcmpError(f"{model_type} runs an indexer on every layer; shared (IndexCache) layers "
                               "need glm_moe_dsa")
        config["indexer_types"] = labels
    return config


FAMILIES = (
    Family("deepseek_v32", "deepseek", V32, dsa_spec, lambda s: dsa_config(s, "deepseek_v32", V32, False),
           ignored=IGNORED, aliases=ALIASES),
    Family("glm_moe_dsa", "glm", GLM5, lambda r: dsa_spec(r, indexer_types(r)),
           lambda s: dsa_config(s, "glm_moe_dsa", GLM5, True), ignored=IGNORED, aliases=ALIASES),
)
