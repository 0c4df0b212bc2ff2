"""Number formats: bits per stored weight, and bytes per KV-cache element.

Tables, not branches. Quantized formats quantize the decoder's linear layers only; embeddings, norms, biases
and routers stay at 16 bit (bitsandbytes, GPTQ and AWQ leave them alone). GGUF quantizes the token embedding
with the rest and stores the output head at Q6_K (Q8_0 files keep it at Q8_0), as llama.cpp's quantize does.
"""

from __future__ import annotations

from dataclasses import dataclass

from planner.memory.lookup import by_name


@dataclass(frozen=True, slots=True)
class WeightFormat:
    """How one weight format stores a model.

    ``linear_bits``: bits per weight of the quantized linear layers, scales and zero points included.
    ``other_bits``: bits of what the format keeps unquantized (embeddings, lm_head, norms, biases).
    ``gguf``: llama.cpp file; the token embedding takes ``linear_bits`` and the output head ``head_bits``.
    ``nominal_bits``: the bits the format is named after, which the rule of thumb uses (0: ``linear_bits``).
    ``experts_only``: on a mixture of experts, only the routed experts are quantized.
    """

    name: str
    linear_bits: float
    other_bits: float
    gguf: bool = False
    head_bits: float = 16.0
    nominal_bits: int = 0
    experts_only: bool = False

    @property
    def rule_bits(self) -> int:
        return self.nominal_bits or round(self.linear_bits)

    @property
    def quantized(self) -> bool:
        return self.linear_bits < 16


# GPTQ/AWQ, group size 128: 4-bit packed weight + one fp16 scale and one packed zero per group of 128:
# 4 + (16 + 4) / 128 = 4.156 bits (8-bit: 8 + (16 + 8) / 128 = 8.19). NF4 with double quantization: 4 + 0.127
# (QLoRA paper, arXiv 2305.14314, section 3); bitsandbytes FP4 without it: 4 + 32/64 = 4.5.
# Microscaling FP4 (E2M1 elements): MXFP4 shares one 8-bit power-of-two scale per block of 32, 4 + 8/32 =
# 4.25 bits (OCP Microscaling Formats spec v1.0; gpt-oss ships its experts so); NVFP4 one FP8 E4M3 scale per
# 16, 4 + 8/16 = 4.5 bits (NVIDIA Blackwell; the per-tensor FP32 scale is negligible).
# GGUF average bits per weight from llama.cpp's block layouts (q8_0: 34 bytes per 32; q4_0: 18 per 32; q6_k:
# 210 bytes per 256 = 6.5625) and, for the mixed k-quant presets, the measured file sizes in
# benchmarks/data/vram_calibration.csv. Q4_K_M: 4.78 bits on the quantized tensors reproduces llama.cpp's
# quantize README for Llama-3.1-8B (4.58 GiB; 4.85 came from a Llama-2 table and was 1.3 % heavy there).
_Q6_K = 6.5625
_FORMATS: tuple[WeightFormat, ...] = (
    WeightFormat("fp32", 32, 32),
    WeightFormat("fp16", 16, 16),
    WeightFormat("bf16", 16, 16),
    WeightFormat("fp8", 8, 16),
    WeightFormat("int8", 8, 16),
    WeightFormat("int4", 4, 16),
    WeightFormat("nf4", 4.127, 16, nominal_bits=4),
    WeightFormat("bnb-fp4", 4.5, 16, nominal_bits=4),
    WeightFormat("mxfp4", 4 + 8 / 32, 16, nominal_bits=4, experts_only=True),
    WeightFormat("nvfp4", 4 + 8 / 16, 16, nominal_bits=4),
    WeightFormat("gptq-int8", 8 + 24 / 128, 16, nominal_bits=8),
    WeightFormat("gptq-int4", 4 + 20 / 128, 16, nominal_bits=4),
    WeightFormat("awq-int4", 4 + 20 / 128, 16, nominal_bits=4),
    WeightFormat("q8_0", 8.5, 8.5, gguf=True, head_bits=8.5, nominal_bits=8),
    WeightFormat("q6_k", _Q6_K, _Q6_K, gguf=True, head_bits=_Q6_K, nominal_bits=6),
    WeightFormat("q5_k_m", 5.69, 5.69, gguf=True, head_bits=_Q6_K, nominal_bits=5),
    WeightFormat("q4_k_m", 4.78, 4.78, gguf=True, head_bits=_Q6_K, nominal_bits=4),
    WeightFormat("q4_0", 4.5, 4.5, gguf=True, head_bits=_Q6_K, nominal_bits=4),
    WeightFormat("q3_k_m", 3.91, 3.91, gguf=True, head_bits=_Q6_K, nominal_bits=3),
    WeightFormat("q2_k", 3.35, 3.35, gguf=True, head_bits=_Q6_K, nominal_bits=2),
    WeightFormat("f16", 16, 16, gguf=True, head_bits=16),
)
WEIGHT_FORMATS: dict[str, WeightFormat] = {f.name: f for f in _FORMATS}

# Other spellings people (and the calibration set) use for the same formats.
_FORMAT_ALIASES: dict[str, str] = {
    "float32": "fp32",
    "float16": "fp16",
    "half": "fp16",
    "bfloat16": "bf16",
    "int8-gptq": "gptq-int8",
    "int4-gptq": "gptq-int4",
    "int4-awq": "awq-int4",
    "awq": "awq-int4",
    "gptq": "gptq-int4",
    "int8-bnb": "int8",
    "bnb-int8": "int8",
    "llm.int8": "int8",
    "int4-bnb-fp4": "bnb-fp4",
    "fp4": "bnb-fp4",
    "bnb-nf4": "nf4",
    "q4_k": "q4_k_m",
    "q5_k": "q5_k_m",
    "q3_k": "q3_k_m",
}

# Bytes per cached key/value element. llama.cpp q8_0: 34 bytes per block of 32; q4_0: 18 per 32.
KV_BYTES: dict[str, float] = {
    "fp32": 4.0,
    "bf16": 2.0,
    "fp16": 2.0,
    "16bit": 2.0,
    "fp8": 1.0,
    "int8": 1.0,
    "q8_0": 34 / 32,
    "q4_0": 18 / 32,
}
_KV_ALIASES: dict[str, str] = {
    "float16": "fp16",
    "bfloat16": "bf16",
    "fp8_e4m3": "fp8",
    "fp8_e5m2": "fp8",
    "f16": "fp16",
    "auto": "16bit",
}


def weight_format(name: str) -> WeightFormat:
    """Look a weight format up by name or alias (case-insensitive); unknown -> ModelError."""
    return by_name(WEIGHT_FORMATS, _FORMAT_ALIASES, name, "precision")


def kv_name(name: str) -> str:
    """The KV-cache precision's table name (``fp8_e4m3`` -> ``fp8``)."""
    key = name.strip().lower()
    return _KV_ALIASES.get(key, key)


def kv_bytes_per_element(name: str | None, weights: WeightFormat) -> float:
    """Bytes per KV element. ``None`` means the engine default: 16 bit (fp32 models cache in fp32)."""
    if name is None:
        return 4.0 if weights.name == "fp32" else 2.0
    return by_name(KV_BYTES, _KV_ALIASES, name, "KV-cache precision")
