"""Inference and training engines, as data: how each one splits a model over GPUs and what it adds.

Sources: PyTorch's CUDA context is 0.3-2 GiB per GPU (we take 0.5); vLLM's non-torch memory is 0.13 GiB at
TP=1 and 0.55 GiB at TP=2 (llm-d ``empirical-vllm-memory-results.md``, H100); llama.cpp allocates exact ggml
buffers (no caching allocator); PyTorch's caching allocator fragments 5-10%.
"""

from __future__ import annotations

from dataclasses import dataclass

from planner.memory.lookup import by_name
from planner.units import GIB


@dataclass(frozen=True, slots=True)
class Engine:
    """One engine's memory behaviour.

    ``split``: "layers" (accelerate's device_map, llama.cpp's layer split) or "tensor" (vLLM's TP).
    ``latent_mla``: caches MLA's compressed latent instead of decompressed keys and values.
    ``drops_window``: frees KV blocks that slid out of a sliding-window layer.
    ``block_tokens``: KV allocation granularity in tokens.
    ``prefill_tokens``: tokens one forward pass processes at once by default (0: the whole prompt).
    ``cuda_context_bytes`` / ``multi_gpu_extra_bytes``: per GPU, outside the allocator.
    ``fragmentation``: allocator overhead as a share of what the allocator hands out.
    """

    name: str
    split: str
    latent_mla: bool
    drops_window: bool
    block_tokens: int
    prefill_tokens: int
    cuda_context_bytes: int
    multi_gpu_extra_bytes: int
    fragmentation: float
    trains: bool


ENGINES: dict[str, Engine] = {
    "transformers": Engine(
        "transformers",
        "layers",
        latent_mla=False,
        drops_window=False,
        block_tokens=1,
        prefill_tokens=0,
        cuda_context_bytes=GIB // 2,
        multi_gpu_extra_bytes=0,
        fragmentation=0.05,
        trains=True,
    ),
    # vLLM V1: chunked prefill, max_num_batched_tokens = 8192 (the OpenAI server's default), 16-token blocks.
    "vllm": Engine(
        "vllm",
        "tensor",
        latent_mla=True,
        drops_window=True,
        block_tokens=16,
        prefill_tokens=8192,
        cuda_context_bytes=GIB // 2 + round(0.13 * GIB),
        multi_gpu_extra_bytes=round(0.42 * GIB),
        fragmentation=0.02,
        trains=False,
    ),
    # llama.cpp: n_ubatch = 512 tokens per compute graph; exact buffers, so no fragmentation term.
    "llama.cpp": Engine(
        "llama.cpp",
        "layers",
        latent_mla=True,
        drops_window=True,
        block_tokens=1,
        prefill_tokens=512,
        cuda_context_bytes=round(0.3 * GIB),
        multi_gpu_extra_bytes=0,
        fragmentation=0.0,
        trains=False,
    ),
}
_ENGINE_ALIASES: dict[str, str] = {
    "hf": "transformers",
    "hf-transformers": "transformers",
    "llamacpp": "llama.cpp",
    "llama-cpp": "llama.cpp",
    "gguf": "llama.cpp",
    "ollama": "llama.cpp",
}


def engine(name: str) -> Engine:
    """Look an engine up by name or alias (case-insensitive); unknown -> ModelError."""
    return by_name(ENGINES, _ENGINE_ALIASES, name, "engine")
