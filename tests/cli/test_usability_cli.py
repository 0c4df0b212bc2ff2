"""Usability of the command line: output names match their format, missing directories are made only on
request, ``fit`` answers with its exit status and names the card it chose, ``--filter`` matches GPU names,
the terminal report uses the terminal's width."""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from planner import estimate_memory
from planner.cli import main
from planner.memory.report import split_clause

ROOT = Path(__file__).resolve().parents[2]
HOBBYIST = str(ROOT / "scenarios" / "hobbyist.yaml")


def _run(*args: str, env: dict[str, str] | None = None) -> Result:
    return CliRunner().invoke(main, list(args), env=env)


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (
            ("-o", "out.csv"),
            "out.csv: a workbook is written here but the name has '.csv'; use a name ending in .xlsx",
        ),
        (
            ("-o", "plan"),
            "plan: a workbook is written here but the name has no extension; use a name ending in .xlsx",
        ),
        (
            ("-o", "plan.xlsx", "--markdown", "notes.txt"),
            "notes.txt: a markdown is written here but the name has '.txt'; "
            "use a name ending in .md or .markdown",
        ),
    ],
)
def test_an_output_name_that_does_not_match_its_format_is_refused(
    tmp_path: Path, args: tuple[str, ...], message: str
) -> None:
    paths = [str(tmp_path / a) if not a.startswith("-") else a for a in args]
    result = _run("solve", HOBBYIST, *paths)
    assert result.exit_code == 2
    assert result.stderr == f"error: {tmp_path}/{message}\n"
    assert list(tmp_path.iterdir()) == []


def test_a_missing_directory_is_created_only_with_mkdir(tmp_path: Path) -> None:
    report = tmp_path / "new" / "dir" / "plan.xlsx"
    result = _run("solve", HOBBYIST, "-o", str(report))
    assert result.exit_code == 2
    assert result.stderr == (
        f"error: {report}: directory {report.parent} does not exist (create it, or pass --mkdir)\n"
    )
    assert not (tmp_path / "new").exists()
    result = _run("solve", HOBBYIST, "-o", str(report), "--mkdir")
    assert result.exit_code == 0, result.output
    assert report.is_file()


def test_import_skypilot_checks_its_output_name_and_directory(tmp_path: Path) -> None:
    vms = str(ROOT / "tests" / "fixtures" / "skypilot" / "aws_vms.csv")
    result = _run("catalog", "import-skypilot", vms, "--cloud", "aws", "-o", str(tmp_path / "cloud.xlsx"))
    assert result.exit_code == 2 and "use a name ending in .csv" in result.stderr
    target = tmp_path / "mycat" / "cloud.csv"
    result = _run("catalog", "import-skypilot", vms, "--cloud", "aws", "-o", str(target))
    assert result.exit_code == 2 and "pass --mkdir" in result.stderr and not target.parent.exists()
    result = _run("catalog", "import-skypilot", vms, "--cloud", "aws", "-o", str(target), "--mkdir")
    assert result.exit_code == 0, result.output
    assert target.read_text().startswith("provider,instance_type,gpu,")


def test_fit_exits_3_when_the_model_does_not_fit() -> None:
    # Llama 3.1 70B in bf16: 70.6e9 x 2 bytes = 131 GiB of weights alone, over 32 GiB (40 GiB less 20 %).
    result = _run("fit", "llama-3.1-70b", "--vram", "40GiB")
    assert result.exit_code == 3
    assert "does NOT fit" in result.stdout
    assert _run("fit", "llama-3.1-8b", "--vram", "40GiB").exit_code == 0  # 8.03e9 x 2 = 15 GiB: fits


@pytest.mark.parametrize("engine", ["transformers", "vllm"])
def test_fit_says_what_card_would_hold_it_when_no_gpu_count_does(engine: str) -> None:
    """On 4 GiB no number of GPUs holds Llama 3.1 8B, and the answer said only "more than the card's": it
    now names the card size that would, the need over 80 % (20 % headroom); a card that size fits and one a
    tenth of a GiB smaller does not."""
    result = _run("fit", "llama-3.1-8b", "--vram", "4", "--engine", engine)
    assert result.exit_code == 3
    need = float(result.stdout.split("needs ")[1].split(" GiB per GPU")[0])
    least = float(result.stdout.split("it needs a card of ")[1].split(" GiB or more at 20% headroom")[0])
    assert need / 0.8 <= least < need / 0.8 + 0.1 + 0.01  # rounded up to a tenth: that card holds it
    assert _run("fit", "llama-3.1-8b", "--vram", f"{least}", "--engine", engine).exit_code == 0
    assert _run("fit", "llama-3.1-8b", "--vram", f"{least - 0.1:.2f}", "--engine", engine).exit_code == 3


def test_fit_names_the_card_it_chose_when_several_match() -> None:
    result = _run("fit", "llama-3.1-8b", "--gpu", "A100")
    assert result.exit_code == 0
    assert result.stderr == (
        "note: --gpu A100 is A100 40GB SXM4 (40 GiB); it also matches A100 40GB PCIe, A100 80GB PCIe, "
        "A100 80GB SXM4: give the full name for another\n"
    )
    assert "A100 40GB SXM4" in result.stdout
    assert _run("fit", "llama-3.1-8b", "--gpu", "A100 80GB SXM4").stderr == ""  # one card: no note


def test_fit_says_which_split_its_per_gpu_figure_assumes() -> None:
    """DeepSeek-R1 over 16 H100s: no catalog machine holds 16 H100 SXM5 (the largest, 8), so fit figures
    them as solve places them, two machines of 8, tensor parallel 8 x pipeline 2, which hold more per GPU
    than 16 on one machine would (it printed that, "on one machine"); the line names the split it priced.
    transformers, which serves no replica across machines, is told so in one line naming both. One GPU has
    no split to name."""
    args = ("fit", "deepseek-r1", "--precision", "fp8", "--engine", "vllm", "--gpu", "H100 SXM5")
    line = next(x for x in _run(*args, "--gpus", "16").stdout.splitlines() if "needs" in x)
    assert "GiB per GPU (tensor parallel 8 x pipeline parallel 2 on 2 machines), fits" in line, line
    eight = next(x for x in _run(*args, "--gpus", "8").stdout.splitlines() if "needs" in x)
    assert "(tensor parallel 8 on one machine)" in eight, eight
    refused = _run("fit", "deepseek-r1", "--gpu", "H100 SXM5", "--gpus", "16")
    assert refused.exit_code == 2 and refused.stderr.startswith(
        "error: 16 x H100 SXM5 span 2 machines (a catalog machine holds at most 8): transformers does not "
        "serve one replica across machines"
    ), refused.stderr
    two = estimate_memory("deepseek-r1", precision="fp8", engine="vllm", gpus=16, nodes=2)
    one = estimate_memory("deepseek-r1", precision="fp8", engine="vllm", gpus=16)
    assert split_clause(two) == " (tensor parallel 8 x pipeline parallel 2 on 2 machines)"
    assert two.per_gpu_bytes > one.per_gpu_bytes
    q = _run("fit", "qwen2.5-7b", "--precision", "q4_k_m", "--vram", "24GiB", "--gpus", "2").stdout
    assert "(layers split over 2 GPUs on one machine)" in q
    assert "needs" in _run("fit", "llama-3.1-8b", "--vram", "40GiB").stdout
    assert "parallel" not in _run("fit", "llama-3.1-8b", "--vram", "40GiB").stdout


@pytest.mark.parametrize(
    ("text", "gpus"),
    [
        ("T4", {"T4"}),  # not the H100 rows of GCP's us-east4
        ("L4", {"L4"}),  # not the L40S
        ("H100", {"H100 SXM5", "H100 PCIe", "H100 NVL"}),
        ("a100-80gb", {"A100 80GB PCIe", "A100 80GB SXM4"}),
    ],
)
def test_cloud_filter_matches_gpu_names_not_regions(text: str, gpus: set[str]) -> None:
    result = _run("catalog", "cloud", "--filter", text, "--format", "csv")
    assert result.exit_code == 0
    rows = result.stdout.splitlines()[1:]
    assert {row.split(",")[0] for row in rows} == gpus


def test_gpu_filter_ignores_spaces_but_not_word_boundaries() -> None:
    names = [
        line.split(",")[0]
        for line in _run("catalog", "gpus", "--filter", "rtx4090", "--format", "csv").stdout.splitlines()[1:]
    ]
    assert names == ["GeForce RTX 4090"]


@pytest.mark.parametrize(
    ("args", "line"),
    [
        (("gpus", "--filter", "rtx4900"), "(no rows match 'rtx4900'; did you mean 'GeForce RTX 4090'?)"),
        (("cloud", "--filter", "h200x"), "(no rows match 'h200x'; did you mean 'H200 SXM'?)"),
        (("nodes", "--filter", "a6000x"), "(no rows match 'a6000x'; did you mean 'RTX A6000'?)"),
        (("models", "--filter", "qwen3-32bb"), "(no rows match 'qwen3-32bb'; did you mean 'qwen3-32b'?)"),
        # a name that exists but is filtered out by memory is no typo: nothing to suggest
        (("gpus", "--filter", "rtx4090", "--min-vram", "48GiB"), "(no rows match 'rtx4090')"),
        (("cloud", "--filter", "zzzz"), "(no rows match 'zzzz')"),
    ],
)
def test_a_filter_that_matches_nothing_says_the_closest_name(args: tuple[str, ...], line: str) -> None:
    """A hobbyist's ``planner catalog gpus --filter rtx4900`` printed "(no rows match)", exit 0, where every
    other misspelt name in planner is answered with the closest one it knows."""
    result = _run("catalog", *args)
    assert (result.exit_code, result.stdout) == (0, line + "\n")
    assert _run("catalog", *args, "--format", "json").stdout == "[]\n"  # scripts still read an empty list


def test_the_terminal_report_uses_the_terminal_width(tmp_path: Path) -> None:
    """At 100 columns the hobbyist plan's "Runs on" cells do not fit (``lambda:gpu_1x_rt…``), so the units
    follow the Workloads table whole; at 200 they are whole in it."""
    wide = _run("solve", HOBBYIST, "-o", str(tmp_path / "a.xlsx"), env={"COLUMNS": "200"})
    assert wide.exit_code == 0, wide.output
    assert "…" not in wide.stdout and max(map(len, wide.stdout.splitlines())) > 100
    assert "\nRuns on:\n" not in wide.stdout
    narrow = _run("solve", HOBBYIST, "-o", str(tmp_path / "b.xlsx"), env={"COLUMNS": "100"})
    assert "\nRuns on:\n" in narrow.stdout and max(map(len, narrow.stdout.splitlines())) <= 100


def test_a_bare_vram_is_gib_as_every_size_option_reads_it() -> None:
    """``--vram 8`` is 8 GiB like ``--min-vram 48`` and a bare ``memory_per_gpu``: the help says so and the
    answer names the unit, instead of a card called "8"."""
    bare, labelled = _run("fit", "llama-3.2-1b", "--vram", "8"), _run("fit", "llama-3.2-1b", "--vram", "8GiB")
    assert bare.exit_code == labelled.exit_code == 0
    assert bare.stdout.splitlines()[0].startswith("llama-3.2-1b on 8 GiB: 8.0 GiB per GPU")
    assert bare.stdout.splitlines()[1:] == labelled.stdout.splitlines()[1:]
    assert "bare number: GiB" in " ".join(_run("fit", "--help").stdout.split())


@pytest.mark.parametrize("size", ["0", "0GB"])
def test_a_card_of_no_memory_names_the_option(size: str) -> None:
    """``--vram abc`` named ``--vram``; ``--vram 0`` said "GPU memory must be positive, got 0 bytes", naming
    no option the user typed."""
    result = _run("fit", "llama-3.2-1b", "--vram", size)
    assert result.exit_code == 2 and "Traceback" not in result.output
    assert result.stderr == f"error: --vram: must be more than 0, got '{size}'\n"


@pytest.mark.parametrize("command", ["estimate", "fit"])
def test_qlora_with_a_16_bit_precision_says_it_estimates_nf4(command: str) -> None:
    """QLoRA is a 4-bit base (Dettmers et al. 2023): ``--precision bf16`` was estimated as nf4 in silence."""
    card = ["--vram", "24GiB"] if command == "fit" else []
    typed = _run(command, "llama-3.1-8b", *card, "--task", "qlora", "--precision", "bf16")
    assert typed.exit_code == 0
    assert typed.stderr == (
        "note: --task qlora quantizes the base weights: estimated as nf4, not bf16 (use --task lora for a "
        "16-bit base)\n"
    )
    nf4 = _run(command, "llama-3.1-8b", *card, "--task", "qlora", "--precision", "nf4")
    assert nf4.stdout == typed.stdout and nf4.stderr == ""  # the same estimate, no note where nf4 was asked
    assert _run(command, "llama-3.1-8b", *card, "--task", "qlora").stderr == ""  # bf16 by default: no note


def test_perf_capacity_of_one_is_one_sequence() -> None:
    """A TPOT target between the serving TPOT (what the target checks) of one and of two sequences admits
    exactly one: "1 sequence"."""
    import json

    def tpot_ms(batch: int) -> float:
        result = _run("perf", "llama-3-8b", "--gpu", "RTX 4090", "--batch", str(batch), "--format", "json")
        return float(json.loads(result.stdout)["serving_tpot_s"]) * 1000

    one, two = tpot_ms(1), tpot_ms(2)
    assert one < two
    result = _run("perf", "llama-3-8b", "--gpu", "RTX 4090", "--tpot-ms", f"{(one + two) / 2:.3f}")
    assert result.exit_code == 0
    assert ": up to 1 sequence at once (limited by tpot)" in result.stdout.splitlines()[-1]
