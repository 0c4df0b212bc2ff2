"""LibreOffice headless, as the tests use it: recalculate a workbook's formulas, or print it to PDF.

CI installs LibreOffice (``.ci/run``); elsewhere the tests that need it skip with the command that installs
it. A private profile per call avoids a clash with a LibreOffice the developer has open.
"""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest

SOFFICE = shutil.which("soffice") or shutil.which("libreoffice")
PDFTOTEXT = shutil.which("pdftotext")
PDFTOPPM = shutil.which("pdftoppm")

needs_libreoffice = pytest.mark.skipif(
    SOFFICE is None or PDFTOTEXT is None,
    reason="needs LibreOffice (soffice) and pdftotext: apt-get install libreoffice-calc poppler-utils",
)


def convert(path: Path, to: str, outdir: Path) -> Path:
    """``path`` converted by LibreOffice to ``to`` ("xlsx" recalculates every formula; "pdf" prints)."""
    assert SOFFICE is not None
    outdir.mkdir(parents=True, exist_ok=True)
    profile = outdir / "lo-profile"
    subprocess.run(
        [
            SOFFICE,
            f"-env:UserInstallation={profile.as_uri()}",
            "--headless",
            "--convert-to",
            to,
            "--outdir",
            str(outdir),
            str(path),
        ],
        check=True,
        capture_output=True,
        timeout=240,
    )
    out = outdir / f"{path.stem}.{to}"
    assert out.exists(), f"LibreOffice wrote no {out.name}"
    return out


def pdf_text(pdf: Path) -> str:
    assert PDFTOTEXT is not None
    return subprocess.run(
        [PDFTOTEXT, "-layout", str(pdf), "-"], check=True, capture_output=True, text=True, timeout=60
    ).stdout
