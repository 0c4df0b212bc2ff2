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
from collections.abc import Callable
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
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp_name = tempfile.mkstemp(prefix=f".{path.name}.", suffix=path.suffix or ".tmp", dir=path.parent)
    os.close(fd)
    tmp = Path(tmp_name)
    try:
        write(tmp)
        os.chmod(tmp, _mode_for(path))
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(OSError):
            tmp.unlink()
        raise


def write_text_atomic(path: Path, text: str) -> None:
    """Write ``text`` (UTF-8) to ``path`` atomically."""

    def write(tmp: Path) -> None:
        tmp.write_text(text, encoding="utf-8")

    write_atomic(path, write)
