"""Each assignment's launch as the reports print it (terminal ``--launch``, Markdown, the workbook's Launch
sheet): one reading of ``Assignment.launch`` so that every output shows the same commands."""

from __future__ import annotations

from dataclasses import dataclass

from planner.plan import Assignment, Plan

NO_SETTINGS = "no serving settings (a training job, or memory given as measured)"


@dataclass(frozen=True, slots=True)
class LaunchText:
    """What to run for one replica, as lines a reader pastes: a server's command (``command``), or the
    interpreter and the Python a library runs, with a multi-machine replica's setup first and the notes
    after, as shell comments."""

    assignment: Assignment
    command: str
    """The line a shell runs (the pinned environment, the program, its flags); "" without settings."""
    before: tuple[str, ...] = ()
    """What to run first (a replica over machines: the cluster's setup, then the command)."""
    after: tuple[str, ...] = ()
    """A library's Python, then comments: when a time-shared replica runs, what else to know."""
    months: str = ""
    """The months the replica runs there, where demand changes over the horizon (one launch per period)."""

    @property
    def where(self) -> str:
        a = self.assignment
        return f"{a.workload} #{a.replica} on {a.where}" + (f", {self.months}" if self.months else "")

    @property
    def script(self) -> tuple[str, ...]:
        """Every line in the order run: setup, command, the rest."""
        return (*self.before, *((self.command,) if self.command and not self.before else ()), *self.after)


def launch_text(a: Assignment, months: str = "") -> LaunchText:
    launch = a.launch
    if launch is None:
        return LaunchText(a, "", months=months)
    command = launch.shell or " ".join(launch.argv) or launch.engine
    after: list[str] = []
    if launch.call:  # a library: the interpreter under the pinned GPUs, reading the Python it runs
        after.append(f"from transformers import {', '.join(launch.imports)}")
        after.append(f"model = {launch.call}")
        if launch.generation:
            settings = ", ".join(f"{k}={v!r}" for k, v in launch.generation.items())
            after.append(f"# generation settings: {settings}")
        after.append("EOF")
    before: tuple[str, ...] = ()
    if launch.setup:  # a replica over machines: what to start first, then the command
        before = (*launch.setup, command)
    if launch.runs:
        after.append(f"# time-shared: {launch.runs}; never start it beside a replica it takes turns with")
    after += [f"# {note}" for note in launch.notes]
    return LaunchText(a, command, before, tuple(after), months)


def launch_texts(plan: Plan) -> list[LaunchText]:
    """Every assignment's launch; over periods, each says the months it runs (one launch per period)."""
    return [
        launch_text(a, f"months {a.start_month}-{a.end_month or plan.horizon_months}" if plan.periods else "")
        for a in plan.assignments
    ]
