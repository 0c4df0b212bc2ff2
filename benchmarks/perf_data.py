"""The speed-calibration rows as cases the speed model predicts; shared by fit_perf.py and perf_accuracy.py.

Reads benchmarks/data/throughput_calibration.csv (sources and conditions in throughput_calibration.md), maps
each row's model, precision, engine and GPU onto planner's (catalog names; the few cards the catalog lacks
carry their datasheet figures below) and says how its metric follows from a ``Performance``.
"""

from __future__ import annotations

import csv
import functools
import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from pathlib import Path

import yaml

from planner.catalog.load import load_catalog
from planner.memory.api import estimate_memory
from planner.memory.architecture import Architecture, from_config
from planner.memory.engines import engine as memory_engine
from planner.memory.fit import fit as memory_fit
from planner.memory.formats import weight_format
from planner.memory.resolve import resolve_model
from planner.perf.efficiency import EngineSpeed, engine_speed
from planner.perf.estimate import Performance, predict
from planner.perf.hardware import GB, LINKS, TFLOP, Hardware, hardware
from planner.perf.terms import ModelTerms, model_terms

DATA = Path(__file__).parent / "data"
CSV = DATA / "throughput_calibration.csv"
# Further sources, one file each with the same columns (throughput_<publisher>.csv); their rows may name
# catalog models and GPUs directly.
CSVS = [CSV, *sorted(p for p in DATA.glob("throughput_*.csv") if p != CSV)]

# Calibration model name -> catalog model (the rest are in throughput_models.yaml). TensorRT-LLM's "LLaMA 7B"
# and "LLaMA 70B" are Llama-2 configurations (its doc's engine-build section).
CATALOG_MODELS = {
    "Llama-3-8B": "llama-3-8b",
    "Llama-3-70B": "llama-3-70b",
    "Mistral 7B": "mistral-7b-v0.1",
    "LLaMA 7B": "llama-2-7b",
    "LLaMA 70B": "llama-2-70b",
    "Mixtral 8x7B": "mixtral-8x7b",
}
# Calibration GPU name -> catalog GPU. The Qwen and TensorRT-LLM sources do not say which A100 80GB; both
# are taken as SXM4 (NVLink), as tensor parallelism over 2-8 of them suggests.
CATALOG_GPUS = {
    "A100-80GB": "A100 80GB SXM4",
    "A100 (variant not stated)": "A100 80GB SXM4",
    "A100-SXM-80GB": "A100 80GB SXM4",
    "A100-PCIe-80GB": "A100 80GB PCIe",
    "H100-SXM-80GB": "H100 SXM5",
    "H100-PCIe-80GB": "H100 PCIe",
    "H200-SXM-141GB": "H200 SXM",
    "L40S-48GB": "L40S",
    "A40-48GB": "A40",
    "RTX-A6000-48GB": "RTX A6000",
    "RTX-6000-Ada-48GB": "RTX 6000 Ada Generation",
    "RTX-3090-24GB": "GeForce RTX 3090",
    "RTX-4090-24GB": "GeForce RTX 4090",
    "RTX-4080-16GB": "GeForce RTX 4080",
    "RTX-3080-10GB": "GeForce RTX 3080 10GB",
}
# Cards in the llama.cpp source that the catalog does not list: (GB/s, dense 16-bit TFLOP/s with fp32
# accumulate, with fp16 accumulate). NVIDIA datasheets: GeForce RTX 3070 (46 SMs x 1024 FP16 FLOP/clk x
# 1.725 GHz, halved for fp32 accumulate), RTX 3080 Ti (80 SMs, 1.665 GHz), RTX 4070 Ti (60 SMs x 1024 x
# 2.61 GHz); RTX 4000 Ada (327.6 sparse FP8 TFLOPS / 4) and RTX 5000 Ada (1044.4 / 4), product pages.
EXTRA_GPUS: dict[str, tuple[float, float, float]] = {
    "RTX-3070-8GB": (448, 40.6, 81.3),
    "RTX-3080Ti-12GB": (912, 68.2, 136.4),
    "RTX-4070Ti-12GB": (504, 80.2, 160.4),
    "RTX-4000-Ada-20GB": (360, 81.9, 81.9),
    "RTX-5000-Ada-32GB": (576, 261.1, 261.1),
}


# Engines of a source that fell back to eager decode steps past a context length: vLLM 0.4.2 replays CUDA
# graphs only up to ``max_context_len_to_capture`` tokens (default 8,192 in its EngineArgs and LLM
# constructor); the Qwen benchmark does not say it changed the default, and its rows past 8K bear that out.
GRAPH_MAX_CONTEXT: dict[tuple[str, str], float] = {("QwenLM/Qwen2.5", "vllm"): 8192}
# Engines of a source whose fused MoE kernel is taken to have run on default tiles: vLLM 0.4.2's Triton MoE
# kernel falls back to a default configuration where it ships none for the (experts, width, card) shape, and
# its Qwen2-57B-A14B rows on A100s run at a sixth of the dense rate (an assumption the source cannot confirm).
UNTUNED_MOE: frozenset[tuple[str, str]] = frozenset({("QwenLM/Qwen2.5", "vllm")})
# Documents (a row's source up to its second space) whose engine read a grouped KV head once per group only
# for some (head dim, group size) shapes: TensorRT-LLM v0.9 (perf-overview.md) ran its XQA kernel for head
# dims 128 and 256 with 1 or 8 query heads per KV head (``DecoderXQARunner::shouldUse`` in that release) and
# its masked multi-head attention kernel, one thread block per query head, for every other shape (Mistral 7B
# and Mixtral: groups of 4; Falcon 180B: 29 heads of 64 per KV head); v0.6 (performance.md) had no XQA.
XQA_SHAPES: dict[str, tuple[frozenset[int], frozenset[float]]] = {
    "github.com/NVIDIA/TensorRT-LLM docs/source/performance/perf-overview.md": (
        frozenset({128, 256}),
        frozenset({1.0, 8.0}),
    ),
    "github.com/NVIDIA/TensorRT-LLM docs/source/performance.md": (frozenset(), frozenset()),
}
# Sources whose rows batched statically (every prompt prefilled, then every sequence decoded, together) where
# the engine serves in flight today: TensorRT-LLM's published tables up to v0.9 ran ``gptSessionBenchmark``.
STATIC_BATCHES: frozenset[tuple[str, str]] = frozenset({("NVIDIA/TensorRT-LLM", "tensorrt-llm")})
# Documents (a row's source up to its second space) whose per-sequence decode speed is a serving benchmark's
# mean TPOT in a closed loop of in-flight requests (SGLang's bench_serving.py at a fixed --max-concurrency:
# (latency - TTFT) / (output - 1) per request): the time between one sequence's tokens, which holds the
# prefills of the requests that replace finished ones: ``Performance.serving_tpot_s``, the TPOT the
# planner's SLO checks (planner.perf.estimate.serving_tpot_s states the rule).
SERVING_TPOT: frozenset[str] = frozenset(
    {"github.com/dstackai/benchmarks Deepseek-R1/raw_data/online_results.csv"}
)
# Notes keyword of llama.cpp rows measured on a 2025-or-later build (throughput_llamacpp_2025.csv): there
# batch-1 decode streams weights at 80-90 % of a 1.8 TB/s card's bandwidth (RTX 5090), where the May-2024
# builds of the calibration rows stopped near 1.0 TB/s on every card (the fitted bandwidth cap). The build
# is a condition of the row like vLLM 0.4.2's graph-capture limit; load_cases keeps it on each Case for a
# fit that gives current builds their own constants (rows without the keyword are the 2024 builds).
CURRENT_LLAMACPP_NOTE = "build=current"
# Notes of a bitsandbytes NF4 row run without double quantization (bitsandbytes' benchmarking README, "NF4"
# beside "NF4+DQ"): a 16-bit absmax per 64 weights, 4.5 bits a weight, and no absmax dequantize before each
# product: what planner's ``bnb-fp4`` format stores and runs (the 4-bit code book differs, not the bytes or
# the kernels), where its ``nf4`` is double-quantized (4.127 bits).
SINGLE_QUANTIZED_NF4 = "nf4 WITHOUT double quantization"
# Notes keyword of transformers rows that ran FlashAttention-2 (the Qwen benchmark: FA2 2.3.3 under
# transformers 4.38.2): with an attention mask its every layer waits for the GPU (``_get_unpad_data``'s
# ``.item()``), so the host's fixed costs add to the GPU's time instead of overlapping it
# (``EngineSpeed.host_runs_ahead``), and a prompt's attention is one fused kernel that writes no score matrix
# (``EngineSpeed.prompt_writes_scores``); the other transformers rows ran its default SDPA attention.
FLASH_ATTENTION_2_NOTE = "FA2"
# Engines whose measured rows the files keep but the speed model has no record for yet (the calibrated ones
# are listed in planner.perf.efficiency): load_cases leaves their rows out until a refit adds the engine.
PENDING_ENGINES: frozenset[str] = frozenset()


@dataclass(frozen=True)
class Case:
    """One measured figure and everything needed to predict it."""

    source: str
    model: str
    engine: str
    gpu: str
    gpus: int
    precision: str
    batch: int
    input_tokens: int
    output_tokens: int
    metric: str
    value: float
    suspect: bool
    terms: ModelTerms
    hw: Hardware
    kv: str | None = None
    """KV-cache precision where it differs from the weights' (fp8 KV beside fp8 weights)."""
    current_build: bool = False
    """A llama.cpp row measured on a 2025-or-later build (CURRENT_LLAMACPP_NOTE in its notes)."""
    file: str = ""
    """The name of the file under benchmarks/data the row comes from."""
    flash_attention_2: bool = False
    """A transformers row run with FlashAttention-2 (FLASH_ATTENTION_2_NOTE in its notes)."""

    @property
    def source_key(self) -> str:
        return self.source.split()[0].removeprefix("github.com/")

    @property
    def graph_max_context(self) -> float:
        return GRAPH_MAX_CONTEXT.get((self.source_key, self.engine), math.inf)

    @property
    def moe_kernel_tuned(self) -> bool:
        return (self.source_key, self.engine) not in UNTUNED_MOE

    @property
    def reads_kv_head_once(self) -> bool | None:
        """Whether this row's decode attention read a KV head once per group (None: as its engine does)."""
        shapes = XQA_SHAPES.get(" ".join(self.source.split()[:2]))
        if shapes is None or self.engine != "tensorrt-llm":
            return None
        head_dims, groups = shapes
        head_dim = self.terms.attention_width // self.terms.query_heads
        return head_dim in head_dims and self.terms.query_heads_per_kv_head in groups

    @property
    def serving_tpot(self) -> bool:
        """Whether this row's per-sequence decode speed holds the other requests' prefills (SERVING_TPOT)."""
        return " ".join(self.source.split()[:2]) in SERVING_TPOT and not self.static_batching

    @property
    def static_batching(self) -> bool:
        """Whether this row's engine prefilled and decoded its batch together (the engine's record, or a
        benchmark of the source that did)."""
        return (self.source_key, self.engine) in STATIC_BATCHES or engine_speed(self.engine).static_batching

    @property
    def runs_eagerly(self) -> bool:
        """Whether this row's decode steps ran past its engine's graph-capture context."""
        return self.input_tokens + (self.output_tokens + 1) / 2 > self.graph_max_context

    @property
    def concurrency(self) -> int:
        """Sequences decoding at once. A static batch is what the row says (the engine is built for it); an
        in-flight-batching engine's batch or concurrency is a maximum, and it runs no more sequences than its
        KV cache holds at ``input + output`` tokens each (the memory model's reservation after weights and
        activations: vLLM's "Maximum concurrency"); the rest wait."""
        if self.batch == 1 or self.static_batching:
            return self.batch
        held = _kv_concurrency(
            self.model,
            self.precision,
            self.engine,
            self.kv,
            self.gpu,
            self.gpus,
            self.input_tokens + self.output_tokens,
        )
        return max(1, min(self.batch, held))

    def predicted(self, speed: EngineSpeed) -> float:
        """This row's metric as the speed model predicts it under ``speed`` (with the graph-capture limit,
        MoE kernel tuning and bandwidth cap of the engine version the row was measured on)."""
        changes: dict[str, object] = {}
        if self.graph_max_context < speed.graph_max_context:
            changes["graph_max_context"] = self.graph_max_context
        if not self.moe_kernel_tuned:
            changes["moe_kernel_tuned"] = False
        if self.engine == "llama.cpp" and not self.current_build:
            changes["bandwidth_capped"] = True  # a 2024 build (EngineSpeed.bandwidth_capped)
            changes["today"] = None  # and its fitted costs, not today's (EngineSpeed.today)
        if self.flash_attention_2:
            changes["host_runs_ahead"] = False  # every layer waits for the GPU (EngineSpeed.host_runs_ahead)
            changes["prompt_writes_scores"] = False  # one fused kernel per prompt's attention
            changes["kv_occupancy"] = False  # its decode runs FA2's forward kernel on one query row
        if self.reads_kv_head_once is not None:
            changes["reads_kv_head_once"] = self.reads_kv_head_once
        if self.static_batching != speed.static_batching:
            changes["static_batching"] = self.static_batching
        if changes:
            speed = replace(speed, **changes)  # type: ignore[arg-type]
        perf = predict(
            self.terms,
            self.hw,
            speed,
            gpus=self.gpus,
            batch=self.concurrency,
            input_tokens=self.input_tokens,
            output_tokens=self.output_tokens,
        )
        return METRICS[self.metric](perf, self)


def _end_to_end_per_seq(p: Performance, c: Case) -> float:
    return p.requests_per_s * c.output_tokens / c.concurrency


# How each published metric follows from a prediction. The Qwen source's "decode" speed is generated tokens
# over the whole request time (its own note), so it is end-to-end like its other rows; a serving benchmark's
# (SERVING_TPOT) holds the prefills of the other requests.
def _decode_per_seq(p: Performance, c: Case) -> float:
    if c.source_key.startswith("QwenLM"):
        return _end_to_end_per_seq(p, c)
    if c.serving_tpot:
        return 1 / p.serving_tpot_s
    return p.decode_tokens_per_s


METRICS: dict[str, Callable[[Performance, Case], float]] = {
    "decode_tok_s_per_seq": _decode_per_seq,
    "e2e_output_tok_s_per_seq": _end_to_end_per_seq,
    "prefill_tok_s": lambda p, c: p.prefill_tokens_per_s,
    "total_output_tok_s": lambda p, c: p.requests_per_s * c.output_tokens,
    "ttft_ms": lambda p, c: p.ttft_s * 1000,
}
# The metric families the accuracy targets name.
FAMILY = {
    "decode_tok_s_per_seq": "decode",
    "e2e_output_tok_s_per_seq": "decode",
    "total_output_tok_s": "decode",
    "prefill_tok_s": "prefill",
    "ttft_ms": "ttft",
}


@functools.cache
def _extra_models() -> dict[str, Architecture]:
    raw = yaml.safe_load((DATA / "throughput_models.yaml").read_text())
    return {name: from_config(cfg, name) for name, cfg in raw.items()}


def _architecture(name: str) -> Architecture:
    if name in _extra_models():
        return _extra_models()[name]
    return resolve_model(CATALOG_MODELS.get(name, name))


@functools.cache
def _terms(model: str, precision: str, engine: str, kv: str | None) -> ModelTerms:
    arch = _architecture(model)
    speed = engine_speed(engine)
    kv_token = estimate_memory(arch, precision=precision, engine=speed.memory_engine, kv_precision=kv)
    latent = memory_engine(speed.memory_engine).latent_mla
    return model_terms(arch, weight_format(precision), kv_token.kv_bytes_per_token, latent_kv=latent)


@functools.cache
def _kv_concurrency(
    model: str, precision: str, engine: str, kv: str | None, gpu: str, gpus: int, context: int
) -> int:
    """Sequences of ``context`` tokens whose KV cache fits on ``gpus`` x ``gpu`` beside the weights: the
    engine's reservation where it makes one (vLLM), else the largest batch the card's memory holds."""
    if gpu in EXTRA_GPUS:
        return 1 << 30  # cards outside the catalog carry no memory size; their rows are batch 1
    result = memory_fit(
        _architecture(model),
        load_catalog().gpu(CATALOG_GPUS.get(gpu, gpu)).vram_bytes,
        headroom=0.0,
        context=context,
        precision=precision,
        engine=engine_speed(engine).memory_engine,
        gpus=gpus,
        kv_precision=kv,
    )
    if result.engine_max_concurrency is not None:
        return math.floor(result.engine_max_concurrency)
    return result.max_batch


@functools.cache
def _hardware(name: str) -> Hardware:
    if name in EXTRA_GPUS:
        bandwidth, tflops, fp16_acc = EXTRA_GPUS[name]
        return Hardware(name, bandwidth * GB, tflops * TFLOP, None, fp16_acc * TFLOP, LINKS["pcie"], 32 * GB)
    return hardware(load_catalog().gpu(CATALOG_GPUS.get(name, name)))


def load_cases(paths: Sequence[Path] = CSVS) -> list[Case]:
    """Every row of the calibration files as a Case (the files hold only rows the model can predict)."""
    rows = []
    for path in paths:
        with path.open(newline="") as f:
            rows += [(path.name, row) for row in csv.DictReader(f)]
    cases = []
    for file, row in rows:
        engine = row["engine"]
        if engine in PENDING_ENGINES:
            continue
        kv = "fp8" if "FP8 KV cache" in row["notes"] and row["precision"] == "fp8" else None
        precision = row["precision"]
        if precision == "nf4" and SINGLE_QUANTIZED_NF4 in row["notes"]:
            precision = "bnb-fp4"  # NF4 without double quantization: FP4's 4.5 bits and kernels
        batch = int(row["batch_or_concurrency"])
        cases.append(
            Case(
                source=row["source"],
                model=row["model"],
                engine=engine_speed(engine).name,
                gpu=row["gpu"],
                gpus=int(row["num_gpus"]),
                precision=precision,
                batch=batch,
                input_tokens=int(row["input_tokens"]),
                output_tokens=int(row["output_tokens"]),
                metric=row["metric"],
                value=float(row["value"]),
                suspect="suspect=yes" in row["notes"],
                terms=_terms(row["model"], precision, engine_speed(engine).name, kv),
                hw=_hardware(row["gpu"]),
                kv=kv,
                current_build=engine == "llama.cpp" and CURRENT_LLAMACPP_NOTE in row["notes"],
                file=file,
                flash_attention_2=engine_speed(engine).name == "transformers"
                and FLASH_ATTENTION_2_NOTE in row["notes"],
            )
        )
    return cases
