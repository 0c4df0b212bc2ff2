"""The solve JSON contract (``planner solve --format json``, ``plan_to_json``): its fields and their types,
stated once for the tests that read it, through the CLI and through the report."""

from __future__ import annotations

CONTRACT = {
    "scenario": str,
    "status": str,
    "currency": str,
    "horizon_months": int,
    "total_cost": float,
    "capex": float,
    "opex": float,
    "best_bound": float,
    "gap": float,
    "units": list,
    "assignments": list,
    "alternatives": list,
}
UNIT = {
    "id": str,
    "option": str,
    "kind": str,
    "pricing": str,
    "gpu": str,
    "gpus": int,
    "gpu_memory_bytes": int,
    "cost": float,
}
ASSIGNMENT = {
    "workload": str,
    "replica": int,
    "unit": str,
    "gpu_indices": list,
    "per_gpu_bytes": int,
    "headroom": float,
    "reserved_bytes": int,
    "cost": float,
}
