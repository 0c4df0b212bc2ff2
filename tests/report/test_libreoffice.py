"""Open the workbook the way a reader does: LibreOffice converts it to PDF, and the PDF's text is checked.

Runs only where LibreOffice (``soffice``) and poppler's ``pdftotext`` are installed (CI does not install
them): ``apt-get install libreoffice-calc poppler-utils``. It catches what openpyxl cannot see: a number too
wide for its column prints as ``###``, and a chart LibreOffice cannot read does not print its title.
"""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest

from planner.plan import Plan
from planner.report.workbook import write_workbook

SOFFICE = shutil.which("soffice") or shutil.which("libreoffice")
PDFTOTEXT = shutil.which("pdftotext")

pytestmark = pytest.mark.skipif(
    SOFFICE is None or PDFTOTEXT is None,
    reason="needs LibreOffice (soffice) and pdftotext: apt-get install libreoffice-calc poppler-utils",
)


def test_libreoffice_renders_every_sheet_figures_and_charts(plan: Plan, tmp_path: Path) -> None:
    assert SOFFICE is not None and PDFTOTEXT is not None
    xlsx = tmp_path / "startup.xlsx"
    write_workbook(plan, xlsx)
    profile = tmp_path / "lo-profile"  # a private profile: no clash with a running LibreOffice
    subprocess.run(
        [
            SOFFICE,
            f"-env:UserInstallation={profile.as_uri()}",
            "--headless",
            "--convert-to",
            "pdf",
            "--outdir",
            str(tmp_path),
            str(xlsx),
        ],
        check=True,
        capture_output=True,
        timeout=240,
    )
    pdf = tmp_path / "startup.pdf"
    assert pdf.exists()
    text = subprocess.run(
        [PDFTOTEXT, "-layout", str(pdf), "-"], check=True, capture_output=True, text=True, timeout=60
    ).stdout
    assert "###" not in text, "a figure is too wide for its column"
    for expected in (
        "LLM hardware plan: startup",
        "$30,606",  # total over the horizon (conftest: 30,605.70)
        "$10,624",  # saving against renting everything
        "finetune-qlora",
        "14.9 months",
        "Prices used by the plan's units",
        "Memory per GPU by component",  # chart titles: the charts were drawn
        "Cost over the horizon by category",
    ):
        assert expected in text, expected
    pages = text.count("\f")
    assert 8 <= pages <= 14, f"{pages} pages"
