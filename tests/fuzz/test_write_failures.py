"""Write failures end in one line and exit 2, leave the previous output whole, and leave nothing to pile up.

A full disk or a file-size limit gave the right error, then "Exception ignored in: ZipFile.__del__" with a
traceback; ``import-skypilot X -o X`` overwrote its own input; a killed run's ``.*.xlsx.XXXX`` temporary files
stayed forever. Every output goes through ``planner.files`` (``check_output``, ``write_atomic_all``).
"""

from __future__ import annotations

import fcntl
import os
import resource
import subprocess
import sys
import time
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from planner.files import STALE_AFTER_S, remove_stale, text_writer, write_atomic

from .hostile import BASE, assert_one_clean_line, cli, dump

OLD = b"the previous report"
SKYPILOT = (
    "InstanceType,AcceleratorName,AcceleratorCount,vCPUs,MemoryGiB,GpuInfo,Price,SpotPrice,Region,AvailabilityZone\n"
    "p4d.24xlarge,A100,8,96,1152,,32.77,9.8,us-east-1,us-east-1a\n"
)


def _limited(limit: int) -> None:
    resource.setrlimit(resource.RLIMIT_FSIZE, (limit, limit))


@given(limit=st.sampled_from((1, 9_000)), markdown=st.booleans())
@settings(max_examples=1)
def test_a_file_size_limit_is_one_line_with_the_previous_report_intact(
    tmp_path_factory: pytest.TempPathFactory, limit: int, markdown: bool
) -> None:
    """A real failure (RLIMIT_FSIZE: the kernel refuses the write with EFBIG, as a full disk does with ENOSPC)
    in a real process, so openpyxl's ZipFile is left open exactly as it was."""
    directory = tmp_path_factory.mktemp("fsize")
    scenario = directory / "s.yaml"
    scenario.write_text(
        dump({**BASE, "workloads": [{"name": "w", "model": "7b", "memory_per_gpu": "10GiB"}]})
    )
    report = directory / "r.xlsx"
    report.write_bytes(OLD)
    argv = [sys.executable, "-m", "planner", "solve", str(scenario), "-o", str(report), "--time-limit", "20"]
    if markdown:
        argv += ["--markdown", str(directory / "r.md")]
    done = subprocess.run(
        argv, capture_output=True, text=True, timeout=90, preexec_fn=lambda: _limited(limit)
    )
    assert done.returncode == 2, done.stderr
    assert "cannot write the report" in done.stderr
    assert_one_clean_line(done.stderr)
    assert report.read_bytes() == OLD
    assert sorted(p.name for p in directory.iterdir()) == ["r.xlsx", "s.yaml"], "temporary file left behind"


@pytest.mark.parametrize("how", ["same", "hardlink", "symlink", "relative"])
def test_import_skypilot_never_overwrites_its_input(
    tmp_path: Path, how: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    source = tmp_path / "vms.csv"
    source.write_text(SKYPILOT, encoding="utf-8")
    target = source
    if how == "hardlink":
        target = tmp_path / "link.csv"
        os.link(source, target)
    elif how == "symlink":
        target = tmp_path / "sym.csv"
        target.symlink_to(source)
    elif how == "relative":
        monkeypatch.chdir(tmp_path)
        target = Path("./sub/../vms.csv")
        (tmp_path / "sub").mkdir()
    code, _, err = cli("catalog", "import-skypilot", str(source), "--cloud", "aws", "-o", str(target))
    assert code == 2 and "itself" in err
    assert_one_clean_line(err)
    assert source.read_text(encoding="utf-8") == SKYPILOT


def _temp_name(target: Path, tag: str) -> Path:
    return target.parent / f".{target.name}.{tag:_<8}{target.suffix}"


@given(ages=st.lists(st.sampled_from(("stale", "fresh", "locked", "other")), min_size=1, max_size=6))
@settings(max_examples=15)
def test_stale_temporary_files_are_removed_and_live_ones_kept(
    tmp_path_factory: pytest.TempPathFactory, ages: list[str]
) -> None:
    directory = tmp_path_factory.mktemp("stale")
    target = directory / "plan.xlsx"
    old = time.time() - STALE_AFTER_S - 60
    expected_left: set[str] = set()
    held: list[int] = []
    for i, age in enumerate(ages):
        path = _temp_name(target, f"t{i}") if age != "other" else directory / f".other.xlsx.t{i:_<7}.xlsx"
        path.write_bytes(b"half")
        if age != "fresh":
            os.utime(path, (old, old))
        if age == "locked":  # a concurrent writer holds its file
            fd = os.open(path, os.O_RDONLY)
            fcntl.flock(fd, fcntl.LOCK_EX)
            held.append(fd)
        if age != "stale":
            expected_left.add(path.name)
    try:
        write_atomic(target, text_writer("report"))
    finally:
        for fd in held:
            os.close(fd)
    assert {p.name for p in directory.iterdir()} == expected_left | {"plan.xlsx"}
    assert target.read_text() == "report"
    # Its writer gone (the lock released), a stale file is removed by the next write.
    locked = {_temp_name(target, f"t{i}").name for i, age in enumerate(ages) if age == "locked"}
    assert {p.name for p in remove_stale(target)} == locked


def test_a_killed_run_leaves_nothing_after_the_next_run(tmp_path: Path) -> None:
    """The temp file a SIGKILL leaves is removed by the next write to the same report once it is stale."""
    target = tmp_path / "r.xlsx"
    leftover = _temp_name(target, "killed")
    leftover.write_bytes(b"PK half a zip")
    os.utime(leftover, (time.time() - 2 * STALE_AFTER_S,) * 2)
    scenario = tmp_path / "s.yaml"
    scenario.write_text(
        dump({**BASE, "workloads": [{"name": "w", "model": "7b", "memory_per_gpu": "10GiB"}]})
    )
    code, _, err = cli("solve", str(scenario), "-o", str(target), "--time-limit", "20")
    assert code == 0, err
    assert sorted(p.name for p in tmp_path.iterdir()) == ["r.xlsx", "s.yaml"]
