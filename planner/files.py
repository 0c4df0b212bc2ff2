"""Files in and out. Out, atomically: a report is written to a temporary file beside its target and
renamed over it.

``os.replace`` is atomic on POSIX and Windows when source and target are on the same file system, which is
why the temporary file lives in the target's directory. A failed run therefore leaves either the previous
report or none, never a half-written one.

A run killed outright (SIGKILL, a power cut) cannot remove its temporary file. Each writer holds an exclusive
``flock`` on its temporary file while it writes; the next write to the same target removes the temporary
files beside it whose lock nobody holds and that are older than ``STALE_AFTER_S``, so a concurrent writer's
file is never touched and leftovers never pile up.

In, bounded: a scenario or config.json path is read only where it is a regular file of a size its reader
allows (``regular_file``, ``read_at_most``), one check for every reader.
"""

from __future__ import annotations

import contextlib
import gc
import os
import re
import stat
import sys
import tempfile
import time
import traceback
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path

from planner.errors import PlannerError

try:
    import fcntl
except ImportError:  # Windows: no flock; stale files are then removed by age alone
    fcntl = None  # type: ignore[assignment]

STALE_AFTER_S = 600.0
"""A temporary file untouched for this long, and unlocked, belongs to a run that died (a report is written
in seconds)."""


def _mode_for(path: Path) -> int:
    """The permission bits the report should have: the previous file's, or what a plain ``open`` would give.

    ``mkstemp`` creates its file readable by the owner only (0600); without this a report shared on a
    server would silently stop being readable by the team.
    """
    try:
        return stat.S_IMODE(path.stat().st_mode)
    except FileNotFoundError:
        umask = os.umask(0)
        os.umask(umask)
        return 0o666 & ~umask


def write_atomic(path: Path, write: Callable[[Path], None]) -> None:
    """Call ``write(tmp)`` on a fresh temporary path in ``path``'s directory, then rename it to ``path``.

    The temporary name keeps the target's suffix because openpyxl checks the extension of the file it saves.
    """
    write_atomic_all([(path, write)])


def text_writer(text: str) -> Callable[[Path], None]:
    """A writer for ``write_atomic``: ``text`` as UTF-8."""

    def write(tmp: Path) -> None:
        tmp.write_text(text, encoding="utf-8")

    return write


def write_atomic_all(writes: Sequence[tuple[Path, Callable[[Path], None]]]) -> None:
    """Write several files so that either all are replaced or none is: each is written to a temporary file
    first, and only when every one has been written are they renamed over their targets.

    ``planner solve -o r.xlsx --markdown x.md`` renamed the workbook into place and then failed on the
    Markdown: a failed run had replaced the previous workbook. An ``OSError`` names the target it concerns.
    """
    staged: list[tuple[Path, Path]] = []
    locks: list[int] = []
    try:
        for path, write in writes:
            path = Path(path)
            try:
                path.parent.mkdir(parents=True, exist_ok=True)
                remove_stale(path)
                fd, name = tempfile.mkstemp(prefix=_prefix(path), suffix=_suffix(path), dir=path.parent)
                locks.append(fd)
                if fcntl is not None:
                    fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                staged.append((Path(name), path))
                with _collected_on_failure():
                    write(Path(name))
                os.chmod(name, _mode_for(path))
            except OSError as error:
                raise OSError(error.errno, error.strerror or str(error), str(path)) from None
        for tmp, path in staged:
            os.replace(tmp, path)
    except BaseException:
        for tmp, _ in staged:
            with contextlib.suppress(OSError):
                tmp.unlink()
        raise
    finally:
        for fd in locks:
            os.close(fd)


def _prefix(path: Path) -> str:
    return f".{path.name}."


def _suffix(path: Path) -> str:
    return path.suffix or ".tmp"


def remove_stale(path: Path, *, older_than_s: float = STALE_AFTER_S) -> list[Path]:
    """Remove the temporary files a killed writer left beside ``path``; return what was removed.

    Only names ``mkstemp`` gives for this target (``.<name>.<8 characters><suffix>``), only files older than
    ``older_than_s`` and only those nobody holds a lock on (a concurrent writer does)."""
    pattern = re.compile(re.escape(_prefix(path)) + r"[A-Za-z0-9_]{8}" + re.escape(_suffix(path)) + "$")
    removed: list[Path] = []
    try:
        entries = list(os.scandir(path.parent))
    except OSError:
        return removed
    now = time.time()
    for entry in entries:
        if not pattern.match(entry.name):
            continue
        try:
            if not entry.is_file(follow_symlinks=False) or now - entry.stat().st_mtime < older_than_s:
                continue
            if _unlocked(entry.path):
                os.unlink(entry.path)
                removed.append(Path(entry.path))
        except OSError:
            continue  # gone already, or not ours to remove
    return removed


def _unlocked(name: str) -> bool:
    if fcntl is None:
        return True
    fd = os.open(name, os.O_RDONLY)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except OSError:
        return False
    finally:
        os.close(fd)
    return True


@contextlib.contextmanager
def _collected_on_failure() -> Iterator[None]:
    """Release what a failed writer left open, quietly, before the error is reported.

    openpyxl's save leaves its ``ZipFile`` open when the disk fills; the exception's traceback keeps it alive
    until the interpreter exits, whose ``ZipFile.__del__`` then tries to finish the file, fails again and
    prints "Exception ignored in: ZipFile.__del__" with a traceback after the one-line error. Clearing the
    traceback's frames closes it here, with that second failure silenced."""
    try:
        yield
    except BaseException as error:
        hook = sys.unraisablehook
        sys.unraisablehook = lambda unraisable: None
        try:
            traceback.clear_frames(error.__traceback__)
            gc.collect()
        finally:
            sys.unraisablehook = hook
        raise


def check_output(target: Path, *inputs: Path, label: str = "input") -> None:
    """Refuse an output path that would destroy what the run reads or cannot hold a report: one of its own
    inputs (``import-skypilot vms.csv -o vms.csv`` replaced the file it was reading, the same file through
    another name included) or something that is not a regular file (``-o /dev/full``, run as root, replaced
    the device)."""
    if target.exists() and not target.is_file():
        raise PlannerError(f"{target}: not a regular file; give a path for the output")
    for source in inputs:
        same = target.resolve() == source.resolve()
        with contextlib.suppress(OSError):
            same = same or (target.exists() and os.path.samefile(target, source))
        if same:
            raise PlannerError(f"{target}: is the {label} itself; give another path for the output")


class Unreadable(Exception):
    """Why a reader refuses a path before reading it (``regular_file``, ``read_at_most``); the caller names
    the path and raises its own error."""


def regular_file(path: Path, limit: int, what: str, larger: str = "") -> os.stat_result:
    """``path``'s status where it is a regular file of at most ``limit`` bytes, else ``Unreadable`` saying
    why in terms of ``what`` ("a config.json"; ``larger``: what to do with a larger one). A path naming
    /dev/zero was read until memory ran out, a FIFO blocked for ever. OSError (missing, unreadable) passes."""
    status = path.stat()
    if not stat.S_ISREG(status.st_mode):
        raise Unreadable(f"not a regular file (give the path of {what})")
    if status.st_size > limit:
        advice = f"; {larger}" if larger else ""
        raise Unreadable(f"{status.st_size:,} bytes, too large for {what} (at most {limit:,}{advice})")
    return status


def read_at_most(path: Path, limit: int, what: str) -> bytes:
    """The bytes of ``path``, at most ``limit`` of them read: it may have grown since ``regular_file``."""
    with path.open("rb") as stream:
        data = stream.read(limit + 1)
    if len(data) > limit:
        raise Unreadable(f"too large for {what} (more than {limit:,} bytes)")
    return data
