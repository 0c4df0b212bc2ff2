"""The speed estimate: time to first token, time per output token and throughput of one replica.

Stage 1 of the pipeline beside the memory model, and like it pure: ``predict`` is arithmetic on roofline terms
(terms.py), a GPU's limits (hardware.py) and an engine's fitted efficiencies (efficiency.py).

    prefill  = FLOPs / (GPUs x min(peak x eff(n), cap_flops))
               + (chunks x weights (+ chunks x 4 bytes x linear weights where the engine, llama.cpp past
                  32 tokens, or the format, bitsandbytes 4-bit past one token, dequantizes to a 16-bit
                  copy) + score bytes) / (GPUs x min(bandwidth x e_bw, cap))
               + all-reduce + chunks x step overhead
    decode   = overlap(shared weights / (GPUs x min(bandwidth x e_bw, cap))
                       + routed experts touched / (GPUs x min(bandwidth x e_bw, cap) x e_expert)  (untuned)
                       + 4 bytes x linear weights / (GPUs x min(bandwidth x e_bw, cap))  (bitsandbytes
                         4-bit past one token: dequantized to a 16-bit copy, then a 16-bit matmul)
                       + KV x group^x / (GPUs x min(bandwidth x e_kv, cap)),   (latent MLA: 1 GPU, not GPUs)
                       FLOPs / (peak x GPUs x eff(b))) + all-reduce + overhead
    overlap(m, c) = (m^p + c^p)^(1/p)   (max(m, c) away from the crossover)
               (eager, past the engine's graph-capture context: at least step + layers x eager per layer)
    eff(n)   = compute_efficiency x n / (n + half_efficiency_tokens)
    overhead = step + per layer x layers
               + share x linear layers x (per layer + step / layers)   (share: bitsandbytes' quantized
               layers launch a chain of kernels each, HOST_DISPATCH_SHARE, of the host's whole fixed cost
               per layer; 0 for every other format)

Layer-split engines (transformers' device_map, llama.cpp's default) run their GPUs one after another, so they
get one GPU's bandwidth and FLOPs whatever the count. Every efficiency is at most 1, so no estimate beats
``bandwidth x GPUs / bytes per step`` or the peak FLOPs.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any

from planner.memory.engines import engine as memory_engine
from planner.memory.fit import shortfall
from planner.perf.efficiency import EngineSpeed
from planner.perf.hardware import Hardware
from planner.perf.terms import (
    ModelTerms,
    allreduce_bytes_per_gpu,
    attention_scores,
    decode_bytes,
    decode_flops,
    prefill_flops,
    step_weight_bytes,
    touched_expert_bytes,
    touched_experts,
)

BOUNDS = ("bandwidth", "compute", "interconnect")
BINDS: dict[str, str] = {
    "bandwidth": "memory bandwidth",
    "compute": "compute",
    "dequantize": "dequantize arithmetic",
    "interconnect": "interconnect",
    "host": "host (Python kernel launches)",
}
"""What limits a decode step in a reader's words, by ``binds``'s key. ``host``: the step is its host's fixed
costs, not the GPU's work, where the host runs ahead of the GPU (``EngineSpeed.host_runs_ahead``:
transformers launches each kernel from Python) or launches eagerly past ``graph_max_context``; more
bandwidth or FLOPs change nothing there, a larger batch is nearly free, an engine that replays CUDA graphs
removes it. ``dequantize``: the arithmetic term
binds, but it is the unpacking of weight-only quantized weights, a cost per weight each pass, not the matrix
products' FLOPs: a larger batch costs little more a step, a format the engine unpacks more cheaply (or reads
as it multiplies, fp8 on a card with fp8 products) lowers it, more peak FLOPs for the products hardly do."""
DEQUANTIZED_BYTES_PER_WEIGHT = 4
"""A 16-bit copy of a weight written by the dequantize kernel and read back by the matrix product."""
DEQUANTIZE_ABOVE_TOKENS = 32
"""llama.cpp multiplies quantized weights in place up to 32 tokens a pass (its MMQ/MMVQ batch limit)."""


@dataclass(frozen=True, slots=True)
class Performance:
    """One replica's speed. Seconds and tokens per second; ``band`` is (p10, p90) of ``output_tokens_per_s``
    from the engine's calibration residuals, its upper end never above the roofline."""

    ttft_s: float
    tpot_s: float
    """One decode step of the batch: the time between a sequence's tokens when no prompt joins."""
    serving_tpot_s: float
    """The mean time between a sequence's tokens as its user sees it in an in-flight-batching engine: the
    step plus the prefills of the requests that join meanwhile (``serving_tpot_s``); what a TPOT target
    checks. The step itself for a static batch."""
    decode_tokens_per_s: float
    """Per sequence: 1 / TPOT."""
    output_tokens_per_s: float
    """All ``batch`` sequences together: batch / TPOT."""
    prefill_tokens_per_s: float
    requests_per_s: float
    """Requests per second a closed loop of ``batch`` sequences sustains, the GPU's seconds per request
    inverted: ``1 / (prefill of one prompt + output tokens x TPOT / batch)`` for an in-flight-batching engine
    (every prefill holds up the whole batch's decoding), ``batch / (TTFT + output tokens x TPOT)`` for a
    static batch (prefilled together, then decoded together); at batch 1 both are Little's law."""
    bound: str
    """What limits a decode step: "bandwidth", "compute" or "interconnect" (the term that is largest)."""
    band: tuple[float, float]
    roofline_decode_tokens_per_s: float
    """Per sequence: bandwidth x GPUs / bytes per step, the physical limit."""
    inputs: dict[str, Any]
    decode_terms_s: dict[str, float] = field(default_factory=dict)
    """Seconds each limit alone takes a decode step, by ``BOUNDS``: the reads, the arithmetic (unpacking
    quantized weights included) and the all-reduce; the step overlaps the first two and adds the rest."""
    binds: str = ""
    """What limits a decode step in a reader's words (``BINDS``): "dequantize arithmetic" where ``bound``
    is "compute" only because of the unpacking of quantized weights, "host (Python kernel launches)" where
    the step is its host's fixed costs (``host_s``) while ``bound`` still names the largest GPU term."""
    host_s: float = 0.0
    """The host's fixed costs of a decode step where the step takes the longer of them and the GPU's work
    (``EngineSpeed.host_runs_ahead``, or eager launches past ``graph_max_context``); 0 where they add."""

    @property
    def binds_text(self) -> str:
        """``binds`` with the terms behind it, in milliseconds: the one that binds, of the whole step (the
        rest is fixed overhead and what does not overlap), then the reads or arithmetic it is weighed
        against (``dequantize arithmetic: 26.2 of the 27.6 ms step (memory reads 23.8 ms)``)."""
        terms = self.decode_terms_s
        if not terms:
            return self.binds or self.bound
        step = f"{self.tpot_s * 1000:,.1f} ms step"
        if self.binds == BINDS["host"]:  # the GPU's largest term beside it, as the API's bound names it
            gpu = {"bandwidth": "memory reads", "compute": "arithmetic", "interconnect": "all-reduce"}
            return (
                f"{self.binds}: {self.host_s * 1000:,.1f} of the {step} "
                f"({gpu[self.bound]} {terms[self.bound] * 1000:,.1f} ms)"
            )
        other = "compute" if self.bound == "bandwidth" else "bandwidth"
        words = {"bandwidth": "memory reads", "compute": "arithmetic"}[other]
        against = f"{words} {terms[other] * 1000:,.1f} ms"
        return f"{self.binds}: {terms[self.bound] * 1000:,.1f} of the {step} ({against})"

    @property
    def shortfall(self) -> str | None:
        """One line saying the replica priced does not fit its GPUs (the memory model's bytes per GPU over the
        card's; ``memory.fit.shortfall``), None where it fits or the inputs do not say. The speed model prices
        a replica either way, since a user may be sizing a card not yet picked; ``planner perf`` prints this
        and exits 3, the page warns with it."""
        need = self.inputs.get("memory_per_gpu_bytes")
        have = self.inputs.get("gpu_memory_bytes")
        if need is None or have is None:
            return None
        return shortfall(need, have, self.inputs["gpu"])

    @property
    def fits(self) -> bool:
        """Whether the replica priced fits its GPUs: a caller that takes the figures as a replica that runs
        checks this first."""
        return self.shortfall is None

    def to_dict(self) -> dict[str, Any]:
        return {
            "fits": self.fits,
            "ttft_s": self.ttft_s,
            "tpot_s": self.tpot_s,
            "serving_tpot_s": self.serving_tpot_s,
            "decode_tokens_per_s": self.decode_tokens_per_s,
            "output_tokens_per_s": self.output_tokens_per_s,
            "prefill_tokens_per_s": self.prefill_tokens_per_s,
            "requests_per_s": self.requests_per_s,
            "bound": self.bound,
            "binds": self.binds,
            "binds_text": self.binds_text,
            "host_s": self.host_s,
            "decode_terms_s": dict(self.decode_terms_s),
            "band": list(self.band),
            "roofline_decode_tokens_per_s": self.roofline_decode_tokens_per_s,
            "inputs": self.inputs,
        }


def _flops_per_s(m: ModelTerms, hw: Hardware, speed: EngineSpeed, par: int, tokens: float) -> float:
    """Achieved FLOP/s of a pass over ``tokens`` tokens at once on ``par`` GPUs working together."""
    factor = speed.quantized_compute_factor if m.quantized else 1.0
    ceiling = min(1.0, speed.compute_efficiency * factor)
    efficiency = ceiling * tokens / (tokens + speed.half_efficiency_tokens)
    peak = hw.peak_flops(m.eight_bit_compute, speed.fp16_accumulate)
    return min(peak * efficiency, speed.compute_cap_flops_per_s) * par


def _allreduce_s(m: ModelTerms, hw: Hardware, tokens: int, gpus: int) -> float:
    if gpus <= 1:
        return 0.0
    latency = 2 * m.layers * hw.link.allreduce_latency_s
    return allreduce_bytes_per_gpu(m, tokens, gpus) / hw.link_bytes_per_s + latency


def _overhead_s(m: ModelTerms, speed: EngineSpeed, gpus: int, tensor: bool, tokens: int) -> float:
    """Fixed cost of one forward pass of ``tokens`` tokens: per step, per layer, per routed expert each MoE
    layer steps through (a fused kernel only the experts the tokens pick: 8 of 128 at batch 1; transformers'
    Python loop every expert), per hop, and per quantized linear layer a share of the host's fixed cost per
    layer where the format's layers launch a chain of kernels of their own (bitsandbytes:
    ``HOST_DISPATCH_SHARE``). That cost is the pass's whole fixed cost over its layers, per step included,
    as the share is measured (benchmarks/bnb_host_cost.py: a 16-bit row's time beyond its reads, over its
    layers): a fit may put the same host's cost in the per-step or the per-layer constant (held out of
    bitsandbytes' rows, transformers was fitted at 18 ms a step and 0.05 ms a layer), and the dispatch cost
    must not follow that split."""
    hops = 0 if tensor else gpus - 1
    costs = speed.today or speed  # today's builds' fixed costs where they differ from the fitted ones
    step, layer = costs.step_overhead_s, costs.layer_overhead_s
    looped = m.experts if speed.loops_all_experts else touched_experts(m, tokens)
    experts = speed.expert_overhead_s * looped * m.moe_layers
    # Past one token a 4-bit layer launches another chain: dequantize to a 16-bit copy, then a GEMM.
    share = m.host_dispatch_share_batched if tokens > 1 else m.host_dispatch_share
    # The share is of the host's whole fixed cost per layer, the pass's own included (as measured).
    host_per_layer = layer + step / m.layers
    dispatch = share * m.linear_modules * host_per_layer
    return step + layer * m.layers + dispatch + experts + speed.hop_overhead_s * hops


def _sequences_s(speed: EngineSpeed, sequences: int) -> float:
    """Host time a step spends on each of its ``sequences`` where the engine schedules, samples and
    processes every sequence's output in Python (``EngineSpeed.sequence_overhead_s``); 0 elsewhere."""
    return speed.sequence_overhead_s * sequences if speed.schedules_in_python else 0.0


def prefill_s(
    m: ModelTerms, hw: Hardware, speed: EngineSpeed, *, gpus: int, tokens: int, sequences: int = 1
) -> float:
    """Seconds to prefill ``sequences`` prompts of ``tokens`` each, in passes of the engine's chunk size."""
    if tokens <= 0:
        return 0.0
    shape = memory_engine(speed.memory_engine)
    tensor = shape.split == "tensor"
    par = gpus if tensor else 1
    total = tokens * sequences
    at_once = min(shape.prefill_tokens, total) if shape.prefill_tokens else total
    chunks = math.ceil(total / at_once)
    compute = prefill_flops(m, tokens, sequences) / _flops_per_s(m, hw, speed, par, at_once)
    moved = chunks * step_weight_bytes(m, at_once)
    if speed.prompt_writes_scores:  # else one fused kernel keeps them on chip (FlashAttention)
        moved += speed.score_bytes * attention_scores(m, tokens, sequences, at_once)
    # llama.cpp's cuBLAS path past 32 tokens; bitsandbytes' 4-bit layers past one token.
    llama_cpp = m.quantized and speed.dequantizes_for_prefill and at_once > DEQUANTIZE_ABOVE_TOKENS
    if llama_cpp or (m.dequantizes_above_one_token and at_once > 1):
        moved += chunks * dequantized_bytes(m, at_once)
    memory = moved / (_achieved_bandwidth(m, hw, speed) * par)
    link = _allreduce_s(m, hw, total, gpus if tensor else 1)
    # Each pass streams the weights and multiplies by them; at prefill sizes the two do not overlap well.
    # The scheduler's cost per sequence (EngineSpeed.sequence_overhead_s) once per prompt, not per chunk.
    host = chunks * _overhead_s(m, speed, gpus, tensor, at_once) + _sequences_s(speed, sequences)
    return _with_host(compute + memory + link, host, speed)


def _with_host(gpu_s: float, host_s: float, speed: EngineSpeed) -> float:
    """A pass's time from its GPU work and its host's fixed costs: the longer of the two where the host
    launches ahead of the GPU (``EngineSpeed.host_runs_ahead``), else their sum."""
    return max(gpu_s, host_s) if speed.host_runs_ahead else gpu_s + host_s


def dequantized_bytes(m: ModelTerms, tokens: int) -> float:
    """Bytes a pass of ``tokens`` tokens moves besides the packed weights where its kernels dequantize each
    linear weight it touches to a 16-bit copy first: 2 written and 2 read back per weight."""
    untouched = m.routed_expert_bytes - touched_expert_bytes(m, tokens)
    return DEQUANTIZED_BYTES_PER_WEIGHT * m.linear_params * (1 - untouched / m.weight_bytes)


def _achieved_bandwidth(
    m: ModelTerms, hw: Hardware, speed: EngineSpeed, kv: bool = False, pairs: float = 0.0
) -> float:
    """Bytes per second one GPU's kernels read: a share of the card's bandwidth, at most the engine's cap.
    ``pairs``: of a KV read, the sequence-head pairs in flight per GPU (``EngineSpeed.kv_half_pairs``)."""
    if kv and speed.today is None and speed.kv_occupancy and speed.kv_half_pairs > 0:
        share = speed.bandwidth_efficiency * pairs / (pairs + speed.kv_half_pairs)
    elif kv:
        share = (speed.today or speed).kv_bandwidth_efficiency
    else:
        share = speed.bandwidth_efficiency * (speed.quantized_bandwidth_factor if m.quantized else 1.0)
        share *= speed.tiled_dequant_factor if m.tiled_dequant else 1.0
    cap = speed.bandwidth_cap_bytes_per_s if speed.bandwidth_capped else math.inf
    return min(min(1.0, share) * hw.bandwidth_bytes_per_s, cap)


def overlap_s(memory: float, compute: float, exponent: float) -> float:
    """Time of a step that streams for ``memory`` and multiplies for ``compute`` seconds, overlapping:
    ``(memory^x + compute^x)^(1/x)``, the larger of the two where one dominates (large ``x``: perfect
    overlap), up to 2^(1/x) times it at the crossover, where neither phase hides the other. Never below
    either."""
    if exponent >= 50 or not (memory and compute):
        return max(memory, compute)
    top = max(memory, compute)
    share = (memory / top) ** exponent + (compute / top) ** exponent
    return float(top * share ** (1 / exponent))


def decode_step(
    m: ModelTerms, hw: Hardware, speed: EngineSpeed, *, gpus: int, batch: int, context: float
) -> tuple[float, str]:
    """Seconds of one decode step of ``batch`` sequences at ``context`` tokens each, and what bounds it."""
    step, terms, _ = _decode(m, hw, speed, gpus=gpus, batch=batch, context=context)
    return step, largest_term(terms)


def largest_term(terms: dict[str, float]) -> str:
    """The ``BOUNDS`` key of the largest of a step's terms: ``Performance.bound``, and what ``binds``
    words unless the host binds."""
    return max(BOUNDS, key=terms.__getitem__)


def binds(
    m: ModelTerms,
    speed: EngineSpeed,
    terms: dict[str, float],
    batch: int,
    *,
    step_s: float = 0.0,
    host_s: float = 0.0,
) -> str:
    """The ``BINDS`` key of a decode step of ``batch`` tokens: ``host`` where the step is its host's fixed
    costs (``host_s``, the longer of them and the GPU's work: qwen2.5-0.5b under transformers on an H100
    takes 19 ms a step for 0.4 ms of reads); else the largest of its terms, but ``dequantize`` where that
    is the arithmetic on weight-only quantized weights below ``half_efficiency_tokens`` tokens a pass.
    There the arithmetic's time, ``FLOPs / (peak x eff(n))`` with ``eff(n) ~ n / (n + half)``, is mostly
    the ``half`` part, a cost per weight each pass whatever the tokens: the kernel unpacking each packed
    weight (llama.cpp's q4_k_m at batch 1), not the products' FLOPs."""
    if host_s > 0 and host_s >= step_s * (1 - 1e-12):
        return "host"
    bound = largest_term(terms)
    unpacks = m.quantized and not m.eight_bit_compute
    if bound == "compute" and unpacks and batch < speed.half_efficiency_tokens:
        return "dequantize"
    return bound


def _decode(
    m: ModelTerms, hw: Hardware, speed: EngineSpeed, *, gpus: int, batch: int, context: float
) -> tuple[float, dict[str, float], float]:
    """A decode step's seconds, its terms (``BOUNDS``: each limit's seconds alone) and the host's fixed
    costs where the step takes the longer of them and the GPU's work (``Performance.host_s``; else 0)."""
    tensor = memory_engine(speed.memory_engine).split == "tensor"
    par = gpus if tensor else 1
    weights = step_weight_bytes(m, batch)
    kv = decode_bytes(m, batch, context) - weights
    once = (speed.today or speed).reads_kv_head_once
    if not once:
        # Each query head's thread block reads its KV head; the group's other reads hit L2 in part.
        kv *= m.query_heads_per_kv_head ** min(1.0, speed.kv_group_exponent)
    experts = touched_expert_bytes(m, batch)
    bandwidth = _achieved_bandwidth(m, hw, speed) * par
    expert_share = 1.0 if speed.moe_kernel_tuned else min(1.0, speed.expert_bandwidth_factor)
    memory = (weights - experts) / bandwidth + experts / (bandwidth * expert_share)
    if m.dequantizes_above_one_token and batch > 1:
        # bitsandbytes 4-bit: past one token the matrix-vector kernel gives way to dequantize + 16-bit GEMM.
        memory += dequantized_bytes(m, batch) / bandwidth
    # A decode attention kernel runs a block per sequence and head it reads (``EngineSpeed.kv_half_pairs``).
    heads = m.query_heads / (m.query_heads_per_kv_head if once else 1.0)
    pairs = batch * max(1.0, heads / par)
    # A latent MLA cache serves every head: each tensor-parallel GPU reads all of it.
    memory += kv / (_achieved_bandwidth(m, hw, speed, kv=True, pairs=pairs) * (1 if m.kv_replicated else par))
    compute = decode_flops(m, batch, context) / _flops_per_s(m, hw, speed, par, batch)
    link = _allreduce_s(m, hw, batch, gpus if tensor else 1)
    terms = {"bandwidth": memory, "compute": compute, "interconnect": link}
    fixed = _overhead_s(m, speed, gpus, tensor, batch) + _sequences_s(speed, batch)
    step = _with_host(overlap_s(memory, compute, speed.overlap_exponent) + link, fixed, speed)
    host = fixed if speed.host_runs_ahead else 0.0
    if context > speed.graph_max_context:
        # Eager: Python launches each layer's kernels; the GPU runs them as they come, so the step takes the
        # longer of the two (launches ahead of a busy GPU cost nothing).
        eager = speed.step_overhead_s + speed.eager_layer_overhead_s * m.layers
        step, host = max(step, eager), max(host, eager)
    return step, terms, host


def serving_tpot_s(step_s: float, prefill_s: float, *, batch: int, output_tokens: int, static: bool) -> float:
    """Mean seconds between two of a sequence's tokens in a closed loop of ``batch`` in-flight requests of
    ``output_tokens`` answer tokens: ``step + prefill x batch / output``. In steady state each of the
    ``batch`` sequences is replaced once while one sequence generates its ``output`` tokens, so
    ``batch / output`` prefills of one prompt (``prefill_s``) run per decode step, and a sequence waits for
    them (a chunked prefill spreads them over steps but does not remove them). A static batch is prefilled
    before it decodes and admits no one until it ends: its tokens come one step apart. The mean TPOT a
    serving benchmark reports (SGLang's bench_serving: ``(latency - TTFT) / (output - 1)``) measures this;
    with it, ``requests_per_s = batch / (output x serving TPOT)``: each of the batch's slots yields a token a
    serving TPOT. A pass with no answer tokens (a prompt-only measurement) has no tokens to space: its
    serving TPOT is the step's."""
    if static or output_tokens <= 0:
        return step_s
    return step_s + prefill_s * batch / output_tokens


def predict(
    m: ModelTerms,
    hw: Hardware,
    speed: EngineSpeed,
    *,
    gpus: int = 1,
    batch: int = 1,
    input_tokens: int = 1024,
    output_tokens: int = 256,
    inputs: dict[str, Any] | None = None,
) -> Performance:
    """The speed of one replica of ``gpus`` GPUs serving ``batch`` sequences at once.

    TTFT is the queue-free prefill of one prompt (all ``batch`` prompts for a static-batching engine); TPOT
    is the decode step at the mean context over the answer, ``input + (output + 1) / 2``; requests/s counts
    the GPU's time per request, each prefill included (``Performance.requests_per_s``).
    """
    sequences = batch if speed.static_batching else 1
    ttft = prefill_s(m, hw, speed, gpus=gpus, tokens=input_tokens, sequences=sequences)
    context = input_tokens + (output_tokens + 1) / 2
    tpot, terms, host = _decode(m, hw, speed, gpus=gpus, batch=batch, context=context)
    output_rate = batch / tpot
    roofline = hw.bandwidth_bytes_per_s * gpus / decode_bytes(m, batch, context, gpus)
    low = output_rate * math.exp(speed.log_residual_p10)
    high = min(output_rate * math.exp(speed.log_residual_p90), roofline * batch)
    return Performance(
        ttft_s=ttft,
        tpot_s=tpot,
        decode_tokens_per_s=1 / tpot,
        output_tokens_per_s=output_rate,
        prefill_tokens_per_s=input_tokens * sequences / ttft if ttft > 0 else 0.0,
        requests_per_s=1 / (ttft / sequences + output_tokens * tpot / batch),
        bound=largest_term(terms),
        decode_terms_s=terms,
        binds=BINDS[binds(m, speed, terms, batch, step_s=tpot, host_s=host)],
        host_s=host,
        band=(min(low, output_rate), max(high, output_rate)),
        roofline_decode_tokens_per_s=roofline,
        inputs=dict(inputs or {}),
        serving_tpot_s=serving_tpot_s(
            tpot, ttft, batch=batch, output_tokens=output_tokens, static=speed.static_batching
        ),
    )
