"""What a launch loads (stage 5, with the launch settings): the checkpoint that holds the model in the
workload's weight format, as a Hugging Face repository, a GGUF file in one, or a local path.

An engine makes some formats itself as it loads a 16-bit checkpoint (vLLM and SGLang: ``--quantization
fp8``, bitsandbytes) and needs the others quantized ahead of time: AWQ and GPTQ weights come from a checkpoint
quantized so, and llama.cpp loads one GGUF file of the type planned, whatever the format. The catalog names,
per model, the instruction-tuned repository a server runs and the quantized repositories known to be
published; a workload's ``checkpoint`` overrides both. Where none is known the launch names a placeholder
that says what is needed, never a 16-bit repository with a flag the engine fails on.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

from planner.catalog.models import Checkpoint, ModelSpec, find_model, load_model_catalog
from planner.memory.engines import engine
from planner.memory.formats import weight_format
from planner.scenario.schema import Scenario

PREQUANTIZED: dict[str, str] = {
    "awq-int4": "AWQ",
    "gptq-int4": "GPTQ 4-bit",
    "gptq-int8": "GPTQ 8-bit",
    "mxfp4": "MXFP4",
    "nvfp4": "NVFP4",
}
"""Weight formats an engine loads only from a checkpoint quantized so ahead of time (vLLM and SGLang read
the method from its config; transformers likewise), with what the placeholder calls such a checkpoint."""

GGUF_TYPES: dict[str, str] = {"fp32": "F32", "fp16": "F16", "f16": "F16", "bf16": "BF16", "mxfp4": "MXFP4"}
"""llama.cpp's name of a GGUF type where it is not planner's format name in capitals (Q4_K_M)."""


@dataclass(frozen=True, slots=True)
class Weights:
    """What the engine is told to load, and where that came from."""

    model: str
    """A Hugging Face repository id, a local path, or a placeholder in angle brackets."""
    hub_file: str | None = None
    """For an engine that fetches one file from a repository (llama.cpp): the file ("": the engine picks it
    by the ``:TYPE`` that ``model`` ends with); None: ``model`` is loaded as named."""
    source: str = ""
    """``workload`` (its ``checkpoint``), ``catalog`` (with the publisher), ``name`` (as written) or
    ``placeholder``."""
    note: str = ""
    """What to do before the command runs as printed (a placeholder to fill in)."""
    quantized_ahead: bool = False
    """Loaded in a format the engine would otherwise make as it loads (fp8 whose 16-bit weights do not fit
    the GPUs): the engine reads the method from the checkpoint and must not be asked to quantize again."""

    @property
    def known(self) -> bool:
        return self.source != "placeholder"


def gguf_type(precision: str) -> str:
    """The GGUF type llama.cpp names a file of ``precision`` by (``q4_k_m`` -> ``Q4_K_M``)."""
    return GGUF_TYPES.get(precision, precision.upper())


def needed(precision: str, engine_name: str, sixteen_bit_fits: bool = True) -> str | None:
    """The kind of checkpoint ``precision`` under ``engine_name`` must be loaded from ("AWQ", "GGUF Q4_K_M"),
    or None where the engine loads the 16-bit repository (quantizing it itself where the format asks).

    ``sixteen_bit_fits``: whether the model's 16-bit weights fit the replica's GPUs. vLLM and SGLang quantize
    to fp8 after loading the 16-bit weights onto the GPUs, so where those do not fit (Llama-3.1-405B on four
    192 GB cards) the replica needs a checkpoint published in fp8."""
    launch = engine(engine_name).launch
    if launch.gguf_files:
        return f"GGUF {gguf_type(precision)}"
    fmt = weight_format(precision)
    if fmt.name in PREQUANTIZED:
        return PREQUANTIZED[fmt.name]
    if fmt.quantized and fmt.name not in dict(launch.quantization_names):
        # Neither a method the engine applies as it loads nor a 16-bit format: vLLM serves int8 and int4 from
        # a checkpoint quantized ahead of time (compressed-tensors W8A8 or W4A16), reading the method from
        # its config, and a 16-bit repository would load at twice to four times the memory planned.
        return fmt.name.upper()
    if fmt.quantized and not sixteen_bit_fits and not launch.library:
        return fmt.name.upper()
    return None


def weights_to_load(
    model: str,
    precision: str,
    engine_name: str,
    checkpoint: str | None = None,
    specs: tuple[ModelSpec, ...] | None = None,
    sixteen_bit_fits: bool = True,
) -> Weights:
    """What ``engine_name`` loads to serve ``model`` in ``precision``: the workload's ``checkpoint`` where
    given; else the catalog's checkpoint of that format where one must be quantized ahead of time, or a
    placeholder naming it; else the instruction-tuned repository (a server answers chats), else the
    source repository, else the name as written."""
    kind = needed(precision, engine_name, sixteen_bit_fits)
    ahead = kind is not None and needed(precision, engine_name) is None
    files = engine(engine_name).launch.gguf_files
    if checkpoint:
        if files and not _is_path(checkpoint):  # a repository of GGUF files: the engine picks the type
            return Weights(f"{checkpoint}:{gguf_type(precision)}", "", "workload")
        return Weights(checkpoint, None, "workload", quantized_ahead=ahead)
    spec = find_model(load_model_catalog() if specs is None else specs, model)
    name = spec.name if spec is not None else model
    if kind is None:
        repo = (spec.instruct or spec.repo) if spec is not None else None
        return Weights(repo or model, None, "catalog" if repo else "name")
    found = _published(spec, precision, files) if spec is not None else None
    if found is not None:
        return replace(found, quantized_ahead=ahead)
    what = "file" if files else "checkpoint"
    why = (
        f"{engine_name} makes {precision} after loading the 16-bit weights, which do not fit these GPUs; "
        if ahead
        else ""
    )
    return Weights(
        f"<{kind} {what} of {name}>",
        None,
        "placeholder",
        f"{why}no {kind} {what} of {name} is known: set the workload's checkpoint to one (a Hugging Face "
        "repository or a local path) and plan again, or put it in place of the <...> above",
        quantized_ahead=ahead,
    )


def _published(spec: ModelSpec, precision: str, files: bool) -> Weights | None:
    """The catalog's checkpoint of ``spec`` in ``precision`` (a GGUF repository holding that type for an
    engine that loads GGUF files), or None."""
    if files:
        wanted = gguf_type(precision)
        for cp in _of_format(spec, "gguf"):
            if not cp.types or wanted in cp.types:
                if cp.file:
                    return Weights(cp.repo, cp.file.replace("{type}", wanted), f"catalog ({cp.by})")
                return Weights(f"{cp.repo}:{wanted}", "", f"catalog ({cp.by})")
        return None
    listed = _of_format(spec, weight_format(precision).name)
    return Weights(listed[0].repo, None, f"catalog ({listed[0].by})") if listed else None


def _of_format(spec: ModelSpec, fmt: str) -> list[Checkpoint]:
    return [cp for cp in spec.checkpoints if cp.format == fmt]


def _is_path(checkpoint: str) -> bool:
    """A local file or directory rather than a Hugging Face repository id (``owner/name``)."""
    return (
        checkpoint.endswith(".gguf") or checkpoint.startswith(("/", ".", "~")) or checkpoint.count("/") != 1
    )


def checkpoints_of(scenario: Scenario) -> dict[str, str]:
    """Workload name -> the checkpoint it names (``Workload.checkpoint``), for those that name one."""
    return {w.name: w.checkpoint for w in scenario.workloads if w.checkpoint}
