"""A report is replaced whole or not at all: a run that fails or is killed mid-write leaves the previous one.

Three ways a run can stop while writing: the disk fills (an ``OSError`` from the writer: exit status 2 with
one line), the user presses Ctrl-C (``KeyboardInterrupt``), and the process is killed outright (SIGKILL, in a
subprocess stopped while its half-written workbook is on disk). In each case the previous report must be
byte-for-byte what it was. A clean error also leaves no temporary file behind; SIGKILL cannot clean up, so
there the leftover may exist but must not be the report.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from click.testing import CliRunner
from openpyxl import load_workbook
from openpyxl.workbook.workbook import Workbook

from planner.cli import main

SCENARIO = """
name: atomic
horizon_months: 12
hardware: {gpus: [L4, H100 SXM5], providers: [aws]}
workloads:
  - {name: chat, model: llama-3-8b, memory_per_gpu: 18GiB, replicas: 2}
  - {name: eval, model: qwen, memory_per_gpu: 30GiB, hours_per_month: 40, interruptible: true}
"""
OLD_REPORT = b"the previous report, which must survive"


def _setup(tmp_path: Path) -> tuple[Path, Path]:
    scenario = tmp_path / "s.yaml"
    scenario.write_text(SCENARIO, encoding="utf-8")
    report = tmp_path / "reports" / "atomic.xlsx"
    report.parent.mkdir()
    report.write_bytes(OLD_REPORT)
    return scenario, report


def _half_write_then(error: BaseException) -> object:
    """A ``Workbook.save`` that writes half a file to the path it was given, then fails."""

    def save(self: Workbook, filename: str | os.PathLike[str]) -> None:
        Path(filename).write_bytes(b"PK\x03\x04 half a zip file")
        raise error

    return save


@pytest.mark.parametrize(
    ("error", "code"),
    [(OSError(28, "No space left on device"), 2), (KeyboardInterrupt(), 130)],
    ids=["disk-full", "ctrl-c"],
)
def test_a_failed_write_keeps_the_previous_report(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, error: BaseException, code: int
) -> None:
    scenario, report = _setup(tmp_path)
    monkeypatch.setattr(Workbook, "save", _half_write_then(error))
    result = CliRunner().invoke(main, ["solve", str(scenario), "-o", str(report)])
    assert result.exit_code == code
    if code == 2:
        assert result.stderr.startswith("error: ") and "cannot write the report" in result.stderr
        assert len(result.stderr.strip().splitlines()) == 1
    assert report.read_bytes() == OLD_REPORT
    assert sorted(p.name for p in report.parent.iterdir()) == ["atomic.xlsx"], "temporary file left behind"


def test_a_successful_run_replaces_the_report_with_a_whole_workbook(tmp_path: Path) -> None:
    scenario, report = _setup(tmp_path)
    result = CliRunner().invoke(main, ["solve", str(scenario), "-o", str(report)])
    assert result.exit_code == 0, result.stderr
    assert "Workloads" in load_workbook(report).sheetnames
    assert sorted(p.name for p in report.parent.iterdir()) == ["atomic.xlsx"]


KILLED_CHILD = """
import sys, time
from pathlib import Path
from openpyxl.workbook.workbook import Workbook

def save(self, filename):
    Path(filename).write_bytes(b"PK half a zip file")
    print("WRITING", flush=True)
    time.sleep(60)

Workbook.save = save
from planner.cli import main
main(["solve", sys.argv[1], "-o", sys.argv[2]])
"""


@pytest.mark.skipif(not hasattr(signal, "SIGKILL"), reason="POSIX only")
def test_a_run_killed_mid_write_keeps_the_previous_report(tmp_path: Path) -> None:
    scenario, report = _setup(tmp_path)
    child = subprocess.Popen(
        [sys.executable, "-c", KILLED_CHILD, str(scenario), str(report)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )
    try:
        assert child.stdout is not None
        deadline = time.monotonic() + 60
        line = b""
        while time.monotonic() < deadline and not line:
            line = child.stdout.readline()
        assert line.strip() == b"WRITING", child.stderr.read() if child.stderr else line
        child.send_signal(signal.SIGKILL)
        child.wait(timeout=30)
    finally:
        if child.poll() is None:
            child.kill()
            child.wait()
    assert report.read_bytes() == OLD_REPORT
    leftovers = [p for p in report.parent.iterdir() if p.name != "atomic.xlsx"]
    assert all(p.name.startswith(".atomic.xlsx.") for p in leftovers), leftovers


def test_a_failed_markdown_write_keeps_the_previous_summary(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    scenario, report = _setup(tmp_path)
    summary = tmp_path / "reports" / "summary.md"
    summary.write_bytes(OLD_REPORT)
    real_write_text = Path.write_text

    def half_then_full_disk(self: Path, data: str, *args: object, **kwargs: object) -> int:
        if self.name.startswith(".summary.md."):
            real_write_text(self, data[: len(data) // 2], encoding="utf-8")
            raise OSError(28, "No space left on device")
        return real_write_text(self, data, *args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(Path, "write_text", half_then_full_disk)
    result = CliRunner().invoke(main, ["solve", str(scenario), "-o", str(report), "--markdown", str(summary)])
    assert result.exit_code == 2, result.output
    assert result.stderr.startswith("error: ") and "summary.md" in result.stderr
    assert summary.read_bytes() == OLD_REPORT
    assert sorted(p.name for p in summary.parent.iterdir()) == ["atomic.xlsx", "summary.md"]
