"""Figures every report shows, derived from a ``Plan`` once so workbook, JSON, terminal and Markdown agree.

Pure functions, no openpyxl: the chosen mix grouped the way a buyer reads it, the plain-language reading, the
buy-versus-rent break-even, per-GPU memory use and where each workload runs.
"""

from __future__ import annotations

import math
from collections import defaultdict
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, replace

from planner.placement.timeshare import peak_over_week
from planner.plan import TERM_MONTHS, Alternative, Plan, PlanUnit, WorkloadSummary
from planner.report.flows import cash_flows
from planner.units import HOURS_PER_MONTH, to_gib

ACTION_BY_PRICING: Mapping[str, str] = {
    "purchase": "Buy",
    "owned": "Use owned",
    "on_demand": "Rent on demand",
    "spot": "Rent spot",
    "reserved_1y": "Reserve 1 year",
    "reserved_3y": "Reserve 3 years",
}
"""What a reader does about each kind of unit, in the order the Summary lists them."""

CATEGORY_LABELS: Mapping[str, str] = {
    "purchase": "Purchases (capex)",
    "residual": "Residual value at the end (credit)",
    "energy": "Electricity",
    "hosting": "Hosting",
    "cloud_on_demand": "Cloud, on demand",
    "cloud_spot": "Cloud, spot",
    "cloud_reserved": "Cloud, reserved",
}

PRICING_PHRASES: Mapping[str, str] = {
    "on_demand": "on demand",
    "spot": "as spot (interruptible)",
    "reserved_1y": "on a 1-year reservation",
    "reserved_3y": "on a 3-year reservation",
}


@dataclass(frozen=True)
class AlternativeWords:
    """How every report names one alternative."""

    label: str
    """Its name in a table (``Rent everything (all cloud)``)."""
    saving_base: str
    """What a saving percentage against it is a share of, named beside it."""
    saving_phrase: str
    """What choosing it means, in the reading's sentence on the saving."""


ALTERNATIVE_WORDS: Mapping[str, AlternativeWords] = {
    "all_cloud": AlternativeWords("Rent everything (all cloud)", "the all-cloud cost", "renting everything"),
    "all_bought": AlternativeWords("Buy everything (all bought)", "the all-bought cost", "buying everything"),
    "best_single_gpu": AlternativeWords(
        "Best single GPU type", "the best single GPU type's cost", "using a single GPU type"
    ),
    "all_bought_up_front": AlternativeWords(
        "Buy everything up front", "the up-front-purchase cost", "buying everything up front"
    ),
    "cheapest_per_workload": AlternativeWords(
        "Cheapest offer per workload, alone",
        "the cost of each workload's cheapest offer alone",
        "picking the cheapest offer for each workload alone",
    ),
}
"""One record per alternative the pipeline solves; the mappings below are its columns."""

ALTERNATIVE_LABELS: Mapping[str, str] = {name: w.label for name, w in ALTERNATIVE_WORDS.items()}
SAVING_BASES: Mapping[str, str] = {name: w.saving_base for name, w in ALTERNATIVE_WORDS.items()}
SAVING_PHRASES: Mapping[str, str] = {name: w.saving_phrase for name, w in ALTERNATIVE_WORDS.items()}

PROVIDER_NAMES: Mapping[str, str] = {
    "aws": "AWS",
    "gcp": "GCP",
    "azure": "Azure",
    "lambda": "Lambda",
    "runpod": "RunPod",
    "oci": "OCI",
    "ibm": "IBM",
    "do": "DigitalOcean",
    "paperspace": "Paperspace",
    "fluidstack": "FluidStack",
    "cudo": "Cudo",
    "vast": "Vast.ai",
    "nebius": "Nebius",
    "scp": "SCP",
    "vsphere": "vSphere",
}
"""Provider ids as their owners write them; an id not listed is shown capitalised."""

GAP_TOLERANCE = 1e-4
"""Relative gaps up to this (the solver's default stopping gap) count as proven optimal in the wording."""


@dataclass(frozen=True)
class MixLine:
    """One line of the chosen mix: ``count`` units of one option under one pricing and duty cycle."""

    action: str
    option: str
    option_name: str
    pricing: str
    kind: str
    gpu: str
    gpus_per_unit: int
    count: int
    hours_per_month: float
    unit_price: float
    capex: float
    per_month: float
    """Running costs (energy, hosting, rent) per month while the line's units are held, all units: the bill
    in a month they are all held. Over periods a unit held only some months is not spread over the horizon;
    ``per_month x months_held`` is the line's running cost over the horizon."""
    cost: float
    workloads: tuple[str, ...]
    months_held: float = 0.0
    """Months each unit is held or rented, on average over the line's units."""
    months: str = ""
    """The months the units are held, ``4-36`` (``22-36, 34-36`` where they differ)."""
    label: str = ""
    """The readable name (``Lambda 1x RTX A6000``), see ``unit_label``."""
    unit_ids: tuple[str, ...] = ()
    """The plan units of this line, in plan order."""
    item: str = ""
    """What the Markdown's and the web page's mix tables name the line: ``label``, and for a cloud line its
    region, and its instance type too where another line of the mix would otherwise read the same ("AWS 1x
    L40S (g6e.xlarge, us-east-1)"); see ``mix_items``."""


@dataclass(frozen=True)
class BreakEven:
    """Buy versus rent: the plan against renting everything (the ``all_cloud`` alternative).

    Renting costs scale with hours used; the plan's purchases and hosting do not, while its electricity and
    its own cloud hours do. With ``u`` the share of the planned hours actually used, renting everything wins
    when ``u * all_cloud < capex + hosting + u * (energy + plan cloud)``, that is below ``utilization``.
    """

    available: bool
    reason: str = ""
    capex: float = 0.0
    plan_per_month: float = 0.0
    rent_per_month: float = 0.0
    saving_per_month: float = 0.0
    months: float | None = None
    """Months until the purchases are paid back by the monthly saving; None if renting is never dearer."""
    utilization: float | None = None
    """Share of the planned hours below which renting everything is cheaper over the horizon."""


@dataclass(frozen=True)
class GpuUse:
    """One GPU of one unit and what is reserved on it."""

    unit: str
    kind: str
    gpu: str
    index: int
    memory_bytes: int
    reserved_bytes: int
    """What its replicas reserve at once in the months of the row."""
    replicas: tuple[str, ...]
    """``workload r<n>`` labels of the replicas on this GPU in the months of the row, each once."""
    start_month: int = 1
    end_month: int | None = None
    """The months the row holds (None: to the horizon's end). Where demand changes over time a GPU has a row
    for each run of periods in which it holds the same replicas: replicas of different periods listed on one
    row read as sharing the card, over-full by their sum."""

    @property
    def free_bytes(self) -> int:
        return self.memory_bytes - self.reserved_bytes

    def months(self, horizon: int) -> str:
        """``4-9``: the months of the row."""
        return f"{self.start_month}-{self.end_month or horizon}"


def _pricing_rank(pricing: str) -> int:
    return list(ACTION_BY_PRICING).index(pricing) if pricing in ACTION_BY_PRICING else len(ACTION_BY_PRICING)


def unit_label(unit: PlanUnit) -> str:
    """A name a reader knows: cloud instances by provider and GPUs ("Lambda 1x RTX A6000"; the instance type
    ``gpu_1x_a6000`` means little outside its provider), bought and owned machines by their catalog name."""
    if unit.kind != "cloud":
        return unit.option_name or unit.option
    provider = PROVIDER_NAMES.get(unit.provider.lower(), unit.provider[:1].upper() + unit.provider[1:])
    return f"{provider} {unit.gpus}x {unit.gpu}".strip()


def workloads_by_unit(plan: Plan) -> dict[str, tuple[str, ...]]:
    """Unit id -> names of the workloads with a replica on it, in plan order, each once."""
    found: dict[str, list[str]] = defaultdict(list)
    for a in plan.assignments:
        for unit in a.machines:
            if a.workload not in found[unit]:
                found[unit].append(a.workload)
    return {unit: tuple(names) for unit, names in found.items()}


def placements(plan: Plan) -> dict[str, tuple[str, ...]]:
    """Workload -> ``r<n>: unit GPU i,j`` per replica, in replica order (``Plan.placements``; replicas r1,
    r2, ... as the Utilization sheet and the memory chart name them); a replica that stays put through
    several periods of demand over time is there once."""
    return {
        w: tuple(dict.fromkeys(f"r{a.replica}: {a.where}" for a in replicas))
        for w, replicas in plan.placements().items()
    }


def chosen_mix(plan: Plan) -> tuple[MixLine, ...]:
    """Units grouped by (option, pricing, hours per month), bought and owned first, then rented."""
    groups: dict[tuple[str, str, float, int], list[PlanUnit]] = defaultdict(list)
    for unit in plan.units:
        groups[(unit.option, unit.pricing, unit.hours_per_month, unit.on_demand_months)].append(unit)
    on_unit = workloads_by_unit(plan)
    horizon = max(plan.horizon_months, 1)
    lines = []
    for (option, pricing, hours, _tail), units in groups.items():
        first = units[0]
        spans = [(u.start_month, u.end_month or horizon) for u in units]
        unit_months = sum(end - start + 1 for start, end in spans)
        running = sum(u.cost - u.capex + u.residual_value for u in units)
        names: list[str] = []
        for unit in units:
            names += [n for n in on_unit.get(unit.id, ()) if n not in names]
        lines.append(
            MixLine(
                action=ACTION_BY_PRICING.get(pricing, pricing) + on_demand_tail(first),
                option=option,
                option_name=first.option_name or option,
                pricing=pricing,
                kind=first.kind,
                gpu=first.gpu,
                gpus_per_unit=first.gpus,
                count=len(units),
                hours_per_month=hours,
                unit_price=first.unit_price,
                capex=sum(u.capex for u in units),
                per_month=running * len(units) / unit_months if unit_months > 0 else 0.0,
                cost=sum(u.cost for u in units),
                workloads=tuple(names),
                months_held=unit_months / len(units),
                months=", ".join(dict.fromkeys(f"{start}-{end}" for start, end in spans)),
                label=unit_label(first),
                unit_ids=tuple(u.id for u in units),
            )
        )
    lines.sort(key=lambda line: (_pricing_rank(line.pricing), -line.cost, line.option))
    items = mix_items(plan, lines)
    return tuple(replace(line, item=item) for line, item in zip(lines, items, strict=True))


def mix_items(plan: Plan, lines: Sequence[MixLine]) -> list[str]:
    """Each line's ``item``: two instance types or two regions of one card read "AWS 1x L40S" alike in the
    mix, so a cloud line adds its region, and its instance type where two lines' options still read the
    same (the readable provider-and-GPU name stays first)."""
    units = {u.id: u for u in plan.units}
    firsts = [
        units.get(line.unit_ids[0]) if line.kind == "cloud" and line.unit_ids else None for line in lines
    ]
    options: dict[tuple[str, str], set[str]] = defaultdict(set)
    for line, unit in zip(lines, firsts, strict=True):
        if unit is not None and unit.region:
            options[(line.label, unit.region)].add(line.option)
    out = []
    for line, unit in zip(lines, firsts, strict=True):
        label = line.label or line.option_name
        if unit is None or not unit.region:
            out.append(label)
        elif len(options[(line.label, unit.region)]) > 1:
            out.append(f"{label} ({_instance_type(unit)}, {unit.region})")
        else:
            out.append(f"{label} ({unit.region})")
    return out


def _instance_type(unit: PlanUnit) -> str:
    """A cloud unit's instance type: the middle of its catalog id ``<provider>:<instance type>:<region>``,
    else its offer name."""
    parts = unit.option.split(":")
    if len(parts) == 3 and parts[0] == unit.provider and parts[2] == unit.region:
        return parts[1]
    return unit.option_name or unit.option


def mix_total_per_month(plan: Plan) -> float:
    """The chosen mix's Total per month: running costs averaged over the horizon (the headline's figure),
    that is the sum of each line's per month x months held, divided by the horizon's months. Over periods
    the lines' own per month (while held) do not add up to it, so the reports say which it is; where every
    unit is held for the whole horizon it is the column's sum."""
    if not plan.periods:
        return sum(line.per_month for line in chosen_mix(plan))
    return plan.opex / max(plan.horizon_months, 1)


@dataclass(frozen=True)
class MixTotal:
    """The chosen mix's Total row, as every report prints it."""

    count: int
    capex: float
    per_month: float
    """``mix_total_per_month``: not the column's sum over periods."""
    cost: float


def mix_total(plan: Plan, lines: tuple[MixLine, ...] | None = None) -> MixTotal:
    """The Total row under ``lines`` (the plan's ``chosen_mix``, passed where the caller has it)."""
    lines = chosen_mix(plan) if lines is None else lines
    return MixTotal(
        count=sum(m.count for m in lines),
        capex=sum(m.capex for m in lines),
        per_month=mix_total_per_month(plan),
        cost=sum(m.cost for m in lines),
    )


def mix_per_month_note(plan: Plan) -> str:
    """The sentence under the chosen mix over periods that says how its per-month figures add up, and one
    for each reservation whose term outlasts the months it is held (``term_notes``); empty where every unit
    is held for the whole horizon and every term ends within it (the column then adds up by itself)."""
    notes = term_notes(plan)
    if plan.periods:
        notes.insert(
            0,
            "Per month: each line's bill in a month all its units are held (Months: when each is); the "
            f"Total's per month is running costs averaged over the {plan.horizon_months} months: each unit's "
            f"bill per month x its months held, summed, divided by {plan.horizon_months}.",
        )
    return " ".join(notes)


def term_notes(plan: Plan) -> list[str]:
    """One sentence per reserved line of the chosen mix whose term is longer than the months its units are
    held: the whole term is paid (a started term is billed in full), so its Per month, the rent spread over
    the months held, is more than the provider's monthly bill. A 3-year reservation in a 12-month plan showed
    10,340 USD a month beside the Cloud sheet's bill of 3,447, with nothing to say why."""
    horizon = max(plan.horizon_months, 1)
    units = {u.id: u for u in plan.units}
    out = []
    for line in chosen_mix(plan):
        term = TERM_MONTHS.get(line.pricing)
        if not term or not line.unit_ids:
            continue
        spans = [
            ((units[i].end_month or horizon) - units[i].start_month + 1, units[i].on_demand_months)
            for i in line.unit_ids
        ]
        held = {h for h, _ in spans}
        paid = {math.ceil((h - t) / term) * term + t for h, t in spans}
        if paid == held:
            continue
        name = f"{line.action}, {line.count} x {line.option_name}"
        if len(held) == 1:
            (months,), (billed,) = held, paid
            bill, whole = money(line.cost / billed, plan.currency), money(line.cost, plan.currency)
            out.append(
                f"{name}: the {term}-month term outlasts the {months} months held and is paid in full, "
                f"{bill} a month for {billed} months ({whole}); Per month spreads that over the {months} "
                "months."
            )
        else:
            out.append(
                f"{name}: {term}-month terms outlast the months held and are paid in full; Per month spreads "
                "each over its months held."
            )
    return out


def on_demand_tail(unit: PlanUnit) -> str:
    """What follows a reserved line's action where its last months are rented on demand (", then 6 months on
    demand"; the Cloud sheet and the JSON's ``on_demand_price`` say at what price); empty where none are."""
    months = unit.on_demand_months
    return f", then {months} month{'s' if months != 1 else ''} on demand" if months else ""


def hours_text(hours: float) -> str:
    """A unit's hours a month as the reports say them ("all day" from a whole month's 730 h)."""
    return "all day" if hours >= HOURS_PER_MONTH else f"{hours:,.0f} h/month"


def money(value: float, currency: str) -> str:
    """Whole currency units with thousands separators, e.g. ``30,606 USD``."""
    return f"{value:,.0f} {currency}"


def best_saving(plan: Plan) -> Alternative | None:
    """The feasible alternative the plan saves most against (the headline)."""
    feasible = [a for a in plan.alternatives if a.total_cost is not None]
    return max(feasible, key=lambda a: (a.total_cost or 0.0, a.name), default=None)


def saving_of(plan: Plan, alternative: Alternative) -> float | None:
    """What the plan saves over ``alternative`` (its own ``saving`` where the optimizer filled it)."""
    if alternative.total_cost is None:
        return None
    return alternative.saving if alternative.saving is not None else alternative.total_cost - plan.total_cost


def saving_share(share: float) -> str:
    """A saving as a share of what it is measured against, in whole percent where that is not 0 %: a real
    saving of 0.47 % printed as "(0%)" read as no saving at all beside its dollars."""
    whole = f"{share:.0%}"
    if whole != "0%" or share <= 0:
        return whole
    return f"{share:.1%}" if share >= 0.0005 else "under 0.1%"


def reading(plan: Plan) -> str:
    """The plan in a sentence or two ("Buy 2 x ... workstation; rent spot A100s 60 h/month for tuning")."""
    parts = []
    for line in chosen_mix(plan):
        what = f"{line.count} x {line.label or line.option_name}"
        if line.kind == "owned":
            # Owned inventory is named "<name> (owned)" by the planner; say it once.
            clause = f"use {what}" if "owned" in line.option_name.lower() else f"use {what} (already owned)"
        elif line.kind == "cloud":
            terms = PRICING_PHRASES.get(line.pricing, line.pricing.replace("_", " "))
            if line.action.endswith(" on demand") and line.pricing in TERM_MONTHS:
                terms += line.action.removeprefix(ACTION_BY_PRICING[line.pricing])
            clause = f"rent {what} {terms}, {hours_text(line.hours_per_month)}"
        else:
            clause = f"buy {what}"
        if line.workloads:
            clause += " for " + ", ".join(line.workloads)
        parts.append(clause)
    text = "; ".join(parts)
    text = (text[:1].upper() + text[1:] + ".") if text else "No hardware is needed."
    text += f" Over {plan.horizon_months} months this costs {money(plan.total_cost, plan.currency)}"
    best = best_saving(plan)
    saving = saving_of(plan, best) if best is not None else None
    if best is not None and best.total_cost and saving is not None and saving > 0:
        phrase = SAVING_PHRASES.get(best.name, f"the {best.name} alternative")
        if any(u.kind == "owned" for u in plan.units) and best.description.startswith("owned hardware"):
            phrase = f"keeping the owned hardware and {phrase.replace('everything', 'the rest')}"
        text += (
            f", {money(saving, plan.currency)} ({saving_share(saving / best.total_cost)}) less than {phrase}."
        )
    else:
        text += "."
    if plan.status != "optimal" or plan.gap > GAP_TOLERANCE:
        text += (
            f" The solver stopped before proving this the cheapest plan: at most {plan.gap:.1%} could "
            f"still be saved (best bound {money(plan.best_bound, plan.currency)})."
        )
    return text


def _cloud_cost(plan: Plan) -> float:
    return sum(u.cost for u in plan.units if u.kind == "cloud")


def break_even(plan: Plan) -> BreakEven:
    """Months until buying pays off against renting everything, and the utilisation at which renting wins."""
    cloud = next((a for a in plan.alternatives if a.name == "all_cloud"), None)
    if cloud is None or cloud.total_cost is None:
        return BreakEven(available=False, reason="no feasible all-cloud alternative to compare with")
    if plan.capex <= 0:
        return BreakEven(available=False, reason="the plan buys nothing, so there is nothing to pay back")
    horizon = max(plan.horizon_months, 1)
    plan_per_month = plan.opex_per_month or plan.opex / horizon
    rent_per_month = cloud.total_cost / horizon
    saving_per_month = rent_per_month - plan_per_month
    months = plan.capex / saving_per_month if saving_per_month > 0 else None
    hosting = sum(u.hosting_cost for u in plan.units)
    energy = sum(u.energy_cost for u in plan.units)
    variable_margin = cloud.total_cost - energy - _cloud_cost(plan)
    fixed = plan.capex - plan.residual_value + hosting
    utilization = fixed / variable_margin if variable_margin > 0 else None
    return BreakEven(
        available=True,
        capex=plan.capex,
        plan_per_month=plan_per_month,
        rent_per_month=rent_per_month,
        saving_per_month=saving_per_month,
        months=months,
        utilization=utilization,
    )


def payback_month(plan: Plan) -> int | None:
    """The first whole month in which the plan has cost no more than renting everything (its discounted
    cumulative spend at or below the all-cloud alternative's: ``CashFlow.payback_month``); None where it
    never does or there is nothing to pay back. The Cash flow sheet finds the same month by formula."""
    be = break_even(plan)
    if not be.available:
        return None
    cloud = cash_flows(plan).get("all_cloud")
    return cloud.payback_month if cloud is not None else None


SIMPLE_PAYBACK_RULE = "purchases over the monthly saving, not discounted"
SIMPLE_PAYBACK = f"simple payback: {SIMPLE_PAYBACK_RULE}"
PAYBACK_COLUMN_NOTE = f"Payback: {SIMPLE_PAYBACK_RULE} (simple payback)."
"""What the payback in months (``BreakEven.months``, ``CashFlow.payback_months``) measures, said beside it in
every report: it counts part months and ignores the discount rate, so it reads earlier than the payback
month (``payback_month``), and a reader who sees 19.9 months in one report and month 22 in another must see
why."""


def payback_month_text(plan: Plan, mark: Callable[[str], str] = str) -> str:
    """The payback month against renting everything said for what it is: a whole month of the cash flow,
    discounted where the scenario discounts (``payback_month``). ``mark`` sets off the figure (Markdown's
    bold); "" where there is nothing to pay back."""
    if not break_even(plan).available:
        return ""
    month = payback_month(plan)
    rate = plan.discount_rate_per_year
    cost = f"the cumulative cost discounted at {rate:.2%} a year" if rate else "the cumulative cost"
    if month is None:
        return f"{cost} stays above renting everything's to the horizon's end (Cash flow sheet)"
    when = mark(f"month {month}")
    return f"{cost} is first at or below renting everything's in {when} (a whole month, Cash flow sheet)"


CENT = 0.01
"""Cumulative sums closer than half a cent count as equal (the sheet's formula uses the same tolerance)."""


def gpu_usage(plan: Plan) -> tuple[GpuUse, ...]:
    """Every GPU of every unit, with the reserved bytes and replicas on it (idle GPUs included).

    Where demand changes over time each period is its own layout (one assignment per period a replica runs
    in): a GPU has a row for each run of consecutive periods, within the months its unit is held, in which it
    holds the same replicas and reserves the same bytes, so that no row lists replicas of different months
    together (a card that holds chat r1 in months 1-6 and rag r1 in months 7-12 read as holding both) and a
    card held for six periods by one replica is one row as full as that replica."""
    if not plan.periods:
        return _gpu_usage_whole(plan)
    held = _held_by_period(plan)
    labels: dict[tuple[str, int, int], list[str]] = defaultdict(list)
    for a in plan.assignments:
        for unit in a.machines:  # a replica over several machines holds the same GPUs on each
            for index in a.gpu_indices:
                label = f"{a.workload} r{a.replica}"
                if label not in labels[(unit, index, a.start_month)]:
                    labels[(unit, index, a.start_month)].append(label)
    horizon = max(plan.horizon_months, 1)
    out: list[GpuUse] = []
    for u in plan.units:
        last = u.end_month or horizon
        periods = [p for p in plan.periods if p.end_month >= u.start_month and p.start_month <= last]
        for i in range(u.gpus):
            rows: list[GpuUse] = []
            for p in periods:
                row = GpuUse(
                    unit=u.id,
                    kind=u.kind,
                    gpu=u.gpu,
                    index=i,
                    memory_bytes=u.gpu_memory_bytes,
                    reserved_bytes=held[(u.id, i)].get(p.start_month, 0),
                    replicas=tuple(labels[(u.id, i, p.start_month)]),
                    start_month=max(p.start_month, u.start_month),
                    end_month=min(p.end_month, last),
                )
                before = rows[-1] if rows else None
                if (
                    before is not None
                    and (before.replicas, before.reserved_bytes) == (row.replicas, row.reserved_bytes)
                    and before.end_month is not None
                    and before.end_month + 1 == row.start_month
                ):
                    rows[-1] = replace(before, end_month=row.end_month)
                else:
                    rows.append(row)
            out += rows
    return tuple(out)


def _gpu_usage_whole(plan: Plan) -> tuple[GpuUse, ...]:
    """One row per GPU: a plan of one period holds the same replicas all along."""
    held = _held_by_period(plan)
    labels: dict[tuple[str, int], list[str]] = defaultdict(list)
    for a in plan.assignments:
        for unit in a.machines:  # a replica over several machines holds the same GPUs on each
            for index in a.gpu_indices:
                label = f"{a.workload} r{a.replica}"
                if label not in labels[(unit, index)]:
                    labels[(unit, index)].append(label)
    return tuple(
        GpuUse(
            unit=u.id,
            kind=u.kind,
            gpu=u.gpu,
            index=i,
            memory_bytes=u.gpu_memory_bytes,
            reserved_bytes=max(held[(u.id, i)].values(), default=0),
            replicas=tuple(labels[(u.id, i)]),
            end_month=plan.horizon_months,
        )
        for u in plan.units
        for i in range(u.gpus)
    )


def _held_by_period(plan: Plan) -> dict[tuple[str, int], dict[int, int]]:
    """(unit, GPU index) -> the first month of each period -> the bytes its replicas reserve at once then:
    their sum, or where workloads take turns (a schedule, an exclusive group) the most in any hour of the
    week, a group by its largest (the verifier's rule; a 24 GiB card holding a 32B coder by day and a 7B
    chat model by night read 117 %)."""
    by_workload: dict[tuple[str, int, int], dict[str, int]] = defaultdict(lambda: defaultdict(int))
    for a in plan.assignments:
        for unit in a.machines:  # every machine of a replica over several (deepseek-r1's second server)
            for index in a.gpu_indices:
                by_workload[(unit, index, a.start_month)][a.workload] += a.reserved_bytes
    workloads = {w.name: w for w in plan.workloads}
    held: dict[tuple[str, int], dict[int, int]] = defaultdict(lambda: defaultdict(int))
    for (unit, index, month), reserved in by_workload.items():
        held[(unit, index)][month] = _at_once(reserved, workloads)
    return held


def _at_once(reserved: Mapping[str, int], workloads: Mapping[str, WorkloadSummary]) -> int:
    mine = [workloads[n] for n in reserved if n in workloads]
    return peak_over_week(
        reserved,
        hours={w.name: frozenset(w.hours_of_week) for w in mine if w.hours_of_week},
        group={w.name: w.exclusive_group for w in mine if w.exclusive_group is not None},
    )


def replica_memory_notes(plan: Plan) -> list[str]:
    """Workloads whose replicas hold different memory per GPU (on different cards or GPU counts), each
    figure with the card it is on: the Workloads table's one figure per workload is its first replica's, and
    a 70B on 2 x B200 (74.49 GiB per GPU) and on one H200 (85.21) read "x 2, 74.49" as if both held 74.49."""
    notes = []
    months = _months_held(plan)
    shown = {w.name: (w.per_gpu_bytes, w.reserved_bytes) for w in plan.workloads}
    for name, held in plan.replica_memory().items():
        if len({(r.per_gpu_bytes, r.reserved_bytes) for r in held}) < 2:
            continue
        seen = dict.fromkeys((r.per_gpu_bytes, r.reserved_bytes, r.gpu, r.gpus) for r in held)
        # The table's own figure first, as the line's "the table shows the first's" says, then the others by
        # size: by size alone a cloud plan listed 17.03 GiB first beside a table showing 14.90.
        table = shown.get(name)
        figures = [
            f"{to_gib(per):.2f} ({to_gib(reserved):.2f} reserved) on {gpu}"
            + (f" x {n}" if n > 1 else "")
            + months.get((name, per, reserved, gpu, n), "")
            for per, reserved, gpu, n in sorted(seen, key=lambda k: ((k[0], k[1]) != table, -k[0], k[2]))
        ]
        notes.append(f"{name}: {'; '.join(figures)}")
    return notes


def _months_held(plan: Plan) -> dict[tuple[str, int, int, str, int], str]:
    """Over demand periods, " (months 4-9)" for a replica figure held only in some months: a replica sized
    for a period's rate holds less in the months that ask less, and two figures on the same card read as two
    replicas without them. Empty for a plan of one period."""
    if not plan.periods:
        return {}
    gpus = {u.id: u.gpu for u in plan.units}
    spans: dict[tuple[str, int, int, str, int], list[int]] = {}
    for name, placed in plan.placements().items():
        for a in placed:
            key = (name, a.per_gpu_bytes, a.reserved_bytes, gpus.get(a.unit, a.unit), len(a.gpu_indices))
            end = a.end_month or plan.horizon_months
            spans.setdefault(key, []).extend(range(a.start_month, end + 1))
    out = {}
    for key, held in spans.items():
        months = sorted(set(held))
        if len(months) == plan.horizon_months:
            continue  # held all along
        runs: list[list[int]] = []
        for m in months:
            if runs and m == runs[-1][1] + 1:
                runs[-1][1] = m
            else:
                runs.append([m, m])
        spans_text = ", ".join(f"{a}-{b}" if a != b else f"{a}" for a, b in runs)
        out[key] = f" (month{'s' if len(months) > 1 else ''} {spans_text})"
    return out


def replica_memory_lines(plan: Plan) -> dict[str, list[str]]:
    """Workload -> a line per figure its replicas hold, naming them ("r2: 12.62 GiB (15.77 reserved) on
    GeForce RTX 4060 Ti 16GB"), for the Workloads sheet beside its first replica's figure; replicas holding
    the same on the same card share a line ("r1, r2: ...")."""
    out: dict[str, list[str]] = {}
    for name, held in plan.replica_memory().items():
        named: dict[tuple[int, int, str, int], list[int]] = {}
        for r in held:
            replicas = named.setdefault((r.per_gpu_bytes, r.reserved_bytes, r.gpu, r.gpus), [])
            if r.replica not in replicas:
                replicas.append(r.replica)
        out[name] = [
            f"{', '.join(f'r{i}' for i in replicas)}: {to_gib(per):.2f} GiB "
            f"({to_gib(reserved):.2f} reserved) on {gpu}" + (f" x {n}" if n > 1 else "")
            for (per, reserved, gpu, n), replicas in named.items()
        ]
    return out


def replica_memory_note(plan: Plan) -> str:
    """The line under the Workloads table where replicas differ (``replica_memory_notes``); empty where
    they do not."""
    if not (differ := replica_memory_notes(plan)):
        return ""
    return f"Replicas differ (GiB per GPU; the table shows the first's): {'; '.join(differ)}."


@dataclass(frozen=True)
class WorkloadGpu:
    """The GPU a workload's first replica runs on, as the memory chart draws it."""

    unit: str
    gpu: str
    """The card's name, shown under the bar."""
    index: int
    memory_bytes: int
    own_reserved_bytes: int
    """Reserved by the replica the bar shows."""
    own_replicas_bytes: int
    """Reserved on the same GPU by the workload's other replicas (small replicas packed together)."""
    others_reserved_bytes: int
    """Reserved on the same GPU by other workloads (co-located workloads)."""
    free_bytes: int


def first_gpu_by_workload(plan: Plan) -> dict[str, WorkloadGpu]:
    """Workload -> the first GPU of its lowest-numbered replica, with what else is reserved there."""
    usage = {(g.unit, g.index): g for g in gpu_usage(plan)}  # its card: the same in every row of a GPU
    held = _held_by_period(plan)
    # Over periods the bar shows the replica's first period: what shares its GPU then, not in other months.
    same: dict[tuple[str, str, int, int], int] = defaultdict(int)
    for a in plan.assignments:
        for index in a.gpu_indices:
            same[(a.workload, a.unit, index, a.start_month)] += a.reserved_bytes
    found: dict[str, WorkloadGpu] = {}
    for workload, replicas in sorted(plan.placements().items()):
        for a in replicas:
            gpu = usage.get((a.unit, a.gpu_indices[0])) if a.gpu_indices else None
            if gpu is None:
                continue
            own_total = same[(a.workload, a.unit, gpu.index, a.start_month)]
            at_once = held[(a.unit, gpu.index)][a.start_month]
            found[workload] = WorkloadGpu(
                unit=gpu.unit,
                gpu=gpu.gpu,
                index=gpu.index,
                memory_bytes=gpu.memory_bytes,
                own_reserved_bytes=a.reserved_bytes,
                own_replicas_bytes=max(own_total - a.reserved_bytes, 0),
                others_reserved_bytes=max(at_once - own_total, 0),
                free_bytes=max(gpu.memory_bytes - at_once, 0),
            )
            break
    return found


def most_held_at_once(plan: Plan, figure: Callable[[PlanUnit], float]) -> float:
    """The most of a local figure (IT power, rack units) the plan's bought and owned units hold in one month.

    Limits hold in every month, and where demand changes over time a unit stands only from its
    ``start_month`` to its ``end_month``: an owned server kept for months 1-3 and a server bought for month 4
    never share the rack. The sum changes only when a unit arrives, so the most is at some unit's first month;
    a plan whose units all stay the whole horizon holds their sum."""
    local = [u for u in plan.units if u.kind != "cloud"]
    last = max(plan.horizon_months, 1)
    return max(
        (
            sum(figure(u) for u in local if u.start_month <= month <= (u.end_month or last))
            for month in {u.start_month for u in local}
        ),
        default=0.0,
    )


def held_whole_horizon(plan: Plan) -> bool:
    """Every bought and owned unit stands from the first month to the last (no demand over time)."""
    last = max(plan.horizon_months, 1)
    return all(u.start_month <= 1 and (u.end_month or last) >= last for u in plan.units if u.kind != "cloud")


@dataclass(frozen=True)
class PeriodLine:
    """One period of a plan whose demand changes over time, as every report states it."""

    months: str
    """``1-6``."""
    buys: str
    """Units bought when the period begins, ``-`` for none."""
    rents: str
    """Cloud units rented for the period, ``-`` for none."""
    up_front: float
    running_per_month: float
    demand: str
    """What runs: ``chat x 2, rag x 1`` (replicas; requests/s served for a rate-stated load)."""


def period_lines(plan: Plan) -> list[PeriodLine]:
    """The plan's periods (``Plan.periods``) in order: what to buy and rent when, and what each costs. A
    period that buys nothing and rents, runs and costs a month what the one before does is read with it."""
    out: list[PeriodLine] = []
    for p in plan.periods:
        months = p.end_month - p.start_month + 1
        runs = [
            f"{name} x {count}"
            + (f" ({p.requests_per_s[name]:.3g} req/s)" if name in p.requests_per_s else "")
            for name, count in p.replicas.items()
        ]
        line = PeriodLine(
            months=f"{p.start_month}-{p.end_month}",
            buys=", ".join(p.bought) or "-",
            rents=", ".join(p.rented) or "-",
            up_front=p.capex,
            running_per_month=p.running / months,
            demand=", ".join(runs) or "nothing",
        )
        before = out[-1] if out else None
        if (
            before is not None
            and not p.bought
            and (before.rents, before.demand) == (line.rents, line.demand)
            and round(before.running_per_month, 2) == round(line.running_per_month, 2)
        ):
            first = before.months.split("-")[0]
            out[-1] = replace(before, months=f"{first}-{p.end_month}")
            continue
        out.append(line)
    return out
