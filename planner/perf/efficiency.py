"""Per-engine speed records: how close each engine gets to the roofline, and what it costs per step.

Keyed by the engine's canonical name; the memory model's engine records (planner/memory/engines.py) stay the
place for memory behaviour, and ``memory_engine`` names the record whose bytes (KV layout, how GPUs split the
model, tokens per prefill pass) this engine shares. The fitted figures live in ``fitted.py``, written by
``python benchmarks/fit_perf.py --write`` from the calibration rows in
benchmarks/data/throughput_calibration.csv; docs/speed-model.md lists them with their error.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from planner.errors import ModelError
from planner.memory.lookup import by_name, suggestion
from planner.perf.fitted import FIT_COMMAND, FITTED


@dataclass(frozen=True, slots=True)
class BuildCosts:
    """Fixed costs and KV read of an engine's builds of today where they differ from those its calibration
    rows ran: per pass, per layer, the KV cache's share of the card's bandwidth, and whether the decode
    attention kernel reads a grouped KV head once for its whole group."""

    step_overhead_s: float
    layer_overhead_s: float
    kv_bandwidth_efficiency: float
    reads_kv_head_once: bool


@dataclass(frozen=True, slots=True)
class EngineSpeed:
    """One engine's measured distance from the roofline, as physical constants (fitted, see fitted.py).

    Memory: a decode step reads weights at ``bandwidth_efficiency`` of the card's bandwidth (times
    ``quantized_bandwidth_factor`` for quantized weights, whose kernels dequantize, and
    ``tiled_dequant_factor`` more for a format whose kernel is a tiled matrix product even at one token: AWQ)
    and the KV cache at the weights' rate times ``pairs / (pairs + kv_half_pairs)`` (``kv_half_pairs``: a
    decode attention kernel's blocks in flight; ``kv_bandwidth_efficiency`` where that is 0, for today's
    llama.cpp builds and for rows run with FlashAttention-2's forward kernel), both at most
    ``bandwidth_cap_bytes_per_s`` per GPU (bytes in flight / memory latency, Little's
    law: small-batch kernels reach a smaller share of an HBM card's bandwidth than of a GDDR card's). An
    attention kernel that handles each query head apart reads a grouped KV head once per query head: KV
    traffic is multiplied by the group size to the power ``kv_group_exponent`` (1: no sharing, 0: read once),
    unless ``reads_kv_head_once``.
    ``score_bytes``: bytes moved per attention score element where the engine materialises the score matrix;
    none where a row's prompt attention is one fused kernel (``prompt_writes_scores`` False).

    Routed experts a decode step touches are read at ``expert_bandwidth_factor`` of the weights' rate where
    the fused MoE kernel runs without a configuration tuned for the model's shape and card (vLLM 0.4's
    default Triton tiles, ``moe_kernel_tuned`` False: a condition of its calibration rows); a tuned kernel
    reads them at the dense rate.

    Compute: products reach ``compute_efficiency x n / (n + half_efficiency_tokens)`` of peak FLOPs with
    ``n`` tokens in one pass (times ``quantized_compute_factor`` for quantized weights), at most
    ``compute_cap_flops_per_s`` per GPU (kernels tuned for smaller cards). ``fp16_accumulate``: products
    accumulate in fp16 (llama.cpp), which GeForce cards run at twice their fp32-accumulate rate. Streaming
    and multiplying overlap imperfectly near the crossover: a decode step takes
    ``(memory^p + compute^p)^(1/p)`` with ``p = overlap_exponent`` (large: the larger of the two).

    Overheads: every pass pays ``step_overhead_s``, ``layer_overhead_s`` per layer (kernel launches,
    scheduling, sampling), ``expert_overhead_s`` per routed expert of each MoE layer (an engine that loops
    over experts) and, where layers are split over GPUs, ``hop_overhead_s`` per extra GPU.

    Eager steps: an engine that replays a captured CUDA graph pays the overheads above; one that launches each
    kernel from Python (vLLM 0.4 beyond ``graph_max_context`` tokens of context, its
    ``max_context_len_to_capture``) pays ``eager_layer_overhead_s`` of CPU time per layer, which the GPU
    waits for where it exceeds the GPU's own time (launches run ahead of the GPU otherwise).

    ``static_batching``: a batch's prompts are prefilled together before any is decoded (the first token
    waits for all). ``log_residual_p10``/``p90``: quantiles of ln(measured / predicted) on the engine's
    calibration rows, the uncertainty band.
    """

    name: str
    memory_engine: str
    static_batching: bool
    fp16_accumulate: bool
    loops_all_experts: bool
    dequantizes_for_prefill: bool
    """Prefill of weight-only quantized weights dequantizes each linear layer to a 16-bit buffer and hands it
    to a 16-bit matrix product (llama.cpp's cuBLAS path for more than 32 tokens, May 2024): per pass, 2 bytes
    written and read back per weight besides the packed read. Engines with fused dequantizing kernels
    (Marlin, TensorRT-LLM's) pay nothing extra."""
    """transformers' MoE blocks loop over every expert in Python (one step per expert, with work or not);
    fused MoE kernels (vLLM, TensorRT-LLM, llama.cpp) launch work only for the experts the tokens pick."""
    bandwidth_efficiency: float
    quantized_bandwidth_factor: float
    kv_bandwidth_efficiency: float
    kv_group_exponent: float
    bandwidth_cap_bytes_per_s: float
    step_overhead_s: float
    layer_overhead_s: float
    hop_overhead_s: float
    compute_efficiency: float
    compute_cap_flops_per_s: float
    score_bytes: float
    quantized_compute_factor: float
    half_efficiency_tokens: float
    expert_overhead_s: float
    eager_layer_overhead_s: float
    expert_bandwidth_factor: float
    tiled_dequant_factor: float
    overlap_exponent: float
    log_residual_p10: float
    log_residual_p90: float
    calibration_rows: int
    fitted_on: str
    """Which measurements the constants come from, and the command that fitted them."""
    bandwidth_capped: bool = True
    """Whether ``bandwidth_cap_bytes_per_s`` limits the build planner estimates for. llama.cpp's cap (about
    1 TB/s per GPU) is what its 2024 builds reached at batch 1 on A100 and H100 cards; builds from 2025 on
    read GDDR cards at 80-97 % of their bandwidth, an RTX 5090 at 1.4-1.6 TB/s (docs/speed-model.md). So
    planner's own llama.cpp estimates, for today's builds, take False, and only the calibration rows of 2024
    builds are predicted under the cap (benchmarks/perf_data.py), which is where it is fitted."""
    moe_kernel_tuned: bool = True
    """Whether the fused MoE kernel has tiles tuned for the model's shape and card. planner's own estimates
    take True (current engines ship tuned configurations for common shapes); the Qwen2-57B-A14B rows of vLLM
    0.4.2 are taken to have run on its default tiles (benchmarks/perf_data.py)."""
    reads_kv_head_once: bool = False
    """Whether the decode attention kernel handles a KV head's whole group of query heads in one thread block
    and so reads the head once (TensorRT-LLM's XQA kernel, for every group size since v0.10). False: a block
    per query head (vLLM 0.4's paged attention, llama.cpp, FlashAttention 2 in transformers), KV traffic x
    group^``kv_group_exponent``. TensorRT-LLM v0.9 ran XQA only for head dims 128/256 and groups of 1 or 8
    (its ``DecoderXQARunner::shouldUse``); its calibration rows of other shapes are predicted with False
    (benchmarks/perf_data.py)."""
    prompt_writes_scores: bool = True
    """Whether a prompt's attention writes its score matrix to memory (``score_bytes`` per score). False for
    TensorRT-LLM, whose context phase runs one fused multi-head attention kernel (context FMHA, on by default
    in ``trtllm-build``: the scores stay on chip), and for calibration rows that name FlashAttention-2
    (benchmarks/perf_data.py), a condition of those rows like ``host_runs_ahead``."""
    kv_half_pairs: float = 0.0
    """Sequence-head pairs in flight per GPU at which a decode attention kernel reads the KV cache at half
    the weights' rate (``bandwidth_efficiency``): with one query token per sequence, paged and XQA decode
    kernels run a thread block per sequence and head (a KV head where the kernel reads one once for its group,
    else a query head), and with fewer blocks than the card's multiprocessors keep busy the read reaches
    ``pairs / (pairs + half)`` of that rate. Rows whose decode ran FlashAttention-2's forward kernel
    (``kv_occupancy`` False) read it at ``kv_bandwidth_efficiency`` instead."""
    kv_occupancy: bool = True
    """Whether the KV read follows the pairs in flight (``kv_half_pairs``); False for calibration rows that
    name FlashAttention-2, whose decode runs its prompt kernel on one query row (benchmarks/perf_data.py)."""
    sequence_overhead_s: float = 0.0
    """Host time per running sequence per step where the engine's scheduler, sampler and output processing
    handle each sequence in Python between steps (``schedules_in_python``): vLLM before its V1 engine
    (0.6.x-0.7.x, the versions of dstack's and Oracle's rows) schedules, samples and detokenizes on the
    GPU's critical path, one sequence after another, which its 0.6.0 release answered with multi-step
    scheduling and asynchronous output processing; the step waits for it. 0 where no row shows it (batch 1
    only) and for engines whose per-sequence work is batched tensor operations (transformers' ``generate``)
    or C++ (TensorRT-LLM, llama.cpp)."""
    schedules_in_python: bool = False
    """Whether ``sequence_overhead_s`` applies: the engine schedules and samples each sequence in Python."""
    today: BuildCosts | None = None
    """Today's builds' fixed costs and KV read, which replace the fitted ``step_overhead_s``,
    ``layer_overhead_s``, ``kv_bandwidth_efficiency`` and ``reads_kv_head_once`` where the calibration rows
    ran older builds (llama.cpp: May 2024; ``_TODAY``); None: the fitted ones are today's.
    benchmarks/perf_data.py predicts the rows of older builds with None, which is what the fit sets."""
    host_runs_ahead: bool = False
    """Whether the host's fixed costs (``step_overhead_s``, ``layer_overhead_s`` and the costs per expert
    and per quantized linear layer) overlap the GPU's work, so that a pass takes the longer of the two
    instead of their sum. An eager PyTorch engine (transformers) launches each kernel from Python
    asynchronously: the host runs ahead of the GPU until something waits for a result, which its SDPA
    attention does once a pass (the causal-mask check), so a small model's step is its host's time and a
    large one's its reads. FlashAttention-2 with an attention mask waits in every layer (its
    ``_get_unpad_data`` reads the longest sequence's length back with ``.item()``), so host and GPU take
    turns and their times add: the Qwen rows' condition (FA2 2.3.3 under transformers 4.38.2,
    benchmarks/perf_data.py). Engines that replay captured CUDA graphs pay their fixed costs between steps
    (scheduling, sampling): False."""
    graph_max_context: float = math.inf
    """Longest context a decode step replays a CUDA graph for; beyond it the step runs eagerly. Current vLLM
    (and every other engine here) captures whatever the context, so planner's own estimates use no limit; the
    calibration rows of vLLM 0.4.2 ran under its default of 8,192 tokens (benchmarks/perf_data.py)."""


# Engines the speed model knows, with what is not fitted. tensorrt-llm shares vLLM's memory record (paged KV
# cache, tensor parallel) and serves in flight (trtllm-serve); its v0.6 and v0.9 calibration rows ran the
# static-batching gptSessionBenchmark (benchmarks/perf_data.py carries that condition).
# (memory engine, static batching, fp16 accumulate, loops over every expert, dequantizes for prefill, reads a
# KV head once for its group)
_SHAPE: dict[str, tuple[str, bool, bool, bool, bool, bool]] = {
    "transformers": ("transformers", True, False, True, False, False),
    "vllm": ("vllm", False, False, False, False, False),
    "llama.cpp": ("llama.cpp", False, True, False, True, False),
    "tensorrt-llm": ("vllm", False, False, False, False, True),
    "sglang": ("sglang", False, False, False, False, False),
}
# Engines priced with another engine's fitted constants until a fit gives them their own: SGLang runs the
# kernels vLLM does (FlashInfer / Triton attention, the fused Triton MoE kernel, CUDA graphs, in-flight
# batching), and its only rows (dstack's DeepSeek-R1 on H200 and MI300X, SGLang 0.4.2/0.4.3) take 0.75-1.7
# times vLLM 0.7's time per token on the same card and concurrency, either way round: one model, too few
# shapes to fit constants of its own.
_CONSTANTS_OF: dict[str, str] = {"sglang": "vllm"}
# Engines whose fitted bandwidth cap belongs to the builds their calibration rows ran, not to today's
# (``EngineSpeed.bandwidth_capped``).
_UNCAPPED_TODAY: frozenset[str] = frozenset({"llama.cpp"})
# Engines whose prompt attention is one fused kernel that writes no score matrix (TensorRT-LLM's context FMHA,
# on by default in trtllm-build): ``EngineSpeed.prompt_writes_scores``.
_FUSED_PROMPT_ATTENTION: frozenset[str] = frozenset({"tensorrt-llm"})
# Engines whose host launches each kernel as it goes, ahead of the GPU (``EngineSpeed.host_runs_ahead``).
_HOST_RUNS_AHEAD: frozenset[str] = frozenset({"transformers"})
# Engines whose scheduler and sampler handle each running sequence in Python every step
# (``EngineSpeed.sequence_overhead_s``): vLLM and SGLang (its scheduler and sampling are Python too).
_PYTHON_SCHEDULERS: frozenset[str] = frozenset({"vllm", "sglang"})
# Engines whose calibration rows ran builds older than today's, with today's fixed costs and KV read
# (``EngineSpeed.today``). llama.cpp: measured on the nine batch-1 decode rows of 2025-2026 builds in
# benchmarks/data/throughput_llamacpp_2025.csv by ``python benchmarks/llamacpp_today.py``
# (docs/speed-model.md): CUDA graphs leave 0.14 ms a step where the 2024 builds paid 1.8, and FlashAttention
# kernels serve a KV head's whole group of query heads at once, which the rows at 32K tokens of context
# show: read once per query head at the 2024 rate they would need 1.4-1.8 times the card's bandwidth.
_TODAY: dict[str, BuildCosts] = {
    "llama.cpp": BuildCosts(
        step_overhead_s=0.138e-3,
        layer_overhead_s=18.4e-6,
        kv_bandwidth_efficiency=0.926,
        reads_kv_head_once=True,
    ),
}
_ALIASES: dict[str, str] = {
    "hf": "transformers",
    "hf-transformers": "transformers",
    "llamacpp": "llama.cpp",
    "llama-cpp": "llama.cpp",
    "gguf": "llama.cpp",
    "ollama": "llama.cpp",
    "trt-llm": "tensorrt-llm",
    "tensorrt_llm": "tensorrt-llm",
    "trtllm": "tensorrt-llm",
    "sgl": "sglang",
}


def constants_engine(name: str) -> str:
    """The engine whose fitted constants ``name`` (canonical) is priced with: its own, or a lender's."""
    return name if name in FITTED else _CONSTANTS_OF[name]


def _record(name: str) -> EngineSpeed:
    memory_engine, static, fp16_accumulate, loops_all_experts, dequantizes, kv_once = _SHAPE[name]
    f = FITTED[name] if name in FITTED else FITTED[_CONSTANTS_OF[name]]
    return EngineSpeed(
        name=name,
        memory_engine=memory_engine,
        static_batching=static,
        fp16_accumulate=fp16_accumulate,
        loops_all_experts=loops_all_experts,
        dequantizes_for_prefill=dequantizes,
        bandwidth_efficiency=f["bandwidth_efficiency"],
        quantized_bandwidth_factor=f["quantized_bandwidth_factor"],
        kv_bandwidth_efficiency=f["kv_bandwidth_efficiency"],
        kv_half_pairs=f.get("kv_half_pairs", 0.0),
        prompt_writes_scores=name not in _FUSED_PROMPT_ATTENTION,
        kv_group_exponent=f["kv_group_exponent"],
        bandwidth_cap_bytes_per_s=f["bandwidth_cap_bytes_per_s"],
        step_overhead_s=f["step_overhead_s"],
        layer_overhead_s=f["layer_overhead_s"],
        hop_overhead_s=f["hop_overhead_s"],
        compute_efficiency=f["compute_efficiency"],
        compute_cap_flops_per_s=f["compute_cap_flops_per_s"],
        score_bytes=f["score_bytes"],
        quantized_compute_factor=f["quantized_compute_factor"],
        half_efficiency_tokens=f["half_efficiency_tokens"],
        expert_overhead_s=f["expert_overhead_s"],
        eager_layer_overhead_s=f.get("eager_layer_overhead_s", 0.0),
        expert_bandwidth_factor=f.get("expert_bandwidth_factor", 1.0),
        tiled_dequant_factor=f.get("tiled_dequant_factor", 1.0),
        overlap_exponent=f.get("overlap_exponent", 100.0),
        reads_kv_head_once=kv_once,
        bandwidth_capped=name not in _UNCAPPED_TODAY,
        host_runs_ahead=name in _HOST_RUNS_AHEAD,
        sequence_overhead_s=f.get("sequence_overhead_s", 0.0),
        schedules_in_python=name in _PYTHON_SCHEDULERS,
        today=_TODAY.get(name),
        log_residual_p10=f["log_residual_p10"],
        log_residual_p90=f["log_residual_p90"],
        calibration_rows=int(f["calibration_rows"]),
        fitted_on=(
            f"{int(f['calibration_rows'])} rows of benchmarks/data; {FIT_COMMAND}"
            + ("" if name in FITTED else f" (constants of {_CONSTANTS_OF[name]})")
        ),
    )


ENGINE_SPEEDS: dict[str, EngineSpeed] = {name: _record(name) for name in _SHAPE}


def engine_speed(name: str) -> EngineSpeed:
    """The speed record of an engine by name or alias (case-insensitive); one with no calibration ->
    ModelError naming those that have one."""
    try:
        return by_name(ENGINE_SPEEDS, _ALIASES, name, "engine")
    except ModelError:
        if suggestion(name, [*ENGINE_SPEEDS, *_ALIASES], _ALIASES):
            raise  # a typo of a calibrated engine: by_name's answer names it ("did you mean 'sglang'?")
        raise ModelError(
            f"no speed calibration for engine {name!r} (calibrated: {', '.join(ENGINE_SPEEDS)})"
        ) from None
