"""Measure peak GPU memory and speed of catalog models with random weights, on the GPU this runs on.

planner's memory and speed models are calibrated on published measurements; this script adds our own, taken
under conditions we set and know exactly: models built from the architectures in ``catalogs/models.yaml``
with random weights (no model hub, no download: the memory and the time of a forward pass do not depend on
the weights' values), run by Hugging Face transformers (``generate`` for inference, ``Trainer`` for training)
on one GPU. It writes rows in the formats of ``benchmarks/data/vram_calibration.csv`` and
``benchmarks/data/throughput_calibration.csv``, which ``benchmarks/accuracy.py --csv`` and
``benchmarks/perf_accuracy.py`` then compare with planner's predictions as a check the models were not fitted
on.

It imports neither planner nor anything beyond torch, transformers, peft and PyYAML (and bitsandbytes for
QLoRA cases), so that it runs on a bare GPU machine. ``--tiny --device cpu`` runs every code path on
two-layer models on a CPU (a smoke test; it writes no rows worth keeping).

    python benchmarks/gpu_measure.py --out results/ --budget-s 330
"""

from __future__ import annotations

import argparse
import csv
import gc
import json
import platform
import statistics
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import torch
import transformers
import yaml

ROOT = Path(__file__).resolve().parent.parent
GIB = 2**30
SOURCE = "planner benchmarks/gpu_measure.py (own measurement, random weights)"
# The fields of a catalog entry that are Hugging Face config fields (the rest is planner's bookkeeping).
# rope_scaling is left out: it changes positions, not memory or time.
HF_FIELDS = (
    "hidden_size",
    "num_hidden_layers",
    "num_attention_heads",
    "num_key_value_heads",
    "intermediate_size",
    "vocab_size",
    "tie_word_embeddings",
    "max_position_embeddings",
    "head_dim",
    "moe_intermediate_size",
    "num_experts",
    "num_experts_per_tok",
    "decoder_sparse_step",
)


@dataclass(frozen=True)
class Inference:
    model: str
    batch: int
    input_tokens: int
    output_tokens: int


@dataclass(frozen=True)
class Training:
    model: str
    task: str  # "full_ft", "lora" or "qlora"
    batch: int
    seq_len: int
    gradient_checkpointing: bool


# In the order they run: the time budget stops the list where it runs out, so the cheapest and most
# informative cases come first.
INFERENCE = (
    Inference("qwen2.5-0.5b", 1, 512, 128),
    Inference("qwen2.5-0.5b", 8, 512, 128),
    Inference("qwen2.5-0.5b", 32, 2048, 64),
    Inference("qwen2.5-7b", 1, 512, 128),
    Inference("qwen2.5-7b", 8, 2048, 128),
    Inference("qwen2.5-7b", 32, 2048, 64),
    Inference("llama-3.1-8b", 1, 512, 128),
    Inference("llama-3.1-8b", 16, 1024, 128),
    Inference("llama-3.1-8b", 64, 4096, 32),
    Inference("qwen2.5-14b", 1, 1024, 128),
    Inference("qwen2.5-14b", 16, 1024, 64),
    Inference("qwen3-8b", 1, 512, 128),
    Inference("qwen3-8b", 32, 1024, 64),
    Inference("qwen3-30b-a3b", 1, 512, 64),
    Inference("qwen3-30b-a3b", 16, 1024, 32),
)
TRAINING = (
    Training("qwen2.5-0.5b", "full_ft", 4, 1024, False),
    Training("qwen2.5-0.5b", "full_ft", 8, 2048, True),
    Training("llama-3.2-1b", "full_ft", 4, 2048, True),
    Training("qwen2.5-1.5b", "lora", 4, 2048, True),
    Training("qwen2.5-3b", "full_ft", 2, 2048, True),
    Training("qwen2.5-7b", "lora", 2, 2048, True),
)


def catalog_configs() -> dict[str, dict[str, Any]]:
    raw = yaml.safe_load((ROOT / "catalogs" / "models.yaml").read_text(encoding="utf-8"))
    return {entry["name"]: entry for entry in raw["models"]}


def hf_config(entry: dict[str, Any], tiny: bool) -> transformers.PretrainedConfig:
    fields = {key: entry[key] for key in HF_FIELDS if key in entry}
    if tiny:
        fields.update(hidden_size=64, num_hidden_layers=2, intermediate_size=128, vocab_size=1024)
        fields.update(num_attention_heads=4, num_key_value_heads=2, head_dim=16)
        if "num_experts" in fields:
            fields.update(num_experts=4, num_experts_per_tok=2, moe_intermediate_size=32)
    config = transformers.AutoConfig.for_model(entry["model_type"], **fields)
    config.use_cache = True
    return config


class Device:
    """The few calls that differ between a GPU and the CPU smoke test."""

    def __init__(self, name: str) -> None:
        self.name = name
        self.cuda = name.startswith("cuda")

    def sync(self) -> None:
        if self.cuda:
            torch.cuda.synchronize()

    def reset_peak(self) -> None:
        gc.collect()
        if self.cuda:
            torch.cuda.empty_cache()
            torch.cuda.reset_peak_memory_stats()

    def peak(self) -> tuple[int, int]:
        if not self.cuda:
            return 0, 0
        return torch.cuda.max_memory_allocated(), torch.cuda.max_memory_reserved()

    def used(self) -> int:
        """Device memory in use by every process, as nvidia-smi counts it (CUDA context included)."""
        if not self.cuda:
            return 0
        free, total = torch.cuda.mem_get_info()
        return total - free


def build(entry: dict[str, Any], dtype: torch.dtype, device: Device, tiny: bool) -> Any:
    config = hf_config(entry, tiny)
    torch.manual_seed(0)
    with torch.device(device.name):
        model = transformers.AutoModelForCausalLM.from_config(config, dtype=dtype, attn_implementation="sdpa")
    model.eval()
    model.generation_config.eos_token_id = None
    model.generation_config.pad_token_id = 0
    return model


def build_4bit(
    entry: dict[str, Any], device: Device, tiny: bool, checkpointing: bool
) -> tuple[Any, int, int]:
    """QLoRA's base as its users load it: the random bf16 model saved, then loaded back with bitsandbytes'
    NF4 (double quantization, bf16 compute) and prepared by peft's ``prepare_model_for_kbit_training``
    (which casts the weights it does not quantize to fp32). Loading from disk is the only way transformers
    quantizes a model; the weights' values do not change the memory. Returns the model, the memory in use
    before it was loaded (the baseline the peak is counted from) and its parameters (the packed 4-bit
    tensors count half theirs)."""
    import peft

    model = build(entry, torch.bfloat16, device, tiny)
    params = sum(p.numel() for p in model.parameters())
    with tempfile.TemporaryDirectory() as folder:
        model.save_pretrained(folder)
        del model
        device.reset_peak()
        base = torch.cuda.memory_allocated() if device.cuda else 0
        quantization = transformers.BitsAndBytesConfig(
            load_in_4bit=True,
            bnb_4bit_quant_type="nf4",
            bnb_4bit_use_double_quant=True,
            bnb_4bit_compute_dtype=torch.bfloat16,
        )
        model = transformers.AutoModelForCausalLM.from_pretrained(
            folder,
            quantization_config=quantization,
            dtype=torch.bfloat16,
            device_map={"": device.name},
            attn_implementation="sdpa",
        )
    model = peft.prepare_model_for_kbit_training(
        model,
        use_gradient_checkpointing=checkpointing,
        gradient_checkpointing_kwargs={"use_reentrant": False},
    )
    return model, base, params


def timed(device: Device, work: Callable[[], object]) -> float:
    device.sync()
    start = time.perf_counter()
    work()
    device.sync()
    return time.perf_counter() - start


def generate(model: Any, ids: torch.Tensor, new_tokens: int) -> None:
    with torch.inference_mode():
        model.generate(
            input_ids=ids,
            attention_mask=torch.ones_like(ids),
            max_new_tokens=new_tokens,
            min_new_tokens=new_tokens,
            do_sample=False,
        )


def measure_inference(case: Inference, model: Any, device: Device, vocab: int) -> dict[str, Any]:
    """TTFT is a one-token generate (prefill and the first token's sampling), the median of the runs after
    a first of the same shape;
    decode speed per sequence is the further tokens over the further time of a full generate, so that the
    prefill and the host's set-up cancel; the peak memory is the full generate's."""
    ids = torch.randint(0, vocab, (case.batch, case.input_tokens), device=device.name)
    generate(model, ids[:, :16], 8)  # warm-up: kernels, cuBLAS handles, the allocator's first blocks
    # The first prefill of a new shape grows the allocator's pool and picks kernels (up to four times the
    # later runs' time): it is a warm-up, and TTFT is the median of the runs after it.
    first = timed(device, lambda: generate(model, ids, 1))
    ttfts = [timed(device, lambda: generate(model, ids, 1)) for _ in range(1 if first > 5.0 else 3)]
    device.reset_peak()
    before = device.used()
    total = timed(device, lambda: generate(model, ids, case.output_tokens))
    allocated, reserved = device.peak()
    ttft = statistics.median(ttfts)
    return {
        "ttft_s": ttft,
        "ttft_runs_s": ttfts,
        "ttft_first_run_s": first,
        "generate_s": total,
        "decode_tok_s_per_seq": (case.output_tokens - 1) / max(total - ttft, 1e-9),
        "peak_allocated": allocated,
        "peak_reserved": reserved,
        "used_before": before,
        "used_after": device.used(),
    }


class _Tokens(torch.utils.data.Dataset[dict[str, torch.Tensor]]):
    def __init__(self, rows: int, seq_len: int, vocab: int) -> None:
        generator = torch.Generator().manual_seed(0)
        self.ids = torch.randint(0, vocab, (rows, seq_len), generator=generator)

    def __len__(self) -> int:
        return len(self.ids)

    def __getitem__(self, index: int) -> dict[str, torch.Tensor]:
        ids = self.ids[index]
        return {"input_ids": ids, "labels": ids.clone(), "attention_mask": torch.ones_like(ids)}


def measure_training(
    case: Training, entry: dict[str, Any], device: Device, tiny: bool, optim: str
) -> dict[str, Any]:
    """Three optimizer steps of transformers' Trainer: the peak is reached in the first step that holds
    the optimizer's states (the second), and a third shows it does not grow."""
    dtype = torch.float32 if case.task == "full_ft" else torch.bfloat16
    if case.task == "qlora":
        model, base, params = build_4bit(entry, device, tiny, case.gradient_checkpointing)
    else:
        base = torch.cuda.memory_allocated() if device.cuda else 0  # zero unless an earlier case leaked
        model = build(entry, dtype, device, tiny)
        params = sum(p.numel() for p in model.parameters())
    model.config.use_cache = False
    if case.task in ("lora", "qlora"):
        import peft

        model = peft.get_peft_model(
            model,
            peft.LoraConfig(
                r=16, lora_alpha=32, lora_dropout=0.0, target_modules="all-linear", task_type="CAUSAL_LM"
            ),
        )
    vocab = model.config.vocab_size
    with tempfile.TemporaryDirectory() as out:
        args = transformers.TrainingArguments(
            output_dir=out,
            per_device_train_batch_size=case.batch,
            max_steps=3,
            learning_rate=1e-5,
            bf16=device.cuda,
            use_cpu=not device.cuda,
            gradient_checkpointing=case.gradient_checkpointing,
            gradient_checkpointing_kwargs={"use_reentrant": False},
            **({} if optim == "default" else {"optim": optim}),
            report_to="none",
            save_strategy="no",
            logging_strategy="no",
            dataloader_num_workers=0,
            remove_unused_columns=False,
            disable_tqdm=True,
        )
        trainer = transformers.Trainer(
            model=model, args=args, train_dataset=_Tokens(3 * case.batch, case.seq_len, vocab)
        )
        device.reset_peak()
        seconds = timed(device, trainer.train)
        allocated, reserved = device.peak()
        used = device.used()
        optim = getattr(trainer.args.optim, "value", str(trainer.args.optim))
    trainable = sum(p.numel() for p in model.parameters() if p.requires_grad)
    if case.task == "qlora":
        params += trainable  # as the LoRA rows count them: the adapters' too
    del trainer, model
    device.reset_peak()
    return {
        "train_s": seconds,
        "peak_allocated": allocated - base,
        "base_allocated": base,
        "peak_reserved": reserved,
        "used_after": used,
        "optim": optim,
        "params": params,
        "trainable": trainable,
    }


def ceilings(device: Device) -> dict[str, float]:
    """The card's copy bandwidth and bf16 matrix rate as this machine delivers them: the figures the
    catalog's datasheet values are compared with (each the median of ten after three warm-ups)."""
    if not device.cuda:
        return {}
    size = 4 * GIB
    src = torch.empty(size, dtype=torch.uint8, device=device.name)
    dst = torch.empty_like(src)
    for _ in range(3):
        dst.copy_(src)
    copies = [timed(device, lambda: dst.copy_(src)) for _ in range(10)]
    a = torch.randn(8192, 8192, dtype=torch.bfloat16, device=device.name)
    b = torch.randn_like(a)
    for _ in range(3):
        a @ b
    products = [timed(device, lambda: a @ b) for _ in range(10)]
    return {
        "copy_bytes_per_s": 2 * size / statistics.median(copies),  # read and written
        "bf16_flops_per_s": 2 * 8192**3 / statistics.median(products),
    }


def _cpu_name() -> str:
    """The host processor: transformers' generate() is bound by the host at small batches."""
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor()


def environment(device: Device) -> dict[str, Any]:
    env: dict[str, Any] = {
        "python": platform.python_version(),
        "torch": torch.__version__,
        "transformers": transformers.__version__,
        "cuda": torch.version.cuda,
        "date_utc": time.strftime("%Y-%m-%d %H:%M", time.gmtime()),
        "cpu": _cpu_name(),
    }
    try:
        import peft

        env["peft"] = peft.__version__
    except ImportError:
        env["peft"] = None
    if device.cuda:
        props = torch.cuda.get_device_properties(0)
        env.update(gpu=props.name, gpu_memory=props.total_memory, sms=props.multi_processor_count)
        env["sdpa_flash"] = torch.backends.cuda.flash_sdp_enabled()
        env["driver"] = torch.cuda.driver_version() if hasattr(torch.cuda, "driver_version") else None
        env.update(ceilings(device))
        device.reset_peak()
    return env


def _conditions(env: dict[str, Any]) -> str:
    return (
        f"hw={env.get('gpu', 'cpu')}; sw=torch {env['torch']}, CUDA {env['cuda']}, Transformers "
        f"{env['transformers']}, peft {env['peft']}; random weights from the catalog architecture; "
        f"measured {env['date_utc']} UTC"
    )


def inference_rows(
    case: Inference, result: dict[str, Any], params: int, env: dict[str, Any]
) -> Iterator[list[Any]]:
    common = [
        SOURCE,
        case.model,
        round(params / 1e9, 3),
        "hf-transformers",
        "H200 SXM",
        1,
        "bf16",
        case.batch,
    ]
    notes = (
        f"{_conditions(env)}; generate() greedy with min_new_tokens = max_new_tokens, attention_mask of "
        "ones, attn_implementation=sdpa, default DynamicCache"
    )
    yield [
        *common,
        case.input_tokens,
        1,
        "ttft_ms",
        round(result["ttft_s"] * 1000, 2),
        f"{notes}; TTFT = a one-token generate(), median of {len(result['ttft_runs_s'])} after a first run "
        f"of the same shape ({result['ttft_first_run_s'] * 1000:.1f} ms)",
    ]
    yield [
        *common,
        case.input_tokens,
        case.output_tokens,
        "decode_tok_s_per_seq",
        round(result["decode_tok_s_per_seq"], 2),
        f"{notes}; (output tokens - 1) / (time of a {case.output_tokens}-token generate() - TTFT)",
    ]


def memory_row(
    case: Inference | Training, result: dict[str, Any], params: int, env: dict[str, Any]
) -> list[Any]:
    method = (
        "method=torch.cuda.max_memory_allocated over the run, peak stats reset after the model was built on "
        f"the GPU (reserved {result['peak_reserved'] / GIB:.2f} GiB; device memory in use "
        f"{result['used_after'] / GIB:.2f} GiB as nvidia-smi counts it, CUDA context included); unit=GiB"
    )
    if isinstance(case, Inference):
        return [
            SOURCE,
            case.model,
            round(params / 1e9, 3),
            "hf-transformers",
            "inference",
            "bf16",
            case.batch,
            case.input_tokens,
            case.output_tokens,
            "",
            "",
            "",
            1,
            round(result["peak_allocated"] / GIB, 3),
            f"tier=gold; {_conditions(env)}; {method}; generate() greedy, min_new_tokens = max_new_tokens, "
            "attn_implementation=sdpa (flash kernel), default DynamicCache",
        ]
    recipe = {
        "full_ft": "Trainer, model loaded in fp32, bf16=True (autocast)",
        "lora": "Trainer, model loaded in bf16, bf16=True, PEFT LoRA r=16 alpha=32 target_modules=all-linear",
        "qlora": "Trainer, model loaded by bitsandbytes in NF4 (double quantization, bf16 compute), "
        "peft.prepare_model_for_kbit_training (unquantized weights in fp32), bf16=True, PEFT LoRA r=16 "
        "alpha=32 target_modules=all-linear",
    }[case.task]
    framework = "hf-transformers" if case.task == "full_ft" else "hf-transformers + peft"
    return [
        SOURCE,
        case.model,
        round(params / 1e9, 3),
        framework,
        case.task,
        "nf4" if case.task == "qlora" else "bf16",
        case.batch,
        "",
        "",
        case.seq_len,
        "yes" if case.gradient_checkpointing else "no",
        result["optim"],
        1,
        round(result["peak_allocated"] / GIB, 3),
        f"tier=gold; {_conditions(env)}; {method}; {recipe}; optim={result['optim']}; 3 steps of "
        f"{case.batch} x {case.seq_len} tokens, labels = inputs; gradient checkpointing "
        f"{'non-reentrant' if case.gradient_checkpointing else 'off'}; {result['train_s']:.1f} s for 3 "
        f"steps; recipe: optimizer={result['optim']}",
    ]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--out", type=Path, required=True, help="folder for the CSV rows and the JSON log")
    parser.add_argument("--device", default="cuda")
    parser.add_argument("--budget-s", type=float, default=330, help="start no case after this many seconds")
    parser.add_argument(
        "--tiny", action="store_true", help="two-layer models: a smoke test of the code paths"
    )
    parser.add_argument(
        "--optim",
        default="adamw_torch",
        help="Trainer's optim for training cases ('default': its own default)",
    )
    parser.add_argument("--models", help="comma-separated catalog names: run only their cases")
    parser.add_argument(
        "--inference",
        help="inference cases instead of the built-in list, MODEL:BATCH:INPUT:OUTPUT separated by commas",
    )
    parser.add_argument(
        "--training",
        help="training cases instead of the built-in list, MODEL:TASK:BATCH:SEQ_LEN:CHECKPOINTING (task "
        "full_ft, lora or qlora; checkpointing 0 or 1) separated by commas",
    )
    parser.add_argument("--skip-inference", action="store_true")
    parser.add_argument("--skip-training", action="store_true")
    args = parser.parse_args(argv)
    args.out.mkdir(parents=True, exist_ok=True)
    device = Device(args.device)
    env = environment(device)
    print(json.dumps(env), flush=True)
    configs = catalog_configs()
    chosen = set(args.models.split(",")) if args.models else None
    start = time.perf_counter()
    log: list[dict[str, Any]] = []
    vram: list[list[Any]] = []
    speed: list[list[Any]] = []

    def save() -> None:
        (args.out / "log.json").write_text(json.dumps({"environment": env, "cases": log}, indent=1))
        for name, rows, header in (
            ("vram_gpu.csv", vram, VRAM_HEADER),
            ("throughput_gpu.csv", speed, SPEED_HEADER),
        ):
            with (args.out / name).open("w", newline="") as handle:
                writer = csv.writer(handle)
                writer.writerow(header)
                writer.writerows(rows)

    def wanted(case: Inference | Training) -> bool:
        """A case of a chosen model, started only while the time budget lasts."""
        if chosen is not None and case.model not in chosen:
            return False
        if time.perf_counter() - start > args.budget_s:
            print(f"budget spent: skipped {case}", flush=True)
            return False
        return True

    if not args.skip_inference:
        current: tuple[str, Any] | None = None
        cases = INFERENCE
        if args.inference:
            cases = tuple(
                Inference(name, int(b), int(n), int(m))
                for name, b, n, m in (item.split(":") for item in args.inference.split(","))
            )
        for case in cases:
            if not wanted(case):
                continue
            try:
                if current is None or current[0] != case.model:
                    current = None
                    gc.collect()
                    device.reset_peak()
                    current = (case.model, build(configs[case.model], torch.bfloat16, device, args.tiny))
                params = sum(p.numel() for p in current[1].parameters())
                result = measure_inference(case, current[1], device, current[1].config.vocab_size)
                log.append({"case": case.__dict__, "kind": "inference", "params": params, **result})
                speed.extend(inference_rows(case, result, params, env))
                vram.append(memory_row(case, result, params, env))
                print(f"{time.perf_counter() - start:6.1f} s {case}: {result}", flush=True)
            except Exception as error:  # a failed case must not cost the others' measurements
                log.append({"case": case.__dict__, "kind": "inference", "error": repr(error)})
                print(f"FAILED {case}: {error!r}", flush=True)
                device.reset_peak()
            save()
        current = None
    if not args.skip_training:
        tcases: tuple[Training, ...] = TRAINING
        if args.training:
            tcases = tuple(
                Training(name, task, int(b), int(n), c == "1")
                for name, task, b, n, c in (item.split(":") for item in args.training.split(","))
            )
        for tcase in tcases:
            if not wanted(tcase):
                continue
            try:
                device.reset_peak()
                result = measure_training(tcase, configs[tcase.model], device, args.tiny, args.optim)
                log.append({"case": tcase.__dict__, "kind": "training", **result})
                vram.append(memory_row(tcase, result, result["params"], env))
                print(f"{time.perf_counter() - start:6.1f} s {tcase}: {result}", flush=True)
            except Exception as error:
                log.append({"case": tcase.__dict__, "kind": "training", "error": repr(error)})
                print(f"FAILED {tcase}: {error!r}", flush=True)
                device.reset_peak()
            save()
    save()
    print(f"done in {time.perf_counter() - start:.1f} s", flush=True)
    return 0


VRAM_HEADER = [
    "source",
    "model",
    "params_b",
    "framework",
    "task",
    "weight_precision",
    "batch_size",
    "input_tokens",
    "output_tokens",
    "seq_len",
    "gradient_checkpointing",
    "optimizer",
    "num_gpus",
    "measured_gb",
    "notes",
]
SPEED_HEADER = [
    "source",
    "model",
    "params_b",
    "engine",
    "gpu",
    "num_gpus",
    "precision",
    "batch_or_concurrency",
    "input_tokens",
    "output_tokens",
    "metric",
    "value",
    "notes",
]

if __name__ == "__main__":
    sys.exit(main())
