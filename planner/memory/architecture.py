"""Architecture: the ``config.json`` fields that memory depends on, and exact parameter counts.

Counting follows the modules transformers builds for each ``model_type`` (LlamaForCausalLM, Qwen2, Qwen3,
Gemma 2/3, Mixtral, Qwen2-MoE/Qwen3-MoE, DeepSeek V2/V3 with MLA, Phi-3, GLM), checked in tests against the
exact counts of ``sum(p.numel() for p in model.parameters())``
(tests/fixtures/model_configs/param_counts.json).
"""

from __future__ import annotations

import functools
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from planner.bounds import MAX_CONFIG_COUNT, MAX_NOMINAL_BILLIONS
from planner.errors import ModelError, one_line, quote


@dataclass(frozen=True, slots=True)
class Architecture:
    """A decoder-only transformer, as memory sees it. Counts are plain integers; sizes are in elements."""

    name: str
    model_type: str
    hidden_size: int
    num_layers: int
    num_heads: int
    num_kv_heads: int
    head_dim: int
    intermediate_size: int
    vocab_size: int
    tie_word_embeddings: bool = False
    max_position_embeddings: int = 4096
    gated_mlp: bool = True
    qkv_bias: bool = False
    o_bias: bool = False
    qk_norm: bool = False
    norms_per_layer: int = 2
    # Mixture of experts (0 experts: dense).
    num_experts: int = 0
    num_experts_per_tok: int = 0
    moe_intermediate_size: int = 0
    num_shared_experts: int = 0
    shared_expert_intermediate_size: int = 0
    first_k_dense: int = 0
    moe_layer_step: int = 1
    router_bias: bool = False  # a learned router bias counted as a parameter (DeepSeek V3's is a buffer)
    # Multi-head latent attention (DeepSeek V2/V3): kv_lora_rank > 0.
    q_lora_rank: int = 0
    kv_lora_rank: int = 0
    qk_nope_head_dim: int = 0
    qk_rope_head_dim: int = 0
    v_head_dim: int = 0
    # Sliding-window attention: the window and how many layers use it.
    sliding_window: int = 0
    sliding_layers: int = 0
    # A nominal size ("7b") keeps its round count for the rule of thumb, which people apply to 7e9.
    nominal_params: int = 0
    # Learned absolute position embeddings (GPT-2, OPT): rows of hidden_size each; 0 for rotary or ALiBi.
    position_rows: int = 0
    # The weight format a user's config.json says its checkpoint holds (``quantization_config``), as a
    # precision name (``awq-int4``) or the config's own words; "" where it says none. Only noted: the estimate
    # sizes the precision asked for.
    checkpoint_format: str = ""

    @property
    def is_moe(self) -> bool:
        return self.num_experts > 0

    @property
    def is_mla(self) -> bool:
        return self.kv_lora_rank > 0

    @property
    def moe_layers(self) -> int:
        if not self.is_moe:
            return 0
        return sum(
            1
            for i in range(self.first_k_dense, self.num_layers)
            if (i - self.first_k_dense) % self.moe_layer_step == 0
        )


@dataclass(frozen=True, slots=True)
class ParamCounts:
    """Parameters split by how formats store them: quantizable linear weights vs what stays at 16 bit."""

    embedding: int
    lm_head: int
    linear: int
    other: int
    largest_layer: int
    layer_linear: int
    expert_linear: int = 0
    """Of ``linear``, the routed experts' weights (what gpt-oss stores in MXFP4)."""

    @property
    def total(self) -> int:
        return self.embedding + self.lm_head + self.linear + self.other


def _attention_params(a: Architecture) -> tuple[int, int]:
    """(linear weights, biases + norms) of one attention block."""
    h = a.hidden_size
    if a.is_mla:
        qk_head = a.qk_nope_head_dim + a.qk_rope_head_dim
        linear = 0
        other = a.kv_lora_rank  # kv_a_layernorm
        if a.q_lora_rank:
            linear += h * a.q_lora_rank + a.q_lora_rank * a.num_heads * qk_head
            other += a.q_lora_rank  # q_a_layernorm
        else:
            linear += h * a.num_heads * qk_head
        linear += h * (a.kv_lora_rank + a.qk_rope_head_dim)
        linear += a.kv_lora_rank * a.num_heads * (a.qk_nope_head_dim + a.v_head_dim)
        linear += a.num_heads * a.v_head_dim * h
        return linear, other
    q = a.num_heads * a.head_dim
    kv = a.num_kv_heads * a.head_dim
    linear = h * (q + 2 * kv) + q * h
    other = (q + 2 * kv if a.qkv_bias else 0) + (h if a.o_bias else 0) + (2 * a.head_dim if a.qk_norm else 0)
    return linear, other


def _mlp_params(a: Architecture, moe: bool) -> tuple[int, int]:
    """(linear weights, router and gate parameters) of one feed-forward block."""
    h = a.hidden_size
    matrices = 3 if a.gated_mlp else 2
    if not moe:
        return matrices * h * a.intermediate_size, 0
    linear = a.num_experts * matrices * h * a.moe_intermediate_size
    other = h * a.num_experts + (a.num_experts if a.router_bias else 0)
    if a.num_shared_experts:
        linear += matrices * h * a.moe_intermediate_size * a.num_shared_experts
    if a.shared_expert_intermediate_size:
        linear += matrices * h * a.shared_expert_intermediate_size
        other += h  # Qwen2-MoE shared_expert_gate
    return linear, other


@functools.lru_cache(maxsize=512)
def count_parameters(a: Architecture) -> ParamCounts:
    """Exact parameter counts, split by storage class."""
    h = a.hidden_size
    attn_linear, attn_other = _attention_params(a)
    dense_linear, dense_other = _mlp_params(a, moe=False)
    moe_linear, moe_other = _mlp_params(a, moe=True) if a.is_moe else (0, 0)
    n_moe = a.moe_layers
    n_dense = a.num_layers - n_moe
    norms = a.norms_per_layer * h
    linear = a.num_layers * attn_linear + n_dense * dense_linear + n_moe * moe_linear
    other = a.num_layers * (attn_other + norms) + n_dense * dense_other + n_moe * moe_other + h
    other += a.position_rows * h
    embedding = a.vocab_size * h
    lm_head = 0 if a.tie_word_embeddings else a.vocab_size * h
    layer_linear = attn_linear + (moe_linear if n_moe else dense_linear)
    largest = layer_linear + attn_other + norms + (moe_other if n_moe else dense_other)
    experts = n_moe * a.num_experts * (3 if a.gated_mlp else 2) * h * a.moe_intermediate_size
    return ParamCounts(embedding, lm_head, linear, other, max(largest, embedding), layer_linear, experts)


# --- from a config.json -------------------------------------------------------------------------------------

# Families whose module layout differs from Llama's, as data: extra keyword defaults per model_type.
# ``tie_word_embeddings`` is the default of the family's transformers config class, which applies where a
# config.json leaves the key out (Gemma 2's own does: its lm_head is the embedding, 0.92B of 9.24B).
_FAMILY_DEFAULTS: dict[str, dict[str, Any]] = {
    "qwen2": {"qkv_bias": True},
    "qwen2_moe": {"qkv_bias": True},
    "qwen3": {"qk_norm": True},
    "qwen3_moe": {"qk_norm": True},
    "gemma": {"tie_word_embeddings": True},
    "gemma2": {"norms_per_layer": 4, "tie_word_embeddings": True},
    "gemma3_text": {"norms_per_layer": 4, "qk_norm": True, "tie_word_embeddings": True},
    "glm": {"qkv_bias": True},
    "glm4": {"qkv_bias": True, "norms_per_layer": 4},
    "gpt_bigcode": {"gated_mlp": False, "qkv_bias": True, "o_bias": True, "tie_word_embeddings": True},
    "gpt2": {"gated_mlp": False, "qkv_bias": True, "o_bias": True, "tie_word_embeddings": True},
    "gpt_oss": {"qkv_bias": True, "o_bias": True, "router_bias": True},
    # Two-matrix MLPs (up, down), not Llama's gated three: counted as gated, Pythia came out 31 % heavy.
    "gpt_neox": {"gated_mlp": False, "qkv_bias": True, "o_bias": True},
    "phi": {"gated_mlp": False, "qkv_bias": True, "o_bias": True},
    "starcoder2": {"gated_mlp": False, "qkv_bias": True, "o_bias": True, "tie_word_embeddings": True},
    "falcon": {"gated_mlp": False, "tie_word_embeddings": True},
    "gptj": {"gated_mlp": False},
    "opt": {"gated_mlp": False, "qkv_bias": True, "o_bias": True, "tie_word_embeddings": True},
    "bloom": {"gated_mlp": False, "qkv_bias": True, "o_bias": True, "tie_word_embeddings": True},
    "mpt": {"gated_mlp": False, "tie_word_embeddings": True},
    "phi3small": {"tie_word_embeddings": True},
}
# Families whose count is checked against published totals; any other model_type is counted as a
# Llama-shaped decoder, and the estimate says so.
KNOWN_MODEL_TYPES: frozenset[str] = frozenset(
    {
        "llama",
        "mistral",
        "mixtral",
        "phi3",
        "deepseek_v2",
        "deepseek_v3",
        "cohere",
        "internlm2",
        "baichuan",
        "olmo",
    }
    | set(_FAMILY_DEFAULTS)
)
# GPT-2-style (and Bloom, OPT, MPT, Falcon) spellings of the standard fields.
_FIELD_ALIASES: dict[str, str] = {
    "n_embd": "hidden_size",
    "n_embed": "hidden_size",
    "d_model": "hidden_size",
    "n_layer": "num_hidden_layers",
    "n_layers": "num_hidden_layers",
    "num_layers": "num_hidden_layers",
    "n_head": "num_attention_heads",
    "n_heads": "num_attention_heads",
    "num_kv_heads": "num_key_value_heads",
    "n_positions": "max_position_embeddings",
    "seq_length": "max_position_embeddings",
    "max_seq_len": "max_position_embeddings",
    "ffn_hidden_size": "intermediate_size",
    "ffn_dim": "intermediate_size",
    "n_inner": "intermediate_size",
    "multi_query_group_num": "num_key_value_heads",
    "padded_vocab_size": "vocab_size",
}
# Configs that leave the MLP width null or out (``n_inner``, ``ffn_hidden_size``): transformers then builds
# 4 x hidden (MPT: ``expansion_ratio`` x hidden, 4 by default).
_MLP_TIMES_HIDDEN: dict[str, int] = {
    "gpt2": 4,
    "gpt_bigcode": 4,
    "falcon": 4,
    "gptj": 4,
    "bloom": 4,
    "mpt": 4,
}
# Older names of a family (remote-code configs from before transformers took the model in).
_MODEL_TYPE_ALIASES: dict[str, str] = {"chatglm": "glm", "RefinedWebModel": "falcon", "RefinedWeb": "falcon"}
# Families with learned absolute positions: rows beyond max_position_embeddings (OPT offsets by 2).
_LEARNED_POSITIONS: dict[str, int] = {"gpt2": 0, "gpt_bigcode": 0, "opt": 2}
# Fields a family's config.json may leave out, with its transformers config class's defaults: the text
# part of Gemma 3 4B-27B's config names only what differs from Gemma3TextConfig.
_CONFIG_DEFAULTS: dict[str, dict[str, Any]] = {
    "gemma3_text": {
        "num_attention_heads": 8,
        "num_key_value_heads": 4,
        "head_dim": 256,
        "vocab_size": 262208,
    },
}
REQUIRED_FIELDS: tuple[str, ...] = (
    "hidden_size",
    "num_hidden_layers",
    "num_attention_heads",
    "intermediate_size",
    "vocab_size",
)
FAMILY_FIELDS: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("kv_lora_rank", ("qk_nope_head_dim", "qk_rope_head_dim", "v_head_dim")),
)
"""Fields a family needs once its marker field is set: multi-head latent attention (``kv_lora_rank``) is sized
by its head dimensions; transformers' DeepseekV3Config defaults them, but a config that names the rank and
leaves them out is not one transformers wrote."""


def _sliding_layers(cfg: Mapping[str, Any], model_type: str, num_layers: int) -> tuple[int, int]:
    """(window, layers using it). Gemma 2 alternates local/global; Gemma 3 has 5 local per global."""
    window = cfg.get("sliding_window")
    if not window or cfg.get("use_sliding_window") is False:
        return 0, 0
    layer_types = cfg.get("layer_types")
    if isinstance(layer_types, (list, tuple)) and layer_types:
        return int(window), sum(1 for t in layer_types if t == "sliding_attention")
    if model_type == "gemma2":
        return int(window), (num_layers + 1) // 2
    pattern = cfg.get("sliding_window_pattern")
    if isinstance(pattern, int) and pattern > 1:
        return int(window), num_layers - num_layers // pattern
    if model_type == "gemma3_text":
        return int(window), num_layers - num_layers // 6
    return int(window), num_layers


def from_config(config: Mapping[str, Any], name: str, where: str = "config") -> Architecture:
    """Build an Architecture from a Hugging Face config dict. Missing fields -> ModelError naming them."""
    cfg: dict[str, Any] = dict(config)
    if isinstance(cfg.get("text_config"), Mapping):  # multimodal wrappers (Gemma 3 4B-27B): the text model
        text = dict(cfg["text_config"])
        text.setdefault(
            "model_type", "gemma3_text" if cfg.get("model_type") == "gemma3" else cfg.get("model_type")
        )
        cfg = text
    for alias, field in _FIELD_ALIASES.items():
        if alias in cfg and field not in cfg:
            cfg[field] = cfg[alias]
    model_type = str(cfg.get("model_type") or "unknown")
    model_type = _MODEL_TYPE_ALIASES.get(model_type, model_type)
    for field, value in _CONFIG_DEFAULTS.get(model_type, {}).items():
        if cfg.get(field) is None:
            cfg[field] = value
    hidden = cfg.get("hidden_size")
    if model_type in _MLP_TIMES_HIDDEN and not cfg.get("intermediate_size") and isinstance(hidden, int):
        ratio = cfg.get("expansion_ratio") if model_type == "mpt" else None
        times = (
            ratio if isinstance(ratio, int) and not isinstance(ratio, bool) else _MLP_TIMES_HIDDEN[model_type]
        )
        cfg["intermediate_size"] = times * hidden
    # Sizes first: a field present as 0 or "" is out of range, not missing (``num_attention_heads: 0`` read
    # "missing num_attention_heads").
    _check_counts(cfg, where)
    is_moe = any(cfg.get(k) for k in ("num_local_experts", "num_experts", "n_routed_experts"))
    required = [f for f in REQUIRED_FIELDS if f != "intermediate_size" or not is_moe]
    missing = [f for f in required if not cfg.get(f)]
    if missing:
        raise ModelError(f"{where}: missing {', '.join(missing)} (needed to size model {quote(name)})")
    for marker, fields in FAMILY_FIELDS:
        if cfg.get(marker) and (missing := [f for f in fields if cfg.get(f) is None]):
            raise ModelError(f"{where}: missing {', '.join(missing)} (needed with {marker})")
    try:
        return _build(cfg, name, model_type, is_moe)
    except KeyError as error:  # a field _build reads that no check above asked for
        raise ModelError(f"{where}: missing {error.args[0]} (needed to size model {quote(name)})") from None
    except (TypeError, ValueError, OverflowError) as error:
        raise ModelError(f"{where}: malformed architecture field ({error})") from None


_COUNT_FIELDS = (
    "hidden_size",
    "num_hidden_layers",
    "num_attention_heads",
    "num_key_value_heads",
    "head_dim",
    "intermediate_size",
    "vocab_size",
    "moe_intermediate_size",
    "num_local_experts",
    "num_experts",
    "n_routed_experts",
    "num_experts_per_tok",
    "sliding_window",
    "max_position_embeddings",
    "q_lora_rank",
    "kv_lora_rank",
    "qk_nope_head_dim",
    "qk_rope_head_dim",
    "v_head_dim",
    "n_shared_experts",
    "shared_expert_intermediate_size",
    "first_k_dense_replace",
    "decoder_sparse_step",
    "moe_layer_freq",
    "expansion_ratio",
)
_MAY_BE_ZERO = frozenset(
    {
        "intermediate_size",  # MoE configs may give no dense MLP width
        "sliding_window",  # a window of 0 or false is none
        "q_lora_rank",
        "n_shared_experts",
        "shared_expert_intermediate_size",
        "first_k_dense_replace",
    }
)


def _check_counts(cfg: Mapping[str, Any], where: str) -> None:
    """Sizes are whole numbers from 1 to ``MAX_CONFIG_COUNT`` (a negative hidden size gave negative memory
    that "fits"; a vocabulary of 10^400 overflowed a float)."""
    for field in _COUNT_FIELDS:
        value = cfg.get(field)
        if value is None or (field in _MAY_BE_ZERO and value in (0, False)):
            continue
        whole = isinstance(value, int) or (isinstance(value, float) and value.is_integer())
        if isinstance(value, bool) or not whole or value < 1:
            raise ModelError(f"{where}: {field} must be a whole number >= 1, got {quote(value)}")
        if value > MAX_CONFIG_COUNT:
            raise ModelError(f"{where}: {field} must be at most {MAX_CONFIG_COUNT:,}, got {quote(value)}")
    heads, kv = cfg.get("num_attention_heads"), cfg.get("num_key_value_heads")
    if isinstance(kv, int) and isinstance(heads, int) and (kv > heads or heads % kv):
        raise ModelError(f"{where}: num_key_value_heads {kv} must divide num_attention_heads {heads}")
    hidden = cfg.get("hidden_size")
    if cfg.get("head_dim") is None and isinstance(hidden, int) and isinstance(heads, int) and hidden % heads:
        raise ModelError(f"{where}: hidden_size {hidden} is not a multiple of num_attention_heads {heads}")
    experts = next(
        (cfg[k] for k in ("num_local_experts", "num_experts", "n_routed_experts") if cfg.get(k)), 0
    )
    per_token = cfg.get("num_experts_per_tok")
    if isinstance(experts, int) and experts and isinstance(per_token, int) and per_token > experts:
        raise ModelError(f"{where}: num_experts_per_tok {per_token} exceeds the {experts} experts")
    dense, layers = cfg.get("first_k_dense_replace"), cfg.get("num_hidden_layers")
    if isinstance(dense, int) and isinstance(layers, int) and dense > layers:
        # More dense layers than layers left no MoE layer while the config says MoE: a typo, not a model.
        raise ModelError(f"{where}: first_k_dense_replace {dense} exceeds the {layers} layers")


def _build(cfg: dict[str, Any], name: str, model_type: str, is_moe: bool) -> Architecture:
    h = int(cfg["hidden_size"])
    layers = int(cfg["num_hidden_layers"])
    heads = int(cfg["num_attention_heads"])
    multi_query = cfg.get("multi_query") and not cfg.get("new_decoder_architecture")  # Falcon 40B/180B: GQA
    kv_heads = 1 if multi_query else int(cfg.get("num_key_value_heads") or heads)
    head_dim = int(cfg.get("head_dim") or h // heads)
    extra: dict[str, Any] = dict(_FAMILY_DEFAULTS.get(model_type, {}))
    if "tie_word_embeddings" in cfg:
        extra["tie_word_embeddings"] = bool(cfg["tie_word_embeddings"])
    if "attention_bias" in cfg:
        extra["qkv_bias"] = bool(cfg["attention_bias"])
        if model_type not in ("glm", "glm4"):
            extra["o_bias"] = bool(cfg["attention_bias"])
    if cfg.get("add_qkv_bias"):
        extra["qkv_bias"] = True
    if is_moe:
        experts = int(
            cfg.get("num_local_experts") or cfg.get("num_experts") or cfg.get("n_routed_experts") or 0
        )
        moe_size = int(cfg.get("moe_intermediate_size") or cfg.get("intermediate_size") or 0)
        step = int(cfg.get("decoder_sparse_step") or cfg.get("moe_layer_freq") or 1)
        extra.update(
            num_experts=experts,
            num_experts_per_tok=int(cfg.get("num_experts_per_tok") or 2),
            moe_intermediate_size=moe_size,
            num_shared_experts=int(cfg.get("n_shared_experts") or 0),
            shared_expert_intermediate_size=int(cfg.get("shared_expert_intermediate_size") or 0),
            first_k_dense=int(cfg.get("first_k_dense_replace") or 0),
            moe_layer_step=step,
        )
    if cfg.get("kv_lora_rank"):
        extra.update(
            q_lora_rank=int(cfg.get("q_lora_rank") or 0),
            kv_lora_rank=int(cfg["kv_lora_rank"]),
            qk_nope_head_dim=int(cfg["qk_nope_head_dim"]),
            qk_rope_head_dim=int(cfg["qk_rope_head_dim"]),
            v_head_dim=int(cfg["v_head_dim"]),
        )
        head_dim = int(cfg["qk_nope_head_dim"]) + int(cfg["qk_rope_head_dim"])
    window, sliding = _sliding_layers(cfg, model_type, layers)
    max_pos = int(cfg.get("max_position_embeddings") or 4096)
    if model_type in _LEARNED_POSITIONS:
        extra["position_rows"] = max_pos + _LEARNED_POSITIONS[model_type]
    return Architecture(
        name=name,
        model_type=model_type,
        hidden_size=h,
        num_layers=layers,
        num_heads=heads,
        num_kv_heads=kv_heads,
        head_dim=head_dim,
        intermediate_size=int(cfg.get("intermediate_size") or 0),
        vocab_size=int(cfg["vocab_size"]),
        max_position_embeddings=max_pos,
        sliding_window=window,
        sliding_layers=sliding,
        **extra,
    )


def checkpoint_format(config: Mapping[str, Any]) -> str:
    """The weight format a Hugging Face ``quantization_config`` names: a planner precision where one matches
    (AWQ and GPTQ by their bits, fp8, mxfp4, bitsandbytes 4- and 8-bit), else the method and bits as written;
    "" for no quantization_config."""
    quant = config.get("quantization_config")
    if not isinstance(quant, Mapping):
        text = config.get("text_config")
        quant = text.get("quantization_config") if isinstance(text, Mapping) else None
    if not isinstance(quant, Mapping):
        return ""
    method = str(quant.get("quant_method") or "").strip().lower()
    bits = quant.get("bits")
    if method == "bitsandbytes":
        if quant.get("load_in_4bit"):
            return "nf4" if str(quant.get("bnb_4bit_quant_type", "nf4")).lower() == "nf4" else "bnb-fp4"
        return "int8" if quant.get("load_in_8bit") else "bitsandbytes"
    known = {("awq", 4): "awq-int4", ("gptq", 4): "gptq-int4", ("gptq", 8): "gptq-int8"}
    if isinstance(bits, int) and (method, bits) in known:
        return known[(method, bits)]
    if method in ("fp8", "mxfp4"):
        return method
    return one_line(f"{method or 'unknown'}{f' {bits}-bit' if isinstance(bits, int) else ''}")[:40]


# --- nominal sizes ------------------------------------------------------------------------------------------

# Llama proportions (Llama 2 7B/13B/70B and Llama 3): head_dim 128, MLP ~ 8/3 h rounded to 256, GQA with 8 KV
# heads from 30B up, vocabulary 32000. Each size is (hidden, layers); the count then lands near the nominal.
_NOMINAL_SHAPES: tuple[tuple[float, int, int], ...] = (
    (0.5, 1024, 24),
    (1.0, 2048, 16),
    (3.0, 3072, 26),
    (7.0, 4096, 32),
    (13.0, 5120, 40),
    (34.0, 8192, 48),
    (70.0, 8192, 80),
    (180.0, 12288, 96),
    (400.0, 16384, 126),
)


MIN_NOMINAL_B = 0.1
"""Smallest nominal size in billions: the generic shape (768 wide, 12 layers, 32,000 tokens) cannot shrink
below about 0.08B."""


def nominal_architecture(billions: float) -> Architecture:
    """A generic dense Llama-like decoder of about ``billions`` parameters.

    The shape is taken from the nearest Llama-style size at or above, then the MLP width is solved so that
    the total matches the nominal count to within 0.5%.
    """
    if not 0 < billions <= MAX_NOMINAL_BILLIONS:  # inf too: "1000...0b" with 400 digits
        raise ModelError(
            f"nominal size must be positive and at most {MAX_NOMINAL_BILLIONS:,.0f}b, got {billions:g}b"
        )
    if billions < MIN_NOMINAL_B:
        # Its vocabulary and twelve layers alone hold 78M parameters: "7m" came out as 0.08B.
        raise ModelError(
            f"nominal size {billions:g}b is below the smallest generic decoder ({MIN_NOMINAL_B:g}b); "
            "pass the model's config.json"
        )
    shape = next((s for s in _NOMINAL_SHAPES if s[0] >= billions * 0.999), _NOMINAL_SHAPES[-1])
    _, h, layers = shape
    if billions < 0.3:
        h, layers = 768, 12
    heads = max(h // 128, 1) if h >= 1024 else h // 64
    head_dim = h // heads
    kv_heads = 8 if billions >= 30 else heads
    vocab = 32000
    target = billions * 1e9
    fixed = (
        2 * vocab * h + h + layers * (2 * h + h * (heads + 2 * kv_heads) * head_dim + heads * head_dim * h)
    )
    inter = max(int((target - fixed) / (3 * h * layers)), 64)
    label = f"{billions:g}b"
    return Architecture(
        name=f"generic-{label}",
        model_type="llama",
        hidden_size=h,
        num_layers=layers,
        num_heads=heads,
        num_kv_heads=kv_heads,
        head_dim=head_dim,
        intermediate_size=inter,
        vocab_size=vocab,
        max_position_embeddings=131072 if billions >= 1 else 32768,
        nominal_params=round(target),
    )
