"""Roofline bounds on decode and prefill speed: no engine can be faster.

A step cannot take less time than reading the bytes it must read at the
memory bandwidth, nor than doing its FLOPs at the peak rate (Williams,
Waterman and Patterson, "Roofline", CACM 2009). Per GPU of a stage:

* decode, ``B`` sequences at context ``C``: bytes = the weights a step
  touches (every resident tensor but the input tables, whose rows it only
  looks up; of a MoE layer's ``E`` local experts, those at least one of the
  ``B`` tokens is routed to: ``E·(1 − (1 − k/E)^B)`` expected under uniform
  routing, or all of them with ``moe_experts="all"``) + the cache read at
  ``C``; FLOPs = ``B ×`` one decode step at ``C``
  (:func:`archcmp.analysis.flops.count_flops`, MLA absorbed, causal).
* prefill of ``B`` prompts of ``N`` tokens (time to first token): FLOPs of
  the causal forward pass of ``N`` tokens, ``× B``; bytes = the weights
  touched once (experts seen by ``B·N`` tokens) + the cache written.

Pipeline stages run in turn for one token, so a step's latency is at least
the sum of the stages' memory times and at least the compute over the TP
ranks of one stage; aggregate throughput is at most ``B`` over the slowest
stage (stages overlap across micro-batches at best). Compute is assumed
perfectly balanced over the GPUs, which only makes the bound larger.

The MoE figure is an expectation (a batch whose tokens share experts reads
fewer); everything else is exact for the datasheet figures. ``bw_eff`` and
``flops_eff`` (default 1) scale the peaks for a user who knows their engine
reaches, say, 80 % of the bandwidth: the result is then an estimate.
"""

from __future__ import annotations

from decimal import Decimal

from archcmp.analysis.deployment import Deployment
from archcmp.analysis.flops import count_flops
from archcmp.errors import ArchcmpError
from archcmp.hardware.schema import PEAK_DTYPES, Device
from archcmp.record import record

MOE_EXPERTS = ("uniform", "all")


@record
class Peak:
    dtype: str
    flops_per_s: int | None  # None: no compute bound (--memory-only)
    stated: bool  # False when the user gave it (--peak-tflops), not the datasheet


def device_peak(device: Device, dtype: str, override_tflops: Decimal | None = None,
                memory_only: bool = False) -> Peak:
    """The dense peak for ``dtype``; a device without one is an error, never
    extrapolated from another dtype."""
    if dtype not in PEAK_DTYPES:
        raise ArchcmpError(f"bad --compute-dtype {dtype!r}: expected one of {', '.join(PEAK_DTYPES)}")
    if memory_only:
        return Peak(dtype, None, True)
    if override_tflops is not None:
        if override_tflops <= 0:
            raise ArchcmpError(f"bad --peak-tflops {override_tflops}: must be positive")
        return Peak(dtype, int(override_tflops * 10**12), False)
    tflops = device.peak_tflops(dtype)
    if tflops is None:
        known = [d for d in PEAK_DTYPES if device.peak_tflops(d) is not None]
        has = f"it lists {', '.join(known)}" if known else "it lists none"
        raise ArchcmpError(f"{device.id} has no published dense {dtype} peak ({has}); choose --compute-dtype, "
                           "give one with --peak-tflops, or use --memory-only for the bandwidth bound alone")
    return Peak(dtype, int(Decimal(str(tflops)) * 10**12), True)


@record
class Phase:
    """One bound: the time from bytes and from FLOPs, per GPU."""

    bytes_per_gpu: int
    flops: int  # on the whole layout (one replica)
    memory_seconds: float
    compute_seconds: float | None

    @property
    def seconds(self) -> float:
        return max(self.memory_seconds, self.compute_seconds or 0.0)

    @property
    def bound_by(self) -> str:
        return "compute" if self.compute_seconds is not None and self.compute_seconds > self.memory_seconds else "memory"


@record
class SpeedResult:
    model: str
    device: str
    layout: dict
    weights: str
    kv_dtype: str
    convention: str
    state_dtype: str | None
    compute_dtype: str
    peak: Peak
    bandwidth_bytes_per_s: int
    bw_eff: Decimal
    flops_eff: Decimal
    moe_experts: str
    prompt: int
    context: int
    batch: int
    decode: Phase
    decode_aggregate_seconds: float
    prefill: Phase
    fits: bool

    @property
    def decode_tokens_per_s_bound(self) -> float:
        return 1 / self.decode.seconds

    @property
    def decode_aggregate_tokens_per_s_bound(self) -> float:
        return self.layout["dp"] * self.batch / self.decode_aggregate_seconds

    def to_json(self) -> dict:
        return {
            "model": self.model, "device": self.device, "layout": self.layout, "weights": self.weights,
            "kv_dtype": self.kv_dtype, "convention": self.convention,
            "state_dtype": self.state_dtype, "compute_dtype": self.compute_dtype,
            "peak_flops_per_s": self.peak.flops_per_s, "peak_from_datasheet": self.peak.stated,
            "bandwidth_bytes_per_s": self.bandwidth_bytes_per_s, "bw_eff": str(self.bw_eff),
            "flops_eff": str(self.flops_eff), "moe_experts": self.moe_experts,
            "prompt": self.prompt, "context": self.context, "batch": self.batch, "fits": self.fits,
            "decode_step_seconds_bound": self.decode.seconds,
            "decode_tokens_per_s_bound": self.decode_tokens_per_s_bound,
            "decode_aggregate_tokens_per_s_bound": self.decode_aggregate_tokens_per_s_bound,
            "decode_bytes_per_gpu": self.decode.bytes_per_gpu, "decode_flops": self.decode.flops,
            "decode_memory_seconds": self.decode.memory_seconds,
            "decode_compute_seconds": self.decode.compute_seconds,
            "bound_by": self.decode.bound_by,
            "prefill_seconds_bound": self.prefill.seconds, "prefill_bound_by": self.prefill.bound_by,
            "prefill_bytes_per_gpu": self.prefill.bytes_per_gpu, "prefill_flops": self.prefill.flops,
            "prefill_memory_seconds": self.prefill.memory_seconds,
            "prefill_compute_seconds": self.prefill.compute_seconds,
            "prefill_tokens_per_s_bound": self.batch * self.prompt / self.prefill.seconds,
        }


def touched_experts(local: int, total: int, per_token: int, tokens: int, mode: str) -> float:
    """Expected local experts at least one of ``tokens`` tokens is routed to,
    each token picking ``per_token`` of ``total`` uniformly."""
    if mode == "all":
        return float(local)
    return local * (1 - (1 - per_token / total) ** tokens)


def weights_read(deployment: Deployment, stage: int, tokens: int, mode: str) -> int:
    weights = deployment.weights[stage]
    read = weights.always_read
    for local, size, total, per_token in weights.experts:
        read += round(size * touched_experts(local, total, per_token, tokens, mode))
    return read


def speed(deployment: Deployment, device: Device, peak: Peak, prompt: int, context: int, batch: int,
          bw_eff: Decimal = Decimal(1), flops_eff: Decimal = Decimal(1), moe_experts: str = "uniform",
          fits: bool = True) -> SpeedResult:
    if moe_experts not in MOE_EXPERTS:
        raise ArchcmpError(f"bad --moe-experts {moe_experts!r}: expected uniform or all")
    for name, value in (("--bw-eff", bw_eff), ("--flops-eff", flops_eff)):
        if not Decimal(0) < value <= Decimal(1):
            raise ArchcmpError(f"bad {name} {value}: must be above 0 and at most 1")
    for name, count in (("--prompt", prompt), ("context", context), ("--batch", batch)):
        if count < 1:
            raise ArchcmpError(f"bad {name} {count}: must be at least 1")
    layout, spec = deployment.layout, deployment.spec
    bandwidth = float(device.memory_bandwidth_bytes_per_s * bw_eff)
    rate = None if peak.flops_per_s is None else float(peak.flops_per_s * flops_eff)
    expert_tokens = batch * layout.expert_tokens_factor

    stage_bytes = [weights_read(deployment, s, expert_tokens, moe_experts)
                   + deployment.sequences_bytes(s, context, batch) for s in range(layout.pp)]
    decode_flops = batch * count_flops(spec, context, plan=deployment.plan).decode.total
    decode_compute = None if rate is None else decode_flops / (layout.tp * rate)
    decode = Phase(max(stage_bytes), decode_flops, sum(stage_bytes) / bandwidth, decode_compute)
    aggregate_compute = 0.0 if rate is None else decode_flops / (layout.tp * layout.pp * rate)
    aggregate = max(max(stage_bytes) / bandwidth, aggregate_compute)

    prefill_bytes = [weights_read(deployment, s, expert_tokens * prompt, moe_experts)
                     + deployment.sequences_bytes(s, prompt, batch) for s in range(layout.pp)]
    prefill_flops = batch * count_flops(spec, prompt, plan=deployment.plan).prefill.total
    prefill_compute = None if rate is None else prefill_flops / (layout.tp * layout.pp * rate)
    prefill = Phase(max(prefill_bytes), prefill_flops, max(prefill_bytes) / bandwidth, prefill_compute)
    return SpeedResult(
        model=spec.id, device=device.id, layout=layout.to_json(), weights=deployment.fmt.name,
        kv_dtype=deployment.kv_dtype, convention=deployment.convention, state_dtype=deployment.state_dtype,
        compute_dtype=peak.dtype, peak=peak,
        bandwidth_bytes_per_s=device.memory_bandwidth_bytes_per_s, bw_eff=bw_eff, flops_eff=flops_eff,
        moe_experts=moe_experts, prompt=prompt, context=context, batch=batch, decode=decode,
        decode_aggregate_seconds=aggregate, prefill=prefill, fits=fits,
    )
