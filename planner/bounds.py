"""The range of every number a user can give planner, in one place: the scenario and catalog schemas, the CLI
option types and the config.json reader all take their bounds from here.

Each bound is far beyond any real hardware or plan, so it never refuses a real input; what it refuses is a
typo or a hostile file (a context of 10^400 tokens ended in an OverflowError, an exchange rate of 1e300
overflowed to infinity inside the cost model). Keeping every input within these ranges keeps every product the
planner forms finite: the largest cost coefficient, a system at ``MAX_PRICE_USD`` converted at
``MAX_USD_TO_CURRENCY`` with energy at ``MAX_POWER_W`` and ``MAX_USD_PER_KWH`` over ``MAX_HORIZON_MONTHS``, is
about 1e19, and the largest memory figure, ``MAX_CONTEXT_TOKENS`` x ``MAX_BATCH`` sequences of the largest
config.json, about 1e40 bytes: far below a float's 1.8e308. docs/limits.md lists them for users.
"""

from __future__ import annotations

MAX_CONTEXT_TOKENS = 2**24
"""Tokens per sequence (16,777,216): the longest trained contexts are 10M tokens."""
MAX_BATCH = 2**20
"""Sequences held at once, or a training micro-batch."""
MAX_GPUS_PER_REPLICA = 4096
"""GPUs serving or training one replica (several nodes over a fabric)."""
MAX_LORA_RANK = 2**16
MAX_REPLICAS = 100_000
MAX_REQUESTS_PER_S = 1e6
"""Peak requests per second of one workload (a rate-stated load): far past any single service's traffic."""
MAX_LATENCY_MS = 3.6e6
"""A latency target (TTFT, TPOT) of at most an hour, in milliseconds."""
MAX_UNITS = 1_000_000
"""Owned machines of one kind, a stock limit, rack units in total."""
MAX_HORIZON_MONTHS = 240
MAX_GROWTH_PER_MONTH = 1.0
"""Demand growth per month, a fraction (1.0 doubles every month); a growth that asks more replicas or
requests/s than the bounds above by some month is refused in one line (``scenario.periods``)."""
MAX_PRICE_USD = 1e9
"""One machine or one card, USD."""
MAX_PRICE_USD_PER_HOUR = 1e6
"""One cloud instance, USD per hour."""
MAX_BUDGET_USD = 1e13
"""A capex or monthly budget, USD: ten times the world's yearly spending on data centres."""
MAX_USD_TO_CURRENCY = 1e7
"""Units of the plan's currency per US dollar (the weakest currencies trade near 1e6 per USD)."""
MAX_USD_PER_KWH = 100.0
"""Electricity, USD per kWh (the dearest retail prices are below 1 USD)."""
MAX_PUE = 10.0
"""Power usage effectiveness (data centres report 1.1-2)."""
MAX_USD_PER_KW_MONTH = 1e5
"""Colocation, USD per kW-month."""
MAX_POWER_W = 1e6
"""Base power of one machine or a card's board power, watts."""
MAX_POWER_KW = 1e7
"""A power limit on the whole fleet, kW (10 GW)."""
MAX_RACK_UNITS_PER_MACHINE = 100
MAX_VCPUS = 100_000
MAX_BANDWIDTH_GB_PER_S = 1e6
MAX_FABRIC_GBPS = 1e6
"""A machine's network between machines, Gbit/s (a petabit: far past any adapter)."""
MAX_TFLOPS = 1e6
MAX_DEVICE_BYTES = 2**50
"""Memory of one GPU (1 PiB); host memory of one machine is bounded by ``planner.units.MAX_BYTES``."""
MAX_CONFIG_COUNT = 2**24
"""Any size in a config.json (hidden size, layers, heads, vocabulary, experts, ranks): the largest real ones
are about 262,144 (a vocabulary)."""
MAX_NOMINAL_BILLIONS = 100_000.0
"""A nominal model size such as ``7b``: 100 trillion parameters."""
MAX_OFFER_WORKLOAD_PAIRS = 20_000_000
"""Offers x workloads a solve takes on: the work and memory of building candidate placements grow with it.
10,000 workloads of the benchmark fleet (four duty cycles) against the built-in catalog are 4.6 million;
1,000 workloads with 1,000 distinct ``hours_per_month`` values 87 million (1.3 GiB and a minute before the
first placement, where they are now refused at once)."""
MAX_RUN_MEMORY_BYTES = 3 * 2**29
"""How much a solve's resident memory may grow, 1.5 GiB (the stages check it with the deadline,
``planner.deadline``): past it planner stops with one line rather than run until the machine kills it. With
what the process holds before the solve (Python, the catalog, the scenario: 0.15-0.35 GiB, 10,000 workloads
included) a ``planner solve`` process stays within 2 GiB."""
MAX_NAME_CHARS = 100
MAX_TEXT_CHARS = 10_000
"""A free-text field (a description, a note, a source), or a path."""
