"""Plain-text tables for ``planner estimate`` and ``planner fit`` (returned as strings; the CLI prints)."""

from __future__ import annotations

import math

from planner.memory.engines import engine
from planner.memory.estimate import BREAKDOWN_KEYS, MemoryEstimate
from planner.memory.fit import FitResult
from planner.units import GB, GIB

_LABELS: dict[str, str] = {
    "weights": "weights",
    "kv_cache": "KV cache",
    "activations": "activations",
    "gradients": "gradients",
    "optimizer_states": "optimizer states",
    "adapters": "LoRA adapters",
    "cuda_context": "CUDA context",
    "allocator_overhead": "allocator overhead",
}


def _gib(n: float) -> str:
    return f"{n / GIB:10.2f}"


def estimate_table(est: MemoryEstimate) -> str:
    """Breakdown in GiB (2^30 bytes), per GPU and summed, beside the rule of thumb."""
    i = est.inputs
    release = f" {i['engine_version']}" if len(engine(est.engine).releases) > 1 else ""
    head = (
        f"{est.model}: {est.params / 1e9:.2f}B parameters, {i['task']}, {i['precision']}, "
        f"engine {i['engine']}{release}, context {i['context']}, batch {i['batch']}, "
        f"{est.gpus} GPU{'s' if est.gpus > 1 else ''}"
    )
    lines = [head, "", f"{'component':<20}{'per GPU GiB':>12}{'total GiB':>12}"]
    for key in BREAKDOWN_KEYS:
        total = est.breakdown[key]
        if total == 0 and key in ("gradients", "optimizer_states", "adapters"):
            continue
        lines.append(f"{_LABELS[key]:<20}  {_gib(est.per_gpu_breakdown[key])}  {_gib(total)}")
    lines.append(f"{'-' * 44}")
    lines.append(f"{'total':<20}  {_gib(est.per_gpu_bytes)}  {_gib(est.total_bytes)}")
    low, high = est.rule_of_thumb_bytes
    rule = f"{low / GB:.1f} GB" if low == high else f"{low / GB:.1f}-{high / GB:.1f} GB"
    rule_gib = f"{low / GIB:.1f} GiB" if low == high else f"{low / GIB:.1f}-{high / GIB:.1f} GiB"
    lines += [
        "",
        f"rule of thumb: {rule} ({rule_gib}) in total; weights only: {est.weights_only_bytes / GIB:.2f} GiB",
        f"KV cache per token: {est.kv_bytes_per_token / 1024:.1f} KiB (all layers)",
    ]
    if est.trainable_params:
        lines.append(f"trainable parameters: {est.trainable_params / 1e6:.1f}M")
    lines += [f"note: {n}" for n in est.notes]
    return "\n".join(lines)


def split_clause(est: MemoryEstimate) -> str:
    """How a replica over several GPUs is split, as the per-GPU figure assumes it: " (tensor parallel 16 on
    one machine)". The figure depends on the split (``solve`` may spread the same 16 GPUs over two machines
    as tensor parallel 8 x pipeline 2, which holds more per GPU), so the reader is told which; empty on one
    GPU and for training, whose recipe says its own split."""
    if est.gpus <= 1 or est.inputs.get("task", "inference") != "inference":
        return ""
    eng = engine(est.engine)
    nodes = int(est.inputs.get("nodes", 1))
    machines = "one machine" if nodes == 1 else f"{nodes} machines"
    if eng.split != "tensor":
        return f" (layers split over {est.gpus} GPUs on {machines})"
    stages = eng.stages(nodes)
    pipeline = f" x pipeline parallel {stages}" if stages > 1 else ""
    return f" (tensor parallel {est.gpus // stages}{pipeline} on {machines})"


def _usable(r: FitResult) -> str:
    return f"the {r.budget_bytes / GIB:.1f} GiB usable at {r.headroom:.0%} headroom"


def longest_context_text(r: FitResult) -> str:
    """The longest context at the fit's batch and what limits it, or why not one token fits: the words of
    ``planner fit``'s line and of the web page's Memory tab (the page had its own, which drifted)."""
    if r.max_context:
        why = "the model's trained context" if r.context_limit == "model" else "memory"
        return f"{r.max_context:,} tokens (limited by {why})"
    weights = f"{r.weights_bytes / GIB:.2f} GiB per GPU"
    if r.weights_bytes > r.vram_bytes:
        return f"none (the weights alone, {weights}, exceed the card)"
    if r.weights_bytes > r.budget_bytes:
        return (
            f"none within the headroom (the weights, {weights}, fit the card but not {_usable(r)}; lower "
            "--headroom)"
        )
    if r.context_limit == "weights":
        return f"none (the weights, {weights}, with the engine's fixed overheads exceed {_usable(r)})"
    return "none (not one token fits at that batch)"


def largest_batch_text(r: FitResult) -> str:
    """The largest batch at the fit's context, or why not one sequence fits; as ``longest_context_text``, one
    text for the terminal and the page."""
    if not r.max_batch:
        return f"none (one sequence does not fit in {_usable(r)})"
    cap = " (search cap)" if r.batch_limit == "search cap" else ""
    return f"{r.max_batch} {'sequence' if r.max_batch == 1 else 'sequences'}{cap}"


def fit_texts(r: FitResult) -> dict[str, str]:
    """The two lines' figures in words, for ``planner fit --format json`` and the page, which show them as
    the table does."""
    return {"longest_context_text": longest_context_text(r), "largest_batch_text": largest_batch_text(r)}


def card_needed_text(r: FitResult) -> str:
    """What would make a replica fit where no headroom and no GPU count of this card does: a card this large
    (budget = card x (1 - headroom)), rounded up so that the card holds it."""
    least = math.ceil(r.required_bytes / (1 - r.headroom) / GIB * 10) / 10
    return f"it needs a card of {least:.1f} GiB or more at {r.headroom:.0%} headroom"


def fit_table(result: FitResult, card: str) -> str:
    """What fits on one card with headroom, in plain words."""
    r = result
    usable = _usable(r)
    card_gib = f"{r.vram_bytes / GIB:.1f} GiB"
    gpus = f"{r.min_gpus} such GPUs" if r.min_gpus else ""
    if r.fits:
        verdict = "fits"
    elif r.max_headroom is None:
        verdict = f"does NOT fit: more than the card's {card_gib}"
        if gpus:
            verdict += f"; it fits on {gpus} at {r.headroom:.0%} headroom (--gpus {r.min_gpus})"
        else:
            verdict += f"; {card_needed_text(r)}"
    else:
        verdict = (
            f"does NOT fit in {usable}; it fits the card's {card_gib} with --headroom {r.max_headroom:.2f} "
            "or less"
        )
        if gpus:
            verdict += f", or on {gpus} (--gpus {r.min_gpus})"
    lines = [
        f"{r.model} on {card}: {card_gib} per GPU, {r.headroom:.0%} headroom -> "
        f"{r.budget_bytes / GIB:.1f} GiB usable",
        f"at context {r.context:,}, batch {r.batch}: needs {r.required_bytes / GIB:.2f} GiB per GPU"
        f"{split_clause(r.estimate)}, {verdict}",
    ]
    lines += [
        f"longest context at batch {r.batch}: {longest_context_text(r)}",
        f"largest batch at context {r.context:,}: {largest_batch_text(r)}",
    ]
    if r.memory_fraction is not None and r.engine_kv_bytes is not None:
        eng = engine(r.estimate.engine)
        flag = eng.launch.memory_fraction or "memory fraction"
        concurrency = r.engine_max_concurrency or 0.0
        lines.append(
            f"{eng.name} {r.estimate.inputs['engine_version']} at {flag} {r.memory_fraction:g}: "
            f"{r.engine_kv_bytes / GIB:.2f} GiB of KV cache per GPU, {r.vllm_kv_tokens:,} tokens, "
            f"{concurrency:.2f} requests of {r.context:,} tokens at once"
        )
    # As in `planner estimate`: a context past the trained one "fits" in memory but is flagged.
    lines += [f"note: {note}" for note in r.estimate.notes]
    return "\n".join(lines)
