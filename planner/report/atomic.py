"""Atomic file output: a report is written to a temporary file beside its target and renamed over it.

``os.replace`` is atomic on POSIX and Windows when source and target are on the same file system, which is
why the temporary file lives in the target's directory. A failed run therefore leaves either the previous
report or none, never a half-written one.
"""

from __future__ import annotations

import contextlib
import os
import stat
import tempfile
from collections.abc import Callable, Sequence
from pathlib import Path


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
    try:
        for path, write in writes:
            path = Path(path)
            try:
                path.parent.mkdir(parents=True, exist_ok=True)
                fd, name = tempfile.mkstemp(
                    prefix=f".{path.name}.", suffix=path.suffix or ".tmp", dir=path.parent
                )
                os.close(fd)
                staged.append((Path(name), path))
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
