"""The plan's per-workload summaries and its list of assumptions (every figure used, with source and date)."""

from __future__ import annotations

from collections import defaultdict

from planner.assemble.performance import replica_speeds, workload_performance
from planner.assemble.units import Assembled
from planner.ilp.solve import Solution
from planner.placement.candidates import Candidates
from planner.placement.memory import reserved_bytes
from planner.placement.rates import IDLE_SHARE_OF_TDP, IDLE_SOURCE
from planner.plan import Assignment, Assumption, WorkloadSummary
from planner.scenario.schema import Scenario


def workload_summaries(scenario: Scenario, c: Candidates, built: Assembled) -> tuple[WorkloadSummary, ...]:
    first_gpus: dict[str, tuple[int, int]] = {}
    cost: dict[str, float] = defaultdict(float)
    for a in built.assignments:
        first_gpus.setdefault(a.workload, (a.gpu_count, a.nodes))
        cost[a.workload] += a.cost
    out = []
    for w in scenario.workloads:
        k, nodes = first_gpus.get(w.name, (min(c.footprints[w.name], default=1), 1))
        fp = c.footprint(w.name, k, nodes)
        assert fp is not None  # every placed replica's footprint was computed to place it
        speeds = replica_speeds(w, c, built) if w.rate_stated else []
        replicas, context, batch = w.replicas, w.context, w.batch
        first = speeds[0][1] if speeds else None
        if (
            first is not None and first.footprint is not None
        ):  # a rate-stated load: the optimizer's batch, count
            fp, replicas, batch = first.footprint, len(speeds), first.capacity.batch
            context = (w.input_tokens or 0) + (w.output_tokens or 0)
        est = fp.estimate
        if est is not None:
            breakdown = {str(key): int(value) for key, value in est.breakdown.items()}
            params, total = int(est.params), int(est.total_bytes)
            low, high = est.rule_of_thumb_bytes
            thumb = (int(low), int(high))
            engine = str(est.inputs.get("engine") or w.engine or "")  # the engine the model was run for
        else:
            breakdown = {"measured": fp.per_gpu_bytes * k}
            params, total, thumb, engine = 0, fp.per_gpu_bytes * k, (0, 0), w.engine or ""
        h = c.headroom[w.name]
        out.append(
            WorkloadSummary(
                name=w.name,
                model=w.model,
                params=params,
                task=w.task,
                precision=w.precision,
                engine=engine,
                context=context,
                batch=batch,
                replicas=replicas,
                hours_per_month=w.hours_per_month,
                interruptible=w.interruptible,
                gpus_per_replica=k,
                nodes_per_replica=nodes,
                breakdown_bytes=breakdown,
                per_gpu_bytes=fp.per_gpu_bytes,
                total_bytes=total,
                rule_of_thumb_bytes=thumb,
                headroom=h,
                reserved_bytes=reserved_bytes(fp.per_gpu_bytes, h),
                cost=cost[w.name],
                min_replicas=w.min_replicas,
                spread=w.spread_domain or "none",
                domains=_domains(w.spread_domain, [a for a in built.assignments if a.workload == w.name]),
                performance=workload_performance(w, speeds),
                exclusive_group=w.exclusive_group,
                hours_of_week=tuple(sorted(w.schedule.slots())) if w.schedule is not None else (),
            )
        )
    return tuple(out)


def _domains(spread: str | None, placed: list[Assignment]) -> int:
    if spread == "machine":
        return len({a.unit for a in placed})
    if spread == "gpu":
        return len({(a.unit, g) for a in placed for g in a.gpu_indices})
    return 0


def assumptions(
    scenario: Scenario, c: Candidates, built: Assembled, solution: Solution
) -> tuple[Assumption, ...]:
    """Every figure the plan relied on, with its source: rates, policy, solver, workloads, prices, notes."""
    items = _rate_and_policy(scenario, c, solution) + _workload_figures(scenario) + _prices(scenario, built)
    items += [Assumption(category="note", name="co-location", value=note) for note in dict.fromkeys(c.notes)]
    return tuple(items + _fabrics(built))


def _fabrics(built: Assembled) -> list[Assumption]:
    """The fabric of every offer a replica spans machines of, with its source (once per offer)."""
    spanned = {a.unit for a in built.assignments if a.units}
    seen: dict[str, Assumption] = {}
    for u in built.units:
        if u.id in spanned and u.fabric is not None and u.option not in seen:
            speed = f", {u.fabric.gbps_per_node:,.0f} Gbit/s per machine" if u.fabric.gbps_per_node else ""
            seen[u.option] = Assumption(
                category="hardware",
                name=f"fabric of {u.option_name}",
                value=f"{u.fabric.kind}{speed}; one replica spans machines over it (speed not priced)",
                source=u.fabric.source,
            )
    return list(seen.values())


def _texts(*rows: tuple[str, str, str, str]) -> list[Assumption]:
    """Figures given only as text: (category, name, value, source) each."""
    return [
        Assumption(category=cat, name=name, value=value, source=source) for cat, name, value, source in rows
    ]


def _rate_and_policy(scenario: Scenario, c: Candidates, solution: Solution) -> list[Assumption]:
    r = c.rates
    cur = scenario.currency
    fin = scenario.finance
    idle = (
        ", ".join(f"{seg} {share:.0%} of TDP" for seg, share in IDLE_SHARE_OF_TDP.items())
        if r.idle_share_of_tdp is None
        else f"{r.idle_share_of_tdp:.0%} of TDP"
    ) + (" while a machine is on" if r.always_on else " (machines run only while their GPUs work)")
    items = [
        Assumption(
            category="energy",
            name="electricity",
            value=f"{r.usd_per_kwh:.4f} USD/kWh",
            source=r.usd_per_kwh_source,
            as_of=r.usd_per_kwh_as_of,
            key="usd_per_kwh",
            number=r.usd_per_kwh,
            unit="USD/kWh",
        ),
        Assumption(
            category="energy",
            name="PUE",
            value=f"{r.pue:.2f}",
            source=r.pue_source,
            as_of=r.pue_as_of,
            key="pue",
            number=r.pue,
            unit="facility / IT power",
        ),
        Assumption(
            category="energy",
            name="hosting",
            value=f"{scenario.energy.hosting}, "
            f"{r.colocation_usd_per_kw_month:.2f} USD per kW-month of peak IT power",
            source=r.colocation_source,
            as_of=r.colocation_as_of,
            key="colocation_usd_per_kw_month",
            number=r.colocation_usd_per_kw_month,
            unit="USD per kW-month",
        ),
        *_texts(
            (
                "energy",
                "GPU power while busy",
                f"{r.gpu_utilisation:.0%} of TDP",
                "scenario energy.gpu_utilisation (default 70 %)",
            ),
            (
                "energy",
                "base system power",
                "on 730 h per month" if r.always_on else "on only while its GPUs work",
                "scenario energy.always_on (default: always on in colocation, not in an office)",
            ),
            (
                "energy",
                "GPU idle power",
                idle,
                IDLE_SOURCE if r.idle_share_of_tdp is None else "scenario energy.gpu_idle_share_of_tdp",
            ),
            (
                "energy",
                "desk-side machines",
                "desktops and workstations pay no colocation",
                "catalog system_type / custom_offers[].system_type",
            ),
            (
                "cloud",
                "spot overhead",
                f"{r.spot_overhead:.0%} extra hours for interruptible work on spot",
                "scenario hardware.spot_overhead (default 10 %, docs/optimizer.md)",
            ),
            (
                "finance",
                "residual value",
                f"{r.residual_share:.1%} of the purchase price at month {scenario.horizon_months}",
                r.residual_source,
            ),
            (
                "finance",
                "discount rate",
                f"{fin.discount_rate_per_year:.2%} a year"
                + (" (net present value = plain sum)" if fin.discount_rate_per_year == 0 else ""),
                "scenario finance.discount_rate_per_year (default 0)",
            ),
            (
                "finance",
                "alternatives",
                "keep the owned hardware (what to add to it)"
                if fin.alternatives_keep_owned
                else "start from nothing (owned hardware left out)",
                "scenario finance.alternatives_keep_owned (default true)",
            ),
            ("policy", "headroom", f"{scenario.headroom:.0%} of each GPU kept free", "scenario headroom"),
        ),
        Assumption(
            category="policy",
            name="horizon",
            value=f"{scenario.horizon_months} months",
            source="scenario horizon_months",
            key="horizon_months",
            number=scenario.horizon_months,
            unit="months",
        ),
        *_texts(
            (
                "solver",
                "solver",
                f"{solution.solver}, status {solution.status}, "
                f"gap {solution.gap:.4%}, best bound {solution.best_bound:,.2f} {cur}",
                "",
            ),
            (
                "solver",
                "model size",
                f"{len(c.data.patterns)} placements, "
                f"{len(c.data.options)} options, {solution.variables} variables, "
                f"{solution.constraints} constraints",
                "",
            ),
        ),
    ]
    rate_date = scenario.usd_to_currency_as_of
    items.append(
        Assumption(
            category="policy",
            name="exchange rate",
            value=f"1 USD = {r.fx} {cur}",
            source="scenario usd_to_currency",
            as_of=rate_date.isoformat() if rate_date else ("" if cur.upper() == "USD" else "not given"),
            key="usd_to_currency",
            number=r.fx,
            unit=f"{cur} per USD",
        )
    )
    items += _budget_rows(scenario)
    return items


def _workload_figures(scenario: Scenario) -> list[Assumption]:
    """Headroom and measured memory where a workload gives its own."""
    items = []
    for w in scenario.workloads:
        if w.headroom is not None:
            items.append(
                Assumption(
                    category="policy",
                    name=f"headroom of {w.name}",
                    value=f"{w.headroom:.0%}",
                    source="workload headroom",
                )
            )
        if w.measured_bytes is not None:
            items.append(
                Assumption(
                    category="memory",
                    name=f"memory of {w.name}",
                    value=w.memory_per_gpu or "",
                    source="measured figure given in the scenario",
                )
            )
    return items


def _prices(scenario: Scenario, built: Assembled) -> list[Assumption]:
    """The price of every option and pricing the plan uses, once each, with its source and date."""
    cur = scenario.currency
    items = []
    seen: set[tuple[str, str]] = set()
    for u in built.units:
        if (u.option, u.pricing) in seen:
            continue
        seen.add((u.option, u.pricing))
        price = (
            f"{u.unit_price:,.4f} {cur}/hour ({u.pricing})"
            if u.kind == "cloud"
            else f"{u.unit_price:,.2f} {cur} ({u.pricing})"
        )
        items.append(
            Assumption(
                category="price",
                name=u.option_name,
                value=price,
                source=u.price_source,
                as_of=u.price_date.isoformat() if u.price_date else "",
            )
        )
    return items


def _budget_rows(scenario: Scenario) -> list[Assumption]:
    """The budgets and limits the scenario sets, as numbers: reports set each against what the plan uses."""
    rows = [
        ("budget_capex_usd", "capex budget", scenario.budgets.capex_usd, "USD", "budgets.capex_usd"),
        ("budget_monthly_usd", "monthly budget", scenario.budgets.monthly_usd, "USD", "budgets.monthly_usd"),
        ("limit_power_kw", "power limit (IT load)", scenario.limits.it_power_kw, "kW", "limits.it_power_kw"),
        (
            "limit_rack_units",
            "rack space limit",
            scenario.limits.rack_units,
            "rack units",
            "limits.rack_units",
        ),
    ]
    return [
        Assumption(
            category="limit",
            name=name,
            value=f"{bound:,.10g} {unit}",
            source=f"scenario {field}",
            key=key,
            number=float(bound),
            unit=unit,
        )
        for key, name, bound, unit, field in rows
        if bound is not None
    ]
