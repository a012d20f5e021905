"""One model on one fleet, in brief: the fit and speed figures ``compare``
and ``kvcache`` show with ``--gpu`` (the defaults of ``fit`` and ``speed``:
TP over every GPU, the vendor's memory × 0.9, no reserve).

A model the layout cannot run (TP that does not divide its heads) gets the
reason instead of figures, so one model does not stop a comparison. A
device with no published peak for the compute dtype gets the bandwidth bound
alone (still a bound) and no prefill figure.
"""

from __future__ import annotations

from archcmp.analysis.deployment import Deployment, ModelTensors
from archcmp.analysis.fit import FitResult, budget, fit
from archcmp.analysis.sharding import Layout, layout_problem
from archcmp.analysis.speed import SpeedResult, device_peak, speed
from archcmp.analysis.weight_formats import WeightFormat
from archcmp.hardware.catalog import Fleet
from archcmp.plan import Plan
from archcmp.record import record
from archcmp.schema import ModelSpec


@record
class OnDevice:
    model: str
    fleet: str
    context: int
    batch: int
    problem: str | None
    fit: FitResult | None
    speed: SpeedResult | None

    @property
    def prefill_seconds(self) -> float | None:
        if self.speed is None or self.speed.prefill.compute_seconds is None:
            return None
        return self.speed.prefill.seconds

    def to_json(self) -> dict:
        data: dict = {"gpu": self.fleet, "context": self.context, "batch": self.batch, "problem": self.problem}
        if self.fit is not None:
            data |= {k: v for k, v in self.fit.to_json().items()
                     if k in ("layout", "weights", "weights_bytes_per_gpu", "kv_bytes_per_gpu", "total_bytes_per_gpu",
                              "usable_bytes_per_gpu", "fits", "max_context", "max_batch", "min_gpus")}
        if self.speed is not None:
            data |= {"decode_tokens_per_s_bound": self.speed.decode_tokens_per_s_bound,
                     "prefill_seconds_bound": self.prefill_seconds}
        return data


def on_device(spec: ModelSpec, fleet: Fleet, fmt: WeightFormat, kv_dtype: str, context: int, batch: int = 1,
              plan: Plan | None = None, *, convention: str = "vllm", state_dtype: str | None = None) -> OnDevice:
    """``convention`` and ``state_dtype``: the cache layout the comparison
    (or ``kvcache``) counts, so the fit rows hold the same cache."""
    cache = {"convention": convention, "state_dtype": state_dtype}
    tensors = ModelTensors(spec)
    layout = Layout(fleet.count, 1, 1, 1)
    problem = layout_problem(spec, layout, plan or tensors.plan)
    if problem:
        return OnDevice(spec.id, fleet.label, context, batch, problem, None, None)
    room = budget(fleet.device)
    result = fit(spec, fleet.device, fleet.count, layout, fmt, "linear", kv_dtype, context, batch, room, tensors,
                 **cache)
    has_peak = fleet.device.peak_tflops(fmt.compute_dtype) is not None
    peak = device_peak(fleet.device, fmt.compute_dtype, memory_only=not has_peak)
    deployment = Deployment(spec, layout, fmt, "linear", kv_dtype, tensors, **cache)
    bounds = speed(deployment, fleet.device, peak, context, context, batch, fits=result.fits)
    return OnDevice(spec.id, fleet.label, context, batch, None, result, bounds)


def compare_rows(results: list[OnDevice]) -> tuple:
    """``compare``'s rows for the fleet, one value per model (None where the
    layout cannot run the model; the ``gpu_layout`` row says why)."""
    from archcmp.analysis.compare import Row

    first = results[0]
    group = f"On {first.fleet}"

    def values(get) -> tuple:
        return tuple(None if r.fit is None else get(r) for r in results)

    return (
        Row(group, "gpu_layout", tuple(_layout_words(r.fit.layout) if r.fit else r.problem for r in results)),
        Row(group, "gpu_fits", values(lambda r: r.fit.fits), "yesno"),
        Row(group, "gpu_weights_bytes", values(lambda r: r.fit.weights_bytes_per_gpu), "bytes"),
        Row(group, "gpu_kv_bytes", values(lambda r: r.fit.kv_bytes_per_gpu), "bytes"),
        Row(group, "gpu_total_bytes", values(lambda r: r.fit.total_bytes_per_gpu), "bytes"),
        Row(group, "gpu_usable_bytes", values(lambda r: r.fit.usable_bytes_per_gpu), "bytes"),
        Row(group, "gpu_max_context", values(lambda r: r.fit.max_context)),
        Row(group, "gpu_max_batch", values(lambda r: r.fit.max_batch)),
        Row(group, "gpu_min_gpus", values(lambda r: r.fit.min_gpus)),
        Row(group, "gpu_decode_tokens_per_s_bound", values(lambda r: round(r.speed.decode_tokens_per_s_bound, 1))),
        Row(group, "gpu_prefill_seconds_bound", values(lambda r: _rounded(r.prefill_seconds))),
    )


def _layout_words(layout: Layout) -> str:
    return f"TP {layout.tp} × PP {layout.pp}"


def _rounded(seconds: float | None) -> float | None:
    return None if seconds is None else float(f"{seconds:.4g}")
