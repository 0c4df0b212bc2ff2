"""planner compare: a change's cost line by line, against figures worked out by hand from the README."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from planner import __version__
from planner.catalog.schema import Catalog
from planner.cli import main
from planner.errors import PlannerError
from planner.explore.compare import compare_plans, scenario_changes
from planner.explore.sides import read_plan_json
from planner.pipeline import solve
from planner.plan import Plan
from planner.report.json import plan_to_json
from planner.scenario.load import load_scenario
from planner.scenario.schema import Scenario

STARTUP = Path(__file__).resolve().parents[2] / "scenarios" / "startup.yaml"
KWH_PER_HORIZON = (
    (
        (150 + 0.7 * 350) * 730 * 36  # RTX 3090 desktop: base, its card busy all month (a chat replica)
        + (150 + 0.7 * 300) * 730 * 36  # RTX A6000 desktop: embeddings 730 h, coding within them
        + (150 + 0.7 * 165) * 730 * 36  # RTX 4060 Ti 16GB desktop: base, its card busy all month
    )
    / 1000
    * 1.56
)
"""README, reading the startup plan: the three desktops' electricity, kWh over 36 months times the PUE
((10,380.60 + 9,460.80 + 6,977.34) kWh x 1.56 x 0.127 USD/kWh = 5,313.35 USD)."""


def _variant(tmp_path: Path, old: str, new: str, name: str = "new.yaml") -> Path:
    text = STARTUP.read_text(encoding="utf-8")
    assert old in text
    path = tmp_path / name
    path.write_text(text.replace(old, new, 1), encoding="utf-8")
    return path


def test_dearer_electricity_costs_the_desktop_kwh_times_the_difference(
    tmp_path: Path, startup_plan: Plan
) -> None:
    # A small rise keeps the mix: the plan is cheaper than the next by more than the desktops' extra kWh cost
    new_path = _variant(tmp_path, "region: us-commercial", "usd_per_kwh: 0.13")
    new = solve(load_scenario(new_path))
    c = compare_plans(startup_plan, new)
    expected = KWH_PER_HORIZON * (0.13 - 0.127)  # 126.37 USD
    assert c.total.delta == pytest.approx(expected, abs=1.0)
    assert c.total.text("USD") == f"+{expected:,.0f} USD (+{100 * expected / startup_plan.total_cost:.1f} %)"
    electricity = next(line for line in c.costs if line.key == "energy")
    assert electricity.delta == pytest.approx(expected, abs=1.0)
    assert next(line for line in c.costs if line.key == "capex").text("USD") == "no change"
    assert c.mix == () and c.moves == ()
    assert [(s.name, s.old, s.new) for s in c.settings] == [
        ("electricity", "0.1270 USD/kWh", "0.1300 USD/kWh")
    ]


def _short_without_resale(tmp_path: Path) -> Path:
    """Three months, bought hardware worth nothing at the end: renting everything wins."""
    path = _variant(tmp_path, "horizon_months: 36", "horizon_months: 3")
    path.write_text(path.read_text(encoding="utf-8") + "finance:\n  resale_share: 0\n", encoding="utf-8")
    return path


def test_a_short_horizon_removes_the_desktop_and_moves_its_workloads(
    tmp_path: Path, startup_plan: Plan
) -> None:
    new = solve(load_scenario(_short_without_resale(tmp_path)))
    c = compare_plans(startup_plan, new)
    removed = sorted((m.option_name, m.old_count, m.new_count) for m in c.mix if m.new_count < m.old_count)
    assert removed == [
        ("Desktop, 1x RTX 3090", 1, 0),
        ("Desktop, 1x RTX 4060 Ti 16GB", 1, 0),
        ("Desktop, 1x RTX A6000", 1, 0),
    ]
    a6000 = next(m for m in c.mix if m.option_name == "Desktop, 1x RTX A6000")
    # README: the desktop's unit total, purchase less residual value (6,150 x 24 / 60) plus electricity
    # (9,460.80 kWh x 1.56 x 0.127 USD/kWh)
    assert a6000.old_cost == pytest.approx(6_150 - 2_460 + 1_874.37, abs=0.01)
    # the two spot jobs (evaluation, QLoRA) stay on spot; every bought workload moves
    assert {m.workload for m in c.moves} == {"chat-assistant", "coding-assistant", "rag-embeddings"}
    assert ("horizon", "36 months", "3 months") in [(s.name, s.old, s.new) for s in c.settings]
    capex = next(line for line in c.costs if line.key == "capex")
    # 1,999 + 2,999 + 6,150 (chassis 1,500 each; cards 499, 1,499 and 4,650)
    assert (capex.old, capex.new, capex.text("USD")) == (11_148, 0, "-11,148 USD (-100.0 %)")


def test_a_credit_that_grows_reads_as_a_fall_in_cost_in_both_figures(
    startup_plan: Plan, tmp_path: Path
) -> None:
    """Three months instead of 36: the residual value (a credit, negative in the cost lines) grows from
    40 % to 95 % of the 11,148 USD of purchases, -4,459.20 -> -10,590.60. The change is -6,131 USD and its
    share of the old figure's size -137.5 %; it once read "(+137.5 %)" beside a minus, dividing by the
    signed figure."""
    new = solve(load_scenario(_variant(tmp_path, "horizon_months: 36", "horizon_months: 3")))
    residual = next(line for line in compare_plans(startup_plan, new).costs if line.key == "residual")
    assert (residual.old, residual.new) == (pytest.approx(-0.4 * 11_148), pytest.approx(-0.95 * 11_148))
    assert residual.text("USD") == "-6,131 USD (-137.5 %)"


def test_a_saved_plan_reads_back_whole(tmp_path: Path, startup_plan: Plan) -> None:
    path = tmp_path / "base.json"
    path.write_text(plan_to_json(startup_plan), encoding="utf-8")
    assert read_plan_json(path) == startup_plan.model_copy(update={"solve_seconds": 0.0})
    same = compare_plans(read_plan_json(path), startup_plan)
    assert all(line.text("USD") == "no change" for line in same.costs) and not same.mix and not same.moves


def test_a_plan_from_another_version_is_refused_in_one_line(tmp_path: Path, startup_plan: Plan) -> None:
    data = json.loads(plan_to_json(startup_plan))
    data["planner_version"] = "9.0.0"
    data["units"][0]["gpu_memory"] = data["units"][0].pop("gpu_memory_bytes")  # a renamed field
    path = tmp_path / "future.json"
    path.write_text(json.dumps(data), encoding="utf-8")
    with pytest.raises(
        PlannerError, match=rf"a plan from planner 9\.0\.0 that planner {__version__} cannot read"
    ):
        read_plan_json(path)
    result = CliRunner().invoke(main, ["compare", str(path), str(STARTUP)])
    assert result.exit_code == 2 and result.stderr.count("\n") == 1 and "Traceback" not in result.output
    (tmp_path / "other.json").write_text('{"name": "x"}', encoding="utf-8")
    with pytest.raises(PlannerError, match="not a plan saved by"):
        read_plan_json(tmp_path / "other.json")


def test_cli_prints_text_json_and_markdown(tmp_path: Path, startup_plan: Plan) -> None:
    base = tmp_path / "base.json"
    base.write_text(plan_to_json(startup_plan), encoding="utf-8")
    new = _short_without_resale(tmp_path)
    old_total, new_total = startup_plan.total_cost, solve(load_scenario(new)).total_cost
    delta = new_total - old_total
    change = f"{delta:+,.0f} USD ({100 * delta / old_total:+.1f} %)"
    runner = CliRunner()
    text = runner.invoke(main, ["compare", str(base), str(new), "--markdown", str(tmp_path / "diff.md")])
    assert text.exit_code == 0, text.output
    assert text.stdout.splitlines()[1] == f"Total {old_total:,.0f} -> {new_total:,.0f} USD: {change}"
    assert "- 1 x Buy Desktop, 1x RTX A6000" in text.stdout
    markdown = (tmp_path / "diff.md").read_text(encoding="utf-8")
    assert f"| Total | {old_total:,.0f} | {new_total:,.0f} | {change} |" in markdown
    data = json.loads(runner.invoke(main, ["compare", str(base), str(new), "--format", "json"]).stdout)
    assert data["costs"][0]["delta"] == pytest.approx(delta)
    moved = {m["workload"] for m in data["moves"]}
    assert moved == {"chat-assistant", "coding-assistant", "rag-embeddings"}


def test_a_side_that_stopped_short_of_optimal_is_said_in_the_text_and_the_markdown(
    tmp_path: Path, startup_plan: Plan
) -> None:
    """A solve stopped at its time limit keeps a "feasible" plan, not proved cheapest: the terminal diff says
    "Status optimal -> feasible" under its headline. The Markdown twin (pasted in a pull request) left that
    line out, so a reviewer read the whole difference as the scenario's; it now says it too."""
    base, new = tmp_path / "base.json", tmp_path / "new.json"
    base.write_text(plan_to_json(startup_plan), encoding="utf-8")
    new.write_text(plan_to_json(startup_plan.model_copy(update={"status": "feasible"})), encoding="utf-8")
    result = CliRunner().invoke(main, ["compare", str(base), str(new), "--markdown", str(tmp_path / "d.md")])
    assert result.exit_code == 0, result.output
    assert result.stdout.splitlines()[2] == "Status optimal -> feasible"
    markdown = (tmp_path / "d.md").read_text(encoding="utf-8").splitlines()
    assert markdown[2].startswith("**Total ") and markdown[4] == "Status optimal → feasible"
    same = CliRunner().invoke(main, ["compare", str(base), str(base), "--markdown", str(tmp_path / "s.md")])
    assert "Status" not in same.stdout.splitlines()[2]
    assert "Status" not in (tmp_path / "s.md").read_text(encoding="utf-8").splitlines()[4]


def test_scenarios_compare_what_plans_do_not_record(tmp_path: Path, startup: Scenario) -> None:
    """A budget cut: the plan's assumptions do not list budgets, the scenarios do."""
    cut = startup.model_copy(update={"budgets": startup.budgets.model_copy(update={"capex_usd": 5000.0})})
    assert [(s.name, s.old, s.new) for s in scenario_changes(startup, cut)] == [
        ("budgets.capex_usd", "60000", "5000")
    ]
    new_path = _variant(tmp_path, "capex_usd: 60000", "capex_usd: 5000")
    result = CliRunner().invoke(main, ["compare", str(STARTUP), str(new_path)])
    assert result.exit_code == 0, result.output
    assert "~ scenario budgets.capex_usd: 60000 -> 5000" in result.stdout
    assert "- 1 x Buy Desktop, 1x RTX A6000" in result.stdout
    # what 5,000 USD still buys: the RTX 3090 chat desktop (2,999) stays, the other chat replica is reserved
    assert "Desktop, 1x RTX 3090" not in "".join(
        line for line in result.stdout.splitlines() if line.lstrip().startswith(("- ", "+ "))
    )
    assert "+ 1 x Reserve 3 years aws g4dn.xlarge (us-east-1)" in result.stdout


def test_scenarios_compare_the_workload_fields_a_user_changed(startup: Scenario) -> None:
    """Only the chat assistant's TPOT target moves, 60 -> 80 ms: the diff names that field of that workload,
    which no plan records; a workload in one scenario only is a move, not a line per field."""
    chat = startup.workloads[0]
    assert chat.name == "chat-assistant" and chat.slo is not None and chat.slo.tpot_ms == 60
    looser = chat.model_copy(update={"slo": chat.slo.model_copy(update={"tpot_ms": 80.0})})
    extra = chat.model_copy(update={"name": "second-chat"})
    new = startup.model_copy(update={"workloads": (looser, extra, *startup.workloads[1:])})
    assert [(s.name, s.old, s.new) for s in scenario_changes(startup, new)] == [
        ("workloads.chat-assistant.slo.tpot_ms", "60", "80")
    ]
    assert scenario_changes(startup, startup) == []


def test_a_workload_field_the_plans_record_shows_once(startup: Scenario, startup_plan: Plan) -> None:
    """The coding assistant's context 16,384 -> 8,192 is in both plans' workloads: one line, the plan's."""
    coding = next(w for w in startup.workloads if w.name == "coding-assistant")
    shorter = coding.model_copy(update={"context": 8192})
    new_scenario = startup.model_copy(
        update={"workloads": tuple(shorter if w is coding else w for w in startup.workloads)}
    )
    new_plan = startup_plan.model_copy(
        update={
            "workloads": tuple(
                w.model_copy(update={"context": 8192}) if w.name == "coding-assistant" else w
                for w in startup_plan.workloads
            )
        }
    )
    result = compare_plans(startup_plan, new_plan, base_scenario=startup, new_scenario=new_scenario)
    assert [(s.category, s.name, s.old, s.new) for s in result.settings] == [
        ("workload", "coding-assistant context", "16384", "8192")
    ]


def test_what_the_optimizer_chose_for_a_rate_stated_workload_is_not_an_assumption(
    startup: Scenario, startup_plan: Plan, catalog: Catalog
) -> None:
    """Nothing to buy (``hardware.bought: false``): the chat assistant, stated as 2 requests/s, runs 21 to a
    replica on a cloud A10G instead of 28 on an RTX 3090. Its batch and replicas are what the optimizer picked
    for that rate, shown among the moves and the units; "Assumptions changed" listed "workload chat-assistant
    batch: 28 -> 21" beside the one field the user changed."""
    cloud = startup.model_copy(update={"hardware": startup.hardware.model_copy(update={"bought": False})})
    new_plan = solve(cloud, catalog)
    old = next(w for w in startup_plan.workloads if w.name == "chat-assistant")
    new = next(w for w in new_plan.workloads if w.name == "chat-assistant")
    assert old.performance is not None and old.batch != new.batch  # the choice did move
    result = compare_plans(startup_plan, new_plan, base_scenario=startup, new_scenario=cloud)
    assert [(s.category, s.name, s.old, s.new) for s in result.settings] == [
        ("scenario", "hardware.bought", "True", "False")
    ]
    # a count-stated workload's batch is the user's: still listed when it changes
    coding = next(w for w in startup_plan.workloads if w.name == "coding-assistant")
    assert coding.performance is None
    bigger = startup_plan.model_copy(
        update={
            "workloads": tuple(
                w.model_copy(update={"batch": 8}) if w is coding else w for w in startup_plan.workloads
            )
        }
    )
    assert [(s.name, s.old, s.new) for s in compare_plans(startup_plan, bigger).settings] == [
        ("coding-assistant batch", "4", "8")
    ]


def test_the_gpus_the_optimizer_picked_for_a_replica_are_not_an_assumption(catalog: Catalog) -> None:
    """A 70B model in fp8 (140 GiB with its KV cache) with ``gpus_per_replica`` left to the optimizer: on
    Lambda it takes one B200, with only AWS allowed four GPUs of one instance. The user changed
    the providers, nothing else; "Assumptions changed" also listed "workload batch-eval gpus_per_replica:
    1 -> 4", an outcome the units and moves already show. Where the user pins it, the scenario's field says
    so (``workloads.batch-eval.gpus_per_replica``)."""
    from planner.scenario.load import parse_scenario

    text = (
        "name: quotes\nhorizon_months: 12\nhardware:\n  bought: false\n  providers: [{providers}]\n"
        "workloads:\n  - name: batch-eval\n    model: llama-3.1-70b\n    precision: fp8\n"
        "    context: 8192\n    batch: 16\n    hours_per_month: 40\n{pin}"
    )
    both = parse_scenario(text.format(providers="aws, lambda", pin=""))
    aws = parse_scenario(text.format(providers="aws", pin=""))
    old, new = solve(both, catalog), solve(aws, catalog)
    assert old.workloads[0].gpus_per_replica != new.workloads[0].gpus_per_replica  # the choice did move
    result = compare_plans(old, new, base_scenario=both, new_scenario=aws)
    assert [(s.category, s.name) for s in result.settings] == [("scenario", "hardware.providers")]
    assert [m.workload for m in result.moves] == ["batch-eval"]
    pinned = parse_scenario(text.format(providers="aws", pin="    gpus_per_replica: 8\n"))
    result = compare_plans(new, solve(pinned, catalog), base_scenario=aws, new_scenario=pinned)
    assert ("scenario", "workloads.batch-eval.gpus_per_replica", "None", "8") in [
        (s.category, s.name, s.old, s.new) for s in result.settings
    ]


def test_a_scenario_without_a_plan_is_exit_3_naming_its_file_as_the_help_says(tmp_path: Path) -> None:
    """The help and the README said "exit status 0 whatever the difference; 2 for unreadable input", but a
    side with no plan ends in status 3 (planner's infeasible), as it should: the help now says so."""
    impossible = _variant(tmp_path, "capex_usd: 60000", "capex_usd: 60000\n  monthly_usd: 1", "poor.yaml")
    result = CliRunner().invoke(main, ["compare", str(STARTUP), str(impossible)])
    assert result.exit_code == 3
    (line,) = result.stderr.splitlines()
    assert line.startswith(f"error: {impossible}: ") and "budgets.monthly_usd" in line
    help_text = " ".join(CliRunner().invoke(main, ["compare", "--help"]).output.split())
    assert "3 where a scenario has no plan" in help_text


def test_an_assumption_that_prices_nothing_in_either_plan_is_not_a_change(
    tmp_path: Path, catalog: Catalog
) -> None:
    """Two all-cloud plans, 18 and 24 months: the residual value's wording follows the horizon (70 % at month
    18, 60 % at 24 by the default useful life), but neither plan buys anything, so only the horizon
    changed. Where one side buys, the residual value prices it and is listed."""
    text = (
        "name: rented\nhorizon_months: {h}\n"
        "hardware: {{bought: false, providers: [aws], regions: [us-east-1]}}\n"
        "workloads:\n  - {{name: chat, model: llama-3.1-8b, precision: bf16, engine: vllm, context: 8192}}\n"
    )
    plans = []
    for h in (18, 24):
        path = tmp_path / f"rented-{h}.yaml"
        path.write_text(text.format(h=h), encoding="utf-8")
        plans.append(solve(load_scenario(path), catalog))
    assert all(u.kind == "cloud" for p in plans for u in p.units)
    changed = {(s.category, s.name) for s in compare_plans(*plans).settings}
    assert changed == {("policy", "horizon")}
    bought = plans[1].model_copy(
        update={"units": (plans[1].units[0].model_copy(update={"kind": "bought", "pricing": "purchase"}),)}
    )
    assert ("finance", "residual value") in {
        (s.category, s.name) for s in compare_plans(plans[0], bought).settings
    }
