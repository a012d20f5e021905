"""DeepSeek Sparse Attention and DeepSeek-V4 against real tiny transformers
models on the CPU: the cache a prefill leaves (``indexer_keys``, V4's
window, compressed entries, compressor buffers and overlap state) and the
FLOPs FlopCounterMode sees.

The tiny configs are written here and read by archcmp's own importer, so the
spec and the model come from the same file. Models run in bf16, as served
(V4 keeps its ``position_bias`` and norms fp32, which makes the overlap
gates fp32). Contexts that are not multiples of the compression rates leave
tokens in the compressors' buffers.

What transformers 5.24 computes, and archcmp's ``--attention full`` counts:
DSA layers score and attend to every key (the selection is a mask);
V4's prefill attends every query to all raw tokens and every compressed
entry, its indexer scores every entry (its head weighting is element-wise,
2·heads per pair that FlopCounterMode does not see).
"""

from __future__ import annotations

import functools
import json

import pytest
from small import hf_config

from archcmp.analysis.flops import count_flops
from archcmp.analysis.kvcache import kv_cache
from archcmp.hf.importer import read_body
from archcmp.schema import ModelSpec

MOE = {"n_routed_experts": 4, "num_experts_per_tok": 2, "moe_intermediate_size": 16, "n_shared_experts": 1,
       "vocab_size": 256, "hidden_size": 64, "bos_token_id": 0, "eos_token_id": 1, "experts_implementation": "eager"}
MLA = {"num_attention_heads": 4, "num_key_value_heads": 4, "q_lora_rank": 32, "kv_lora_rank": 32, "qk_nope_head_dim": 16,
       "qk_rope_head_dim": 8, "v_head_dim": 16, "intermediate_size": 96, "first_k_dense_replace": 1,
       "n_group": 1, "topk_group": 1, "index_n_heads": 4, "index_head_dim": 16, "index_topk": 5}
CONFIGS = {
    "deepseek_v32": {"model_type": "deepseek_v32", "num_hidden_layers": 3, **MOE, **MLA},
    # GLM-5.2's IndexCache: layers 2 and 3 reuse layer 1's selection (offset 2, every 3rd layer full)
    "glm_moe_dsa-indexcache": {"model_type": "glm_moe_dsa", "num_hidden_layers": 5, **MOE, **MLA,
                               "index_topk_freq": 3, "index_skip_topk_offset": 2},
    "deepseek_v4": {"model_type": "deepseek_v4", "num_hidden_layers": 4, **MOE, "num_attention_heads": 4,
                    "head_dim": 32, "qk_rope_head_dim": 8, "q_lora_rank": 16, "o_groups": 2, "o_lora_rank": 8,
                    "sliding_window": 8, "index_n_heads": 2, "index_head_dim": 16, "index_topk": 3,
                    "num_hash_layers": 1, "hc_mult": 4, "hc_sinkhorn_iters": 3,
                    "layer_types": ["sliding_attention", "compressed_sparse_attention",
                                    "heavily_compressed_attention", "compressed_sparse_attention"],
                    "compress_rates": {"compressed_sparse_attention": 4, "heavily_compressed_attention": 8}},
}
CONTEXTS = (13, 30)  # 13 = 3·4 + 1 = 8 + 5 and 30 = 7·4 + 2 = 3·8 + 6: every buffer holds a remainder


def spec_of(name: str) -> ModelSpec:
    config = {k: v for k, v in CONFIGS[name].items() if k != "experts_implementation"}
    body = read_body(config, f"{name}.json")
    meta = {"id": name.replace("_", "-"), "name": name, "family": body.family.family,
            "sources": [{"url": "https://example.org/tiny", "what": "a tiny config"}]}
    return ModelSpec.model_validate({**meta, **body.fields})


def tiny_model(name: str):
    """Built on the CPU in bf16 (modules the model keeps in fp32 stay so);
    V4's token-id routing table made valid (a buffer the checkpoint supplies)."""
    import torch
    from transformers import AutoModelForCausalLM

    torch.manual_seed(0)
    hf = hf_config(dict(CONFIGS[name]))
    hf._attn_implementation = "eager"
    model = AutoModelForCausalLM.from_config(hf, attn_implementation="eager", dtype=torch.bfloat16).eval()
    for module in model.modules():
        if hasattr(module, "tid2eid"):
            experts = module.num_experts
            module.tid2eid.copy_(torch.arange(module.tid2eid.numel()).view_as(module.tid2eid) % experts)
    return model


def cache_bytes(cache) -> list[int]:
    """Bytes of every tensor each cache layer holds, one held twice (V4's
    K=V) once."""
    import torch

    per_layer = []
    for layer in cache.layers:
        seen, total = set(), 0
        for value in vars(layer).values():
            for tensor in (value.values() if isinstance(value, dict) else [value]):
                # a 0-d tensor is bookkeeping (the sliding window's size), not cached content
                if isinstance(tensor, torch.Tensor) and tensor.dim() and id(tensor) not in seen:
                    seen.add(id(tensor))
                    total += tensor.numel() * tensor.element_size()
        per_layer.append(total)
    return per_layer


@functools.cache
def prefill_cache(name: str, context: int) -> tuple[int, ...]:
    import torch

    model = tiny_model(name)
    ids = torch.randint(2, 256, (1, context))
    with torch.no_grad():
        return tuple(cache_bytes(model(input_ids=ids, use_cache=True).cache))


@pytest.mark.parametrize("context", CONTEXTS)
@pytest.mark.parametrize("name", sorted(CONFIGS))
def test_prefill_cache_is_the_transformers_convention(name, context):
    result = kv_cache(spec_of(name), context, convention="transformers")
    assert list(prefill_cache(name, context)) == [layer.bytes for layer in result.layers]


def test_indexer_keys_are_one_per_token_and_layer_in_bf16():
    """DSA by hand: per layer and token the latent 32 + 8 and an indexer key
    of 16, bf16; IndexCache's shared layers (2, 3) hold no indexer key."""
    assert prefill_cache("deepseek_v32", 13) == (13 * (40 + 16) * 2,) * 3
    assert prefill_cache("glm_moe_dsa-indexcache", 13) == tuple(13 * (40 + (0 if i in (2, 3) else 16)) * 2
                                                                for i in range(5))


def test_v4_cache_by_hand():
    """V4 at 30 tokens: the window layer K and V apart (7 tokens each);
    compressed layers K=V once (7), entries (CSA 30 // 4 = 7 of 32 plus 7
    indexer keys of 16; HCA 30 // 8 = 3), the 2 (CSA) or 6 (HCA) tokens
    waiting in the buffers (kv and gate, 2·32 and 2·16 wide on CSA) and
    CSA's overlap rows (4 of 32 and 4 of 16, kv bf16 and gate fp32)."""
    csa = (7 * 32 + 7 * 32 + 7 * 16) * 2 + 2 * (2 * 64 + 2 * 32) * 2 + 4 * (32 + 16) * (2 + 4)
    hca = (7 * 32 + 3 * 32) * 2 + 6 * (2 * 32) * 2
    assert prefill_cache("deepseek_v4", 30) == (2 * 7 * 32 * 2, csa, hca, csa)


def measure(model, step):
    """FlopCounterMode's count of ``step`` split into the attention modules'
    own matmuls (scores and values), the indexers' own (their scoring) and
    the rest (weights)."""
    from torch.utils.flop_counter import FlopCounterMode

    with FlopCounterMode(display=False) as counter:
        step()
    by_module = {key: sum(ops.values()) for key, ops in counter.get_flop_counts().items()}
    top = type(model).__name__

    def own(name, module):
        children = sum(by_module.get(f"{top}.{name}.{child}", 0) for child, _ in module.named_children())
        return by_module.get(f"{top}.{name}", 0) - children

    attention = indexer = 0
    for name, module in model.named_modules():
        kind = type(module).__name__
        if kind.endswith("Attention"):
            attention += own(name, module)
        if kind.endswith("Indexer") or kind.endswith("IndexerScorer"):
            indexer += own(name, module)
    return counter.get_total_flops() - attention - indexer, attention, indexer


@pytest.mark.parametrize("name", sorted(CONFIGS))
def test_prefill_flops_are_what_transformers_computes(name):
    import torch

    model, context = tiny_model(name), 13
    ids = torch.randint(2, 256, (1, context))
    with torch.no_grad():
        linear, attention, indexer = measure(model, lambda: model(input_ids=ids, logits_to_keep=1, use_cache=False))
    prefill = count_flops(spec_of(name), context, attention="full").prefill
    unseen = 0
    if name == "deepseek_v4":  # V4 weights the indexer heads element-wise: 2 heads × (13 queries × 3 entries) × 2 CSA layers
        unseen = 2 * 2 * 13 * 3 * 2
    assert (prefill.linear, prefill.attention, prefill.indexer) == (linear, attention, indexer + unseen)


def test_dsa_decode_scores_every_key_and_attends_the_top_k():
    """One decode token after 12: the indexer scores 13 keys, 2·4·(16 + 1)
    FLOPs each, in each of the 3 layers; attention (expanded) reads 13 keys
    under transformers' mask, 5 = index_topk at the real cost."""
    spec = spec_of("deepseek_v32")
    real = count_flops(spec, 12, mla_decode="expanded").decode
    full = count_flops(spec, 12, attention="full", mla_decode="expanded").decode
    pair = 2 * 4 * (24 + 16)
    assert real.indexer == full.indexer == 3 * 13 * 2 * 4 * 17
    assert (real.attention, full.attention) == (3 * 5 * pair, 3 * 13 * pair)


def test_dsa_decode_indexer_equals_measured():
    import torch

    model = tiny_model("deepseek_v32")
    ids = torch.randint(2, 256, (1, 13))
    with torch.no_grad():
        cache = model(input_ids=ids[:, :12], use_cache=True).cache
        _, _, indexer = measure(model, lambda: model(input_ids=ids[:, 12:], cache=cache, use_cache=True))
    assert indexer == count_flops(spec_of("deepseek_v32"), 12, attention="full").decode.indexer


def test_exported_tiny_configs_import_back(tmp_path):
    """The tiny configs survive archcmp's export and import."""
    from archcmp.hf.exporter import export_spec
    from archcmp.hf.importer import import_file
    from archcmp.hf.sameness import differences

    for name in CONFIGS:
        spec = spec_of(name)
        path = tmp_path / f"{name}.json"
        path.write_text(json.dumps(export_spec(spec).config))
        assert differences(spec, import_file(path).spec) == []


# Mistral Large 4 (text inside the multimodal wrapper): NoPE every 3rd layer
# (2, 5), layer 3 reads layer 1's latent but keeps its own indexer, layer 5
# reads layer 2's with the indexer selection of layer 3 (IndexCache): it holds nothing.
LARGE4_TEXT = {"model_type": "mistral_large4_text", "vocab_size": 256, "hidden_size": 64, "intermediate_size": 96,
               "moe_intermediate_size": 16, "num_hidden_layers": 6, "num_attention_heads": 4,
               "num_key_value_heads": 4, "n_routed_experts": 4, "num_experts_per_tok": 2, "kv_lora_rank": 32,
               "qk_rope_head_dim": 8, "qk_nope_head_dim": 8, "v_head_dim": 16, "index_n_heads": 2,
               "index_head_dim": 16, "index_topk": 5, "no_rope_layer_interval": 3,
               "kv_source_layers": [0, 1, 2, 1, 4, 2],
               "index_topk_pattern": "FFFFSS",  # F: full, S: reuse the last full layer's selection
               "bos_token_id": 1, "eos_token_id": 2}
LARGE4 = {"model_type": "mistral_large4", "text_config": LARGE4_TEXT,
          "vision_config": {"model_type": "pixtral", "hidden_size": 16, "intermediate_size": 32,
                            "num_hidden_layers": 1, "num_attention_heads": 2, "head_dim": 8, "image_size": 28,
                            "patch_size": 14}}


@functools.cache
def large4():
    import torch
    from transformers import AutoConfig, MistralLarge4ForConditionalGeneration

    torch.manual_seed(0)
    config = dict(LARGE4)
    model = MistralLarge4ForConditionalGeneration(AutoConfig.for_model(config.pop("model_type"), **config)).eval()
    body = read_body(LARGE4, "mistral-large4.json")
    spec = ModelSpec.model_validate({"id": "tiny-large4", "name": "tiny", "family": body.family.family,
                                     "sources": [{"url": "https://example.org/tiny", "what": "tiny"}], **body.fields})
    return model, spec


def test_mistral_large4_parameters_are_the_language_models():
    from archcmp.analysis.params import count_params

    model, spec = large4()
    theirs = sum(p.numel() for name, p in model.named_parameters()
                 if "language_model" in name or name.startswith("lm_head"))
    indexer = sum(p.numel() for name, p in model.named_parameters() if ".indexer." in name)
    ours = count_params(spec)
    assert (ours.total_params, ours.components["indexer"]) == (theirs, indexer)


def test_mistral_large4_cache_after_a_prefill():
    import torch

    model, spec = large4()
    with torch.no_grad():
        cache = model(input_ids=torch.randint(3, 256, (1, 13)), use_cache=True).cache
    result = kv_cache(spec, 13, dtype="fp32", convention="transformers")
    assert cache_bytes(cache) == [layer.bytes for layer in result.layers]
    # by hand (fp32): latent 32 + rope 8 (NoPE: 32) and an indexer key of 16 per token; layer 3 the key alone
    assert [layer.bytes // (13 * 4) for layer in result.layers] == [56, 56, 48, 16, 40, 0]
