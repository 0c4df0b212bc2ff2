"""Which weight formats each engine runs on which card, as data: ``Needs`` rows, which each ``Engine`` record
carries in its ``hardware`` field (``planner/memory/engines.py``).

An engine's ``weight_formats`` allow-list says what it loads at all; a ``Needs`` row narrows a format to the
cards whose kernels the engine has for it. A row is an allow-list too: NVIDIA cards from a CUDA compute
capability up, AMD cards whose LLVM target starts with one of the named prefixes (the way vLLM's ROCm
platform matches ``gcnArchName``); a card of another vendor, or one whose ``compute_capability`` the catalog
leaves empty, is refused. A format no row names runs on every card the engine runs on (16-bit weights;
llama.cpp's GGUF files, whose kernels ggml builds for CUDA, ROCm, Vulkan and Metal alike).

KV-cache formats carry no row: vLLM and SGLang keep an fp8 cache on any card (converted to 16 bit for the
attention where the card has no fp8 arithmetic; vLLM's ROCm build emulates it off MI300), and llama.cpp's
q8_0 / q4_0 caches are ggml types on every backend. The sources, with the day they were read, are in
docs/memory-model.md ("Which card runs which format").
"""

from __future__ import annotations

from dataclasses import dataclass

from planner.catalog.schema import GpuSpec

NVIDIA_TURING = (7, 5)
NVIDIA_VOLTA = (7, 0)

_VLLM_TABLE = (
    "docs.vllm.ai/en/latest/features/quantization/ 'Supported Hardware' (Volta = SM 7.0, Turing 7.5, Ampere "
    "8.0/8.6, Ada 8.9, Hopper 9.0), read 2026-12-03"
)
_VLLM_FP8 = (
    "docs.vllm.ai features/quantization/fp8 (FP8 W8A8 on compute capability >= 8.9; weight-only W8A16 "
    "through FP8 Marlin from 7.5) and vllm/platforms/rocm.py RocmPlatform.supports_fp8 (gcnArchName gfx94, "
    "gfx95 or gfx12: MI300/MI325, MI350, RDNA4; not RDNA3 gfx11), read 2026-12-03"
)
_BNB = (
    "huggingface.co/docs/bitsandbytes installation (v0.50): LLM.int8() needs compute capability 7.5, NF4/FP4 "
    "6.0; official AMD ROCm support; read 2026-12-03"
)
_HF_FP8 = (
    "huggingface.co/docs/transformers quantization/finegrained_fp8 (v5.14): 'a GPU with Compute "
    "Capability>=9 (H100)'; no ROCm path named; read 2026-12-03"
)


@dataclass(frozen=True, slots=True)
class Needs:
    """The cards on which an engine runs ``formats``: NVIDIA from ``nvidia_from`` (None: no NVIDIA card),
    AMD on LLVM targets starting with one of ``amd_targets`` (empty: no AMD card). ``how`` says what runs
    there, for messages and the docs."""

    formats: frozenset[str]
    nvidia_from: tuple[int, int] | None
    amd_targets: tuple[str, ...]
    how: str
    source: str

    def allows(self, gpu: GpuSpec) -> bool:
        """Whether ``gpu``'s recorded compute capability (or AMD target) is one this row names."""
        cc = gpu.compute_capability
        if gpu.vendor == "NVIDIA" and self.nvidia_from is not None and cc and not cc.startswith("gfx"):
            major, minor = (int(part) for part in cc.split("."))
            return (major, minor) >= self.nvidia_from
        if gpu.vendor == "AMD" and cc.startswith("gfx"):
            return cc.startswith(self.amd_targets) if self.amd_targets else False
        return False

    def cards(self) -> str:
        """The cards this row allows, in words: 'NVIDIA compute capability >= 7.5 or AMD gfx94x/gfx95x'."""
        parts = []
        if self.nvidia_from is not None:
            parts.append(f"NVIDIA compute capability >= {self.nvidia_from[0]}.{self.nvidia_from[1]}")
        if self.amd_targets:
            parts.append("AMD " + "/".join(f"{t}*" for t in self.amd_targets))
        return " or ".join(parts) or "no GPU"


_FP8 = frozenset({"fp8"})
_GPTQ = frozenset({"gptq-int4", "gptq-int8"})
_AWQ = frozenset({"awq-int4"})
_BITSANDBYTES = frozenset({"nf4", "bnb-fp4", "int8"})
_FP4 = frozenset({"mxfp4", "nvfp4"})
_FP8_AMD = ("gfx94", "gfx95", "gfx12")

# vLLM's rows, which SGLang's record carries too: SGLang takes the same --quantization method names and
# publishes no per-card table of its own (its ROCm images are built for MI300-class cards), an assumption the
# docs state.
SERVER_HARDWARE: tuple[Needs, ...] = (
    Needs(
        _FP8,
        NVIDIA_TURING,
        _FP8_AMD,
        "FP8 W8A8 on Ada, Hopper, Blackwell and MI300+; weight-only FP8 Marlin on Turing and Ampere",
        _VLLM_FP8,
    ),
    Needs(
        _AWQ, NVIDIA_TURING, (), "AWQ kernels from Turing (no Volta, no AMD row in the table)", _VLLM_TABLE
    ),
    Needs(_GPTQ, NVIDIA_VOLTA, (), "GPTQ kernels from Volta (no AMD row in the table)", _VLLM_TABLE),
    Needs(_BITSANDBYTES, NVIDIA_VOLTA, (), "bitsandbytes from Volta (not on AMD in the table)", _VLLM_TABLE),
    Needs(_FP4, (8, 0), (), "FP4 Marlin from Ampere (Turing lacks Marlin MXFP4; no AMD row)", _VLLM_TABLE),
)
TRANSFORMERS_HARDWARE: tuple[Needs, ...] = (
    Needs(_FP8, (9, 0), (), "fine-grained FP8 (W8A8) from Hopper", _HF_FP8),
    Needs(frozenset({"int8"}), NVIDIA_TURING, ("gfx",), "bitsandbytes LLM.int8() from Turing; ROCm", _BNB),
    Needs(frozenset({"nf4", "bnb-fp4"}), (6, 0), ("gfx",), "bitsandbytes NF4/FP4 from Pascal; ROCm", _BNB),
)


def needs(engine: str, fmt: str) -> Needs | None:
    """The row of ``engine``'s record that limits ``fmt`` to some cards; None where it runs on every card."""
    from planner.memory.engines import engine as record

    return next((row for row in record(engine).hardware if fmt in row.formats), None)


def refusal(engine: str, fmt: str, gpu: GpuSpec) -> str | None:
    """None where ``engine`` runs weights in ``fmt`` on ``gpu``; else one line saying why not and where it
    does run, for the option generator's notes and the CLI's exit-2 message."""
    row = needs(engine, fmt)
    if row is None or row.allows(gpu):
        return None
    recorded = gpu.compute_capability or "no compute_capability in the catalog"
    return (
        f"{engine} cannot run precision {fmt} on {gpu.name} ({gpu.architecture}, {recorded}): it needs "
        f"{row.cards()} ({row.how})"
    )


def check_runs(engine: str, precision: str, gpu: GpuSpec) -> None:
    """Refuse, in one line (exit status 2), weights an explicitly named card cannot run under ``engine``:
    ``fit --gpu`` and ``perf`` would otherwise size or time a deployment nobody can start."""
    from planner.errors import ModelError
    from planner.memory.formats import weight_format

    reason = refusal(engine, weight_format(precision).name, gpu)
    if reason is not None:
        raise ModelError(reason)
