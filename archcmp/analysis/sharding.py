"""How a model is split over GPUs, tensor by tensor (the rules of vLLM's
parallel layers, ``vllm/model_executor/layers/linear.py``, ``fused_moe``,
``vocab_parallel_embedding.py`` and ``distributed/utils.py``).

* ``N = TP × PP × DP`` GPUs: TP ranks split every layer, PP stages split the
  layers, DP replicas repeat the model (each serves its own ``--batch``).
* Column-parallel (``q_proj``, ``gate_proj``, ``up_proj``, MLA ``q_b_proj``
  and ``kv_b_proj``): output rows ÷ TP; row-parallel (``o_proj``,
  ``down_proj``): input columns ÷ TP, their bias replicated (it is added once,
  after the all-reduce). Heads, dense and shared MLP widths must divide by TP.
* K/V projections: ``max(1, kv_heads // TP)`` heads per GPU. TP must divide the
  KV heads or be a multiple of them; beyond them each KV head is replicated
  on ``TP / kv_heads`` ranks (``QKVParallelLinear``).
* Vocabulary (embedding, output head, Gemma 3n's per-layer table): rows ÷ TP,
  rounded up (vLLM also pads to a multiple of 64 rows: at most 63 more).
* MLA's ``q_a_proj`` and ``kv_a_proj_with_mqa`` and their norms, routers,
  norms and Gemma 3n's AltUp/LAuReL modules: replicated on every rank; so
  are DSA's indexer (``ReplicatedLinear`` in vLLM) and, here, DeepSeek-V4's
  K=V head, compressors, grouped output projection and hyper-connections
  (only its ``q_b_proj`` is split by heads: an upper bound per GPU).
* Routed experts: without EP, every expert is split like a dense MLP over the
  TP ranks; with ``EP > 1`` the experts are spread over the ``TP × DP`` GPUs of
  a stage, ``ceil(experts / EP)`` per GPU, each split ``TP × DP / EP`` ways.
* PP stages take contiguous layers, ``layers // PP`` each and the remainder
  one more on the stages before the last (``get_pp_indices``); the first holds
  the embeddings, the last the final norm and head (a tied table is held by
  both). The heaviest stage bounds the plan.
"""

from __future__ import annotations

from archcmp.analysis.sharding_linear import LINEAR_MIXERS, linear_problem, linear_shard_shape
from archcmp.errors import ArchcmpError
from archcmp.kinds.base import Tensor
from archcmp.kinds.compressed import CompressedMixer
from archcmp.kinds.ffn import DenseFFN, MoEFFN
from archcmp.kinds.latent import LatentMixer
from archcmp.kinds.parallel import ParallelFFN
from archcmp.kinds.softmax import SoftmaxMixer
from archcmp.plan import Plan, expand
from archcmp.record import record
from archcmp.schema import ModelSpec

COLUMN = {"q_proj", "q_b_proj", "kv_b_proj", "gate_proj", "up_proj", "sinks"}
ROW = {"o_proj", "down_proj"}
KV = {"k_proj", "v_proj"}
VOCAB = {"embed_tokens", "lm_head", "embed_tokens_per_layer"}
FIRST_STAGE = {"embed_tokens", "embed_positions", "embed_tokens_per_layer", "per_layer_model_projection",
               "per_layer_projection_norm", "per_layer_projection_norm.bias", "altup_projections"}


@record
class Layout:
    tp: int
    pp: int
    ep: int
    dp: int

    @property
    def gpus(self) -> int:
        return self.tp * self.pp * self.dp

    @property
    def expert_tp(self) -> int:
        """Ways each routed expert is split."""
        return self.tp if self.ep == 1 else self.tp * self.dp // self.ep

    @property
    def expert_tokens_factor(self) -> int:
        """Replicas whose tokens meet the same experts in one step."""
        return 1 if self.ep == 1 else self.dp

    def to_json(self) -> dict:
        return {"tp": self.tp, "pp": self.pp, "ep": self.ep, "dp": self.dp, "gpus": self.gpus}


def resolve_layout(spec: ModelSpec, gpus: int, tp: int | None, pp: int | None, ep: int | None,
                   plan: Plan | None = None) -> Layout:
    """TP, PP and EP as given, the rest filled in: TP defaults to every GPU
    a pipeline stage has, PP to 1, EP to 1 (experts split like dense MLPs)."""
    for name, value in (("--tp", tp), ("--pp", pp), ("--ep", ep)):
        if value is not None and value < 1:
            raise ArchcmpError(f"bad {name} {value}: must be at least 1")
    pp = pp or 1
    tp = tp or max(1, gpus // pp)
    if gpus % (tp * pp):
        raise ArchcmpError(f"--tp {tp} × --pp {pp} = {tp * pp} GPUs does not divide the {gpus} GPUs given; "
                           "the rest would be data-parallel replicas of that size")
    layout = Layout(tp, pp, ep or 1, gpus // (tp * pp))
    problem = layout_problem(spec, layout, plan)
    if problem:
        raise ArchcmpError(problem)
    return layout


def layout_problem(spec: ModelSpec, layout: Layout, plan: Plan | None = None) -> str | None:
    """Why ``spec`` cannot run on ``layout`` (as vLLM would refuse it), or
    None. Every block is checked: layers may differ in KV heads or widths."""
    plan, tp, model = plan or expand(spec), layout.tp, spec.id
    if layout.pp > len(plan):
        return f"--pp {layout.pp} exceeds the {len(plan)} layers of {model}"
    for block, _ in plan.distinct_blocks():
        problem = _mixer_problem(block.mixer, tp, model) or _ffn_problem(block.ffn, layout, model)
        if problem:
            return problem
    return None if layout.ep == 1 or any(isinstance(b.ffn, MoEFFN | ParallelFFN) for b in plan) else \
        f"--ep {layout.ep}: {model} has no routed experts"


def _mixer_problem(mixer, tp: int, model: str) -> str | None:
    if mixer is None:  # a block of an FFN alone (Nemotron-H)
        return None
    if isinstance(mixer, LINEAR_MIXERS):
        return linear_problem(mixer, tp, model)
    match mixer:
        case SoftmaxMixer():
            if mixer.num_heads % tp:
                return f"--tp {tp} does not divide the {mixer.num_heads} attention heads of {model}"
            kv = mixer.num_kv_heads
            if kv % tp and tp % kv:
                return (f"--tp {tp} and the {kv} KV heads of {model}: TP must divide the KV heads "
                        "or be a multiple of them")
        case LatentMixer() | CompressedMixer():
            if mixer.num_heads % tp:
                return f"--tp {tp} does not divide the {mixer.num_heads} attention heads of {model}"
        case _:
            raise ArchcmpError(f"{model}: no sharding rule for the layer kind {type(mixer).__name__}")
    return None


def _ffn_problem(ffn, layout: Layout, model: str) -> str | None:
    tp = layout.tp
    if ffn is None:  # a block of a token mixer alone (Nemotron-H)
        return None
    match ffn:
        case DenseFFN():
            return f"--tp {tp} does not divide the MLP width {ffn.width:,} of {model}" if ffn.width % tp else None
        case MoEFFN():
            if ffn.shared_width % tp:
                return f"--tp {tp} does not divide the shared-expert width {ffn.shared_width:,} of {model}"
            stage_gpus = layout.tp * layout.dp
            if layout.ep > 1 and stage_gpus % layout.ep:
                return (f"--ep {layout.ep} does not divide the {stage_gpus} GPUs of a pipeline stage "
                        "(TP × data-parallel replicas) that share the experts")
            if layout.ep > ffn.num_experts:
                return f"--ep {layout.ep} exceeds the {ffn.num_experts} routed experts of {model}"
            if ffn.expert_width % layout.expert_tp:
                return (f"each expert would be split {layout.expert_tp} ways, which does not divide the expert "
                        f"width {ffn.expert_width:,} of {model}")
            return None
        case ParallelFFN():  # Gemma 4 26B-A4B: both rules hold, each for its own branch
            return _ffn_problem(ffn.dense, layout, model) or _ffn_problem(ffn.moe, layout, model)
    raise ArchcmpError(f"{model}: no sharding rule for the feed-forward kind {type(ffn).__name__}")


def stage_layers(num_layers: int, pp: int) -> list[range]:
    """Contiguous layers of each pipeline stage (vLLM ``get_pp_indices``)."""
    sizes = [num_layers // pp] * pp
    for i in range(2, num_layers % pp + 2):
        sizes[-i] += 1
    starts = [sum(sizes[:i]) for i in range(pp)]
    return [range(start, start + size) for start, size in zip(starts, sizes)]


def model_tensor_stages(tensor: Tensor, pp: int, tied: bool) -> list[int]:
    """The stages that hold a model-level tensor."""
    if tensor.name == "embed_tokens" and tied and pp > 1:
        return [0, pp - 1]  # the last stage needs the table as its head
    return [0] if tensor.name in FIRST_STAGE else [pp - 1]


@record
class Shard:
    """What one GPU holds of a tensor: ``copies`` matrices of ``shape``."""

    shape: tuple[int, ...]
    copies: int


def shard(tensor: Tensor, layout: Layout, kv_heads: int | None) -> Shard:
    expert = tensor.component == "routed_experts"
    ways = layout.expert_tp if expert else layout.tp
    copies = -(-tensor.copies // layout.ep) if expert else tensor.copies
    parts = tensor.name.split(".")
    bias = parts[-1] == "bias"
    base = parts[-2] if bias else parts[-1]
    shape = tensor.shape
    if tensor.component == "linear_mixer":
        return Shard(linear_shard_shape(tensor, ways), copies)
    if base in VOCAB:
        return Shard((-(-shape[0] // ways), *shape[1:]), copies)
    if base in KV and kv_heads:
        per_gpu = max(1, kv_heads // ways) * (shape[0] // kv_heads)
        return Shard((per_gpu, *shape[1:]), copies)
    if base in COLUMN:
        return Shard((-(-shape[0] // ways), *shape[1:]), copies)
    if base in ROW and not bias:
        return Shard((shape[0], -(-shape[1] // ways)), copies)
    return Shard(shape, copies)
