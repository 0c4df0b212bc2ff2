"""Inference and training engines, as data: everything the memory model and the launch settings need to
know about one engine lives on its ``Engine`` record, and the rest of the code asks the record.

Adding an engine is one entry in ``ENGINES`` plus its tests (docs/memory-model.md walks through SGLang).
Behaviour that changed between releases sits on ``Release`` records, picked by ``engine_version``; each
constant names its source. Figures measured from logs are in docs/benchmarks.md.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Literal

from planner.errors import ModelError, PlannerError
from planner.memory.formats import KV_BYTES, WEIGHT_FORMATS, weight_format
from planner.memory.lookup import by_name
from planner.memory.support import SERVER_HARDWARE, TRANSFORMERS_HARDWARE, Needs
from planner.units import GIB

_GGUF = frozenset(name for name, f in WEIGHT_FORMATS.items() if f.gguf)
_CHECKPOINTS = frozenset(WEIGHT_FORMATS) - _GGUF
"""Every weight format that is not a llama.cpp file: safetensors checkpoints, quantized or not."""

SlidingRule = Callable[[int, int, int, int], int]
"""(window, context, tokens per forward step, block) -> tokens a sliding-window layer holds per sequence."""


def keeps_all(window: int, context: int, step: int, block: int) -> int:
    """A cache that never drops old tokens (transformers' dynamic cache)."""
    return math.ceil(context / block) * block


def keeps_window(window: int, context: int, step: int, block: int) -> int:
    """The window only (transformers' hybrid cache for Gemma 2/3: a ring buffer of ``sliding_window``)."""
    return math.ceil(min(window, context) / block) * block


def vllm_window(window: int, context: int, step: int, block: int) -> int:
    """vLLM's ``SlidingWindowSpec.max_memory_usage_bytes``: ``min(window - 1 + max_num_batched_tokens,
    max_model_len)`` tokens in blocks, plus one block because the window need not start on a block edge."""
    return (math.ceil(min(window - 1 + step, context) / block) + 1) * block


def llama_cpp_window(window: int, context: int, step: int, block: int) -> int:
    """llama.cpp ``llama-kv-cache-iswa.cpp``: ``GGML_PAD(min(n_ctx, n_swa + n_ubatch), 256)`` cells."""
    return math.ceil(min(context, window + step) / 256) * 256


@dataclass(frozen=True, slots=True)
class Release:
    """What one range of an engine's releases does, from ``since`` on (until the next record's ``since``).

    ``profile_rows``: rows of logits the start-up profile run computes: "tokens" (every batched token) or
    "requests" (one per dummy request, ``max_num_seqs`` of them); "" where there is no profile run.
    ``logit_bytes``: bytes per row per vocabulary entry at that peak (logits and the sampler's copies).
    ``peaks_add``: the forward pass and the logits peak together (True) or one after the other (False).
    ``context_bytes`` / ``multi_gpu_context_bytes``: CUDA context per GPU before the engine measures anything
    (outside a memory fraction); ``non_torch_bytes`` / ``multi_gpu_non_torch_bytes``: memory outside
    PyTorch's allocator that appears after (NCCL buffers, cuBLAS workspaces), inside the fraction.
    ``expert_pad``: MXFP4 expert matrices padded to these multiples of (hidden, intermediate); (1, 1) none.
    ``prefill_logits``: logits kept for every prompt position while generating (transformers < 4.45).
    ``holds_hidden``: the batch's last hidden states stay alive through the sampler (V1 from 0.17).
    ``moe_workspace``: the fused-MoE kernels' intermediate buffers stay allocated on top of the peak (0.17
    on, 16-bit experts: Mixtral and Qwen3-30B-A3B log 0.5-0.75 GiB more than their dense kin).
    """

    since: tuple[int, ...]
    label: str
    source: str
    context_bytes: int
    non_torch_bytes: int = 0
    multi_gpu_context_bytes: int | None = None
    multi_gpu_non_torch_bytes: int | None = None
    profile_rows: str = ""
    logit_bytes: float = 0.0
    peaks_add: bool = False
    max_num_seqs: int = 0
    expert_pad: tuple[int, int] = (1, 1)
    prefill_logits: bool = False
    holds_hidden: bool = False
    moe_workspace: bool = False

    def context(self, gpus: int) -> int:
        """CUDA context and non-torch memory on each GPU (multi-GPU figures where given)."""
        start = self.multi_gpu_context_bytes if gpus > 1 else None
        return (self.context_bytes if start is None else start) + self.non_torch(gpus)

    def non_torch(self, gpus: int) -> int:
        """The part of ``context(gpus)`` that a memory fraction covers."""
        extra = self.multi_gpu_non_torch_bytes if gpus > 1 else None
        return self.non_torch_bytes if extra is None else extra


@dataclass(frozen=True, slots=True)
class Launch:
    """Flag names of one engine's launcher (empty: the engine has no such setting)."""

    command: str
    memory_fraction: str = ""
    max_len: str = ""
    max_seqs: str = ""
    tensor_parallel: str = ""
    gpu_layers: str = ""
    split_mode: str = ""
    kv_dtype: str = ""
    kv_dtype_names: tuple[tuple[str, str], ...] = ()
    """planner's KV-cache name -> the engine's spelling, where they differ."""
    kv_dtype_v: str = ""
    """The V cache's type, where the engine sets it apart from the K cache (llama.cpp): set to the same type,
    since the memory model counts keys and values in one format."""
    quantized_v_flags: tuple[tuple[str, str], ...] = ()
    """Flags a quantized V cache needs (llama.cpp quantizes V only under flash attention)."""
    library: bool = False
    """A Python library (keyword arguments such as ``device_map``), not a server with flags."""
    model_flag: str = ""
    """How the model is named on the command line: a flag (``--model-path``) or "" for the first argument."""
    gguf_files: bool = False
    """Loads one GGUF file (of every weight format, 16-bit too), never a checkpoint directory."""
    hub_repo_flag: str = ""
    hub_file_flag: str = ""
    """Flags that fetch the model file from a Hugging Face repository (llama.cpp's ``--hf-repo``, which also
    takes ``repo:TYPE`` to pick the file of a GGUF type, and ``--hf-file``)."""
    port_flag: str = ""
    """The server's port flag: replicas sharing a machine each need their own port."""
    quantization_flag: str = ""
    quantization_names: tuple[tuple[str, str], ...] = ()
    """planner's weight format -> the engine's quantization method (a quantized format loads a checkpoint
    quantized that way; fp8 vLLM also quantizes a 16-bit checkpoint at load)."""
    quantization_classes: tuple[tuple[str, str], ...] = ()
    """For a library: planner's weight format -> the class its ``quantization_names`` entry calls, which a
    script that loads the model imports."""
    pipeline_parallel: str = ""
    """Pipeline stages (one per machine where the engine splits a replica that way across machines)."""
    node_count: str = ""
    node_rank: str = ""
    dist_init: str = ""
    """Machines in one replica, this machine's rank and the head's address, for an engine that starts one
    process per machine itself (SGLang); empty where a cluster manager does it (vLLM with Ray)."""
    cluster_flags: tuple[tuple[str, str], ...] = ()
    """Flags added when a replica spans machines (vLLM: the Ray executor)."""
    cluster_setup: tuple[str, ...] = ()
    """What to run on the machines before the command, for a replica over several (one line each)."""
    long_context_env: str = ""
    """The variable without which the engine refuses a length past the model's ``max_position_embeddings``
    (vLLM: "User-specified max_model_len ... is greater than the derived max_model_len")."""


@dataclass(frozen=True, slots=True)
class Engine:
    """One engine's memory behaviour and launch flags.

    ``split``: "layers" (accelerate's device_map, llama.cpp's layer split) or "tensor" (tensor parallel).
    ``latent_mla``: caches MLA's compressed latent instead of decompressed keys and values.
    ``block_tokens``: KV allocation granularity in tokens. ``sliding``: tokens a sliding-window layer holds.
    ``prefill_tokens``: tokens one forward pass processes by default (0: the whole prompt).
    ``fragmentation``: allocator overhead as a share of what the allocator hands out.
    ``weight_formats`` / ``kv_formats``: allow-lists of the formats the engine loads and caches in.
    ``default_for``: "gguf" or "checkpoint": the engine chosen when none is named for such weights.
    ``memory_fractions``: (from this many GPUs, share of each card) the engine reserves at start by
    default (empty: it allocates as it goes); ``fraction_covers``: what must fit inside that share besides
    the KV cache: "activations" (vLLM: weights, the profiled peak and non-torch memory) or "context"
    (SGLang: weights, and the share is of the memory free at start).
    ``compute_buffer``: llama.cpp's ggml compute buffer replaces the PyTorch forward-pass terms.
    ``multi_node``: how one replica spans several machines joined by a fabric: "pipeline" (tensor parallel
    inside a machine, a pipeline stage per machine: vLLM's layout), "tensor" (tensor parallel over every GPU
    of every machine: SGLang's), or "" (one machine per replica).
    ``hardware``: rows narrowing a weight format to the cards the engine has kernels for (``memory.support``:
    vLLM's fp8 from compute capability 7.5 or on MI300-class AMD targets); a format no row names runs on every
    card.
    """

    name: str
    split: str
    latent_mla: bool
    block_tokens: int
    prefill_tokens: int
    fragmentation: float
    trains: bool
    releases: tuple[Release, ...]
    sliding: SlidingRule
    weight_formats: frozenset[str]
    kv_formats: frozenset[str]
    launch: Launch
    aliases: tuple[str, ...] = ()
    default_for: str = ""
    memory_fractions: tuple[tuple[int, float], ...] = ()
    fraction_covers: str = ""
    compute_buffer: bool = False
    source: str = ""
    multi_node: Literal["", "pipeline", "tensor"] = ""
    multi_node_source: str = ""
    hardware: tuple[Needs, ...] = ()

    def stages(self, nodes: int) -> int:
        """Pipeline stages of a replica over ``nodes`` machines (1: the model is split by tensors only)."""
        return nodes if self.multi_node == "pipeline" else 1

    def memory_fraction(self, gpus: int = 1) -> float | None:
        """The default share of each card reserved at ``gpus`` GPUs per replica; None: no reservation."""
        share = None
        for least, value in self.memory_fractions:
            if gpus >= least:
                share = value
        return share

    @property
    def default_release(self) -> Release:
        return self.releases[-1]

    def release(self, version: str | None) -> Release:
        """The release record for ``version`` ("0.11", ">=0.17", "vllm==0.6.5"); None: the newest."""
        if version is None:
            return self.default_release
        for release in self.releases:  # a label an estimate reports back (">=0.17", "0.8-0.16 (V1)")
            if version == release.label:
                return release
        numbers = parse_version(version, self)
        chosen = self.releases[0]
        for release in self.releases:
            if release.since <= numbers:
                chosen = release
        return chosen


_VERSION_RE = re.compile(r"^\s*([a-z][a-z0-9.\-_]*?)?\s*(==|>=|<=|~=|>|<|=)?\s*v?(\d+(?:\.\d+)*)\s*$")


def parse_version(text: str, eng: Engine | None = None) -> tuple[int, ...]:
    """``"vllm>=0.17"`` -> (0, 17). A leading engine name must be ``eng``'s; anything else is refused."""
    if not isinstance(text, str):
        raise ModelError(f"engine_version must be text such as 'vllm>=0.17' or '0.11', got {text!r}")
    match = _VERSION_RE.match(text.lower())
    if not match:
        raise ModelError(f"engine_version {text!r} is not a version such as 'vllm>=0.17' or '0.11'")
    name, op, number = match.groups()
    if name and eng is not None and engine(name) is not eng:
        raise ModelError(f"engine_version {text!r} names another engine than {eng.name}")
    numbers = tuple(int(part) for part in number.split("."))
    if op == "<":  # "<4.45": the release before that number
        return _before(numbers)
    return numbers


def _before(numbers: tuple[int, ...]) -> tuple[int, ...]:
    """The last version below ``numbers`` as far as ``Release.since`` comparisons go."""
    head = list(numbers)
    while head and head[-1] == 0:
        head.pop()
    if not head:
        return (0,)
    head[-1] -= 1
    return (*head, 10**6)


def engine_named_in(version: str) -> str | None:
    """The engine a version text names (``vllm>=0.17`` -> ``vllm``), or None."""
    match = _VERSION_RE.match(version.lower()) if isinstance(version, str) else None
    return match.group(1) if match and match.group(1) else None


_KV_16BIT = frozenset({"fp32", "bf16", "fp16", "16bit"})

_VLLM_LOGS = "vLLM start-up logs on H100 (docs/benchmarks.md, 'vLLM memory profile')"

_QUANTIZATION_METHODS: tuple[tuple[str, str], ...] = (
    ("fp8", "fp8"),
    ("awq-int4", "awq"),
    ("gptq-int4", "gptq"),
    ("gptq-int8", "gptq"),
    ("nf4", "bitsandbytes"),
    ("mxfp4", "mxfp4"),
)
"""planner's weight format -> ``--quantization`` of vLLM and SGLang (the same method names)."""

_TRANSFORMERS_CONFIGS: tuple[tuple[str, str, str], ...] = (
    (
        "nf4",
        "BitsAndBytesConfig",
        "load_in_4bit=True, bnb_4bit_quant_type='nf4', bnb_4bit_use_double_quant=True",
    ),
    ("bnb-fp4", "BitsAndBytesConfig", "load_in_4bit=True, bnb_4bit_quant_type='fp4'"),
    ("int8", "BitsAndBytesConfig", "load_in_8bit=True"),
    ("fp8", "FineGrainedFP8Config", ""),
)
"""planner's weight format -> transformers' ``quantization_config`` class and its arguments (Python), which
quantizes a 16-bit checkpoint as it loads (bitsandbytes' NF4 with double quantization, as the memory model
counts it; FP8 in blocks). AWQ, GPTQ and MXFP4 checkpoints carry their own configuration."""

_TRANSFORMERS_QUANTIZATION = tuple((fmt, f"{cls}({args})") for fmt, cls, args in _TRANSFORMERS_CONFIGS)

ENGINES: dict[str, Engine] = {
    "transformers": Engine(
        "transformers",
        "layers",
        latent_mla=False,
        block_tokens=1,
        prefill_tokens=0,
        fragmentation=0.05,
        trains=True,
        # transformers 4.45 computes logits for the last position only while generating
        # (``num_logits_to_keep``, GenerationMixin); before, for the whole prompt.
        releases=(
            Release((0,), "<4.45", "transformers GenerationMixin before 4.45", GIB // 2, prefill_logits=True),
            Release((4, 45), ">=4.45", "transformers 4.45 num_logits_to_keep", GIB // 2),
        ),
        sliding=keeps_all,
        weight_formats=_CHECKPOINTS,
        hardware=TRANSFORMERS_HARDWARE,
        kv_formats=_KV_16BIT | {"fp8", "int8"},
        launch=Launch(
            "transformers",
            max_len="max_length",
            max_seqs="batch_size",
            library=True,
            quantization_names=_TRANSFORMERS_QUANTIZATION,
            quantization_classes=tuple((fmt, cls) for fmt, cls, _ in _TRANSFORMERS_CONFIGS),
        ),
        aliases=("hf", "hf-transformers"),
        default_for="checkpoint",
        source="PyTorch's CUDA context is 0.3-2 GiB per GPU (0.5 taken); caching allocator 5-10%",
    ),
    "vllm": Engine(
        "vllm",
        "tensor",
        latent_mla=True,
        block_tokens=16,
        prefill_tokens=8192,  # max_num_batched_tokens of the OpenAI server on 70+ GiB cards (arg_utils.py)
        fragmentation=0.02,
        trains=False,
        releases=(
            # V0 engine: the profile run samples max_num_seqs = 256 sequences after the forward pass; the
            # baseline was taken before the CUDA context, so non-torch memory includes it (vLLM PR 10511 log:
            # Llama-3-8B, 71.29 - (14.96 + 1.79 + 1.26) = 53.29 GiB at 0.9 x 79.22).
            Release(
                (0,),
                "0.6 (V0)",
                "vllm-project/vllm PR 10511 (worker.py memory profiling, Dec 2024)",
                context_bytes=0,
                non_torch_bytes=round(1.79 * GIB),
                multi_gpu_non_torch_bytes=round(3.58 * GIB),
                profile_rows="requests",
                logit_bytes=15.0,
                peaks_add=True,
                max_num_seqs=256,
            ),
            # V1 until 0.16: logits for every batched token (about 4.85 bytes each: 8192 x vocab x 4.85 is
            # within 3 % of llm-d's logged peaks for Llama-3.1-8B, Qwen3-0.6B/32B and gpt-oss-20b).
            Release(
                (0, 8),
                "0.8-0.16 (V1)",
                "llm-d/llm-d-benchmark config_explorer/empirical-vllm-memory-results.md",
                context_bytes=round(0.61 * GIB),
                non_torch_bytes=round(0.13 * GIB),
                multi_gpu_context_bytes=round(0.61 * GIB),
                multi_gpu_non_torch_bytes=round(0.55 * GIB),
                profile_rows="tokens",
                logit_bytes=4.85,
                max_num_seqs=1024,
                expert_pad=(256, 1),
            ),
            # 0.17 on: one logits row per dummy request (max_num_seqs = 1024 on 70+ GiB cards); the peak is
            # the larger of the forward pass and the sampler (14.9 bytes per row per vocabulary entry, fitted
            # to Llama-3.1-8B, Qwen2.5-7B/72B, Phi-4 and Gemma-2-9B within 0.1 GiB), plus the hidden states.
            Release(
                (0, 17),
                ">=0.17",
                "jgchn/llm-d-planner accuracy/results/v0.19.0 (vLLM 0.19 logs)",
                context_bytes=round(0.51 * GIB),
                non_torch_bytes=round(0.25 * GIB),
                multi_gpu_context_bytes=round(1.53 * GIB),
                multi_gpu_non_torch_bytes=round(2.1 * GIB),
                profile_rows="requests",
                logit_bytes=14.9,
                max_num_seqs=1024,
                expert_pad=(256, 128),
                holds_hidden=True,
                moe_workspace=True,
            ),
        ),
        sliding=vllm_window,
        weight_formats=_CHECKPOINTS,
        hardware=SERVER_HARDWARE,
        kv_formats=_KV_16BIT | {"fp8"},  # --kv-cache-dtype: auto, fp8 (e4m3/e5m2)
        launch=Launch(
            "vllm serve",
            long_context_env="VLLM_ALLOW_LONG_MAX_MODEL_LEN",
            port_flag="--port",
            quantization_flag="--quantization",
            quantization_names=_QUANTIZATION_METHODS,
            memory_fraction="--gpu-memory-utilization",
            max_len="--max-model-len",
            max_seqs="--max-num-seqs",
            tensor_parallel="--tensor-parallel-size",
            kv_dtype="--kv-cache-dtype",
            kv_dtype_names=(("16bit", "auto"), ("bf16", "auto"), ("fp16", "auto")),
            pipeline_parallel="--pipeline-parallel-size",
            cluster_flags=(("--distributed-executor-backend", "ray"),),
            cluster_setup=(
                "ray start --head --port=6379  # on the first machine",
                "ray start --address=HEAD_IP:6379  # on every other machine of the replica",
                "# then the command below on the first machine only",
            ),
        ),
        memory_fractions=((1, 0.9),),  # EngineArgs.gpu_memory_utilization
        fraction_covers="activations",
        source=_VLLM_LOGS,
        multi_node="pipeline",
        multi_node_source=(
            "docs.vllm.ai serving/distributed_serving: beyond one node, tensor parallel size = GPUs per node "
            "and pipeline parallel size = nodes, on a Ray cluster"
        ),
    ),
    "sglang": Engine(
        "sglang",
        "tensor",
        latent_mla=True,
        block_tokens=1,  # page_size 1 by default (server_args.py)
        prefill_tokens=8192,  # chunked_prefill_size on 80 GB cards (server_args.py)
        fragmentation=0.02,
        trains=False,
        # The KV pool is what mem_fraction_static x total leaves after the weights and what was in use
        # at start (model_runner.profile_max_num_token); activations live outside the fraction.
        releases=(
            Release(
                (0,),
                "any",
                "sgl-project/sglang python/sglang/srt/model_executor/model_runner.py",
                context_bytes=round(0.5 * GIB),
                multi_gpu_context_bytes=round(1.0 * GIB),
                profile_rows="requests",
                logit_bytes=15.0,
                max_num_seqs=1024,
            ),
        ),
        sliding=keeps_all,
        weight_formats=_CHECKPOINTS,
        hardware=SERVER_HARDWARE,  # vLLM's rows: SGLang takes the same --quantization methods
        kv_formats=_KV_16BIT | {"fp8"},  # --kv-cache-dtype: auto, fp8_e5m2, fp8_e4m3
        launch=Launch(
            "python -m sglang.launch_server",
            long_context_env="SGLANG_ALLOW_OVERWRITE_LONGER_CONTEXT_LEN",
            model_flag="--model-path",
            port_flag="--port",
            quantization_flag="--quantization",
            quantization_names=_QUANTIZATION_METHODS,
            memory_fraction="--mem-fraction-static",
            max_len="--context-length",
            max_seqs="--max-running-requests",
            tensor_parallel="--tp",
            kv_dtype="--kv-cache-dtype",
            kv_dtype_names=(("16bit", "auto"), ("bf16", "auto"), ("fp16", "auto"), ("fp8", "fp8_e4m3")),
            node_count="--nnodes",
            node_rank="--node-rank",
            dist_init="--dist-init-addr",
            cluster_setup=(
                "# run the command below on every machine of the replica: --node-rank 0 on the first "
                "(HEAD_IP), 1, 2, ... on the others",
            ),
        ),
        # server_args.py: mem_fraction_static by tensor-parallel size when not given
        memory_fractions=((1, 0.88), (2, 0.87), (4, 0.85), (8, 0.81), (16, 0.79)),
        fraction_covers="context",
        source="sgl-project/sglang server_args.py and model_runner.py",
        multi_node="tensor",
        multi_node_source=(
            "docs.sglang.ai DeepSeek V3/R1 multi-node: --tp 16 --nnodes 2 --node-rank N --dist-init-addr "
            "HEAD_IP:5000 (tensor parallel over both machines)"
        ),
    ),
    "llama.cpp": Engine(
        "llama.cpp",
        "layers",
        latent_mla=True,
        block_tokens=1,
        prefill_tokens=512,  # n_ubatch: tokens per compute graph
        fragmentation=0.0,  # exact ggml buffers, no caching allocator
        trains=False,
        releases=(Release((0,), "any", "ggml-org/llama.cpp", round(0.3 * GIB)),),
        sliding=llama_cpp_window,
        weight_formats=_GGUF | {"fp32", "fp16", "bf16", "mxfp4"},  # GGUF files; gpt-oss ships MXFP4
        kv_formats=_KV_16BIT | {"q8_0", "q4_0"},  # --cache-type-k/-v: f16, q8_0, q4_0, ...
        launch=Launch(
            "llama-server",
            model_flag="-m",
            gguf_files=True,
            # tools/server/README.md: -hf, -hfr, --hf-repo <user>/<model>[:quant]; -hff, --hf-file FILE
            hub_repo_flag="--hf-repo",
            hub_file_flag="--hf-file",
            port_flag="--port",
            max_len="-c",
            max_seqs="-np",
            gpu_layers="-ngl",
            split_mode="--split-mode",
            kv_dtype="--cache-type-k",
            kv_dtype_names=(("16bit", "f16"), ("fp16", "f16"), ("bf16", "bf16"), ("fp32", "f32")),
            kv_dtype_v="--cache-type-v",
            # tools/server/README.md: -fa, --flash-attn [on|off|auto] (default auto, which may leave it off)
            quantized_v_flags=(("--flash-attn", "on"),),
        ),
        aliases=("llamacpp", "llama-cpp", "gguf", "ollama"),
        default_for="gguf",
        compute_buffer=True,
        source="ggml-org/llama.cpp src/llama-context.cpp, src/llama-kv-cache-iswa.cpp",
    ),
}
_ENGINE_ALIASES: dict[str, str] = {alias: e.name for e in ENGINES.values() for alias in e.aliases}

assert all(e.kv_formats <= frozenset(KV_BYTES) for e in ENGINES.values()), "KV allow-lists name known types"


def engine(name: str) -> Engine:
    """Look an engine up by name or alias (case-insensitive); unknown -> ModelError."""
    return by_name(ENGINES, _ENGINE_ALIASES, name, "engine")


SERVING_DEFAULT = "vllm"
"""The engine a speed estimate assumes for checkpoint weights where none is named (``planner perf``)."""


def serving_engine(precision: str) -> str:
    """The engine that serves ``precision`` where none is named: the GGUF runner (llama.cpp) for a GGUF
    format, which no other engine loads, else ``SERVING_DEFAULT``. An unknown precision gets the default,
    and the estimate then names the precision it does not know."""
    try:
        gguf = weight_format(precision).gguf
    except PlannerError:
        return SERVING_DEFAULT
    return default_engine(True).name if gguf else SERVING_DEFAULT


def default_engine(gguf: bool) -> Engine:
    """The engine chosen when none is named: the record whose ``default_for`` matches the weights."""
    wanted = "gguf" if gguf else "checkpoint"
    return next(e for e in ENGINES.values() if e.default_for == wanted)
