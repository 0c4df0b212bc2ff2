"""The public names of ``planner`` stay what they are whatever else was imported first: a subpackage named
like a public function would replace that function on the package once imported (``planner.solve``)."""

from __future__ import annotations

import importlib
import pkgutil
from pathlib import Path

import pytest

import planner

from fresh import fresh_python


def test_every_public_name_is_a_function_after_every_subpackage_is_imported() -> None:
    bad = fresh_python(
        "import importlib, pkgutil, planner",
        "for m in pkgutil.walk_packages(planner.__path__, 'planner.'):",
        "    if not m.name.startswith(('planner.web', 'planner.__main__')):",
        "        importlib.import_module(m.name)",
        "from planner import *",
        "import planner as p",
        "print([n for n in p.__all__ if n != '__version__' and not callable(getattr(p, n))])",
    )
    assert bad == "[]"


def test_no_subpackage_shadows_a_public_name() -> None:
    modules = {m.name.split(".")[1] for m in pkgutil.iter_modules(planner.__path__, "planner.")}
    assert not modules & set(planner.__all__)
    assert callable(importlib.import_module("planner").solve)


def test_dir_lists_the_public_api() -> None:
    """A notebook's tab completion and ``help(planner)`` go by ``dir(planner)``, which listed the subpackages
    and typing names but none of the functions the README's Python API imports (they load lazily)."""
    names = fresh_python("import planner", "print(sorted(set(planner.__all__) - set(dir(planner))))")
    assert names == "[]"


def test_the_errors_the_readme_names_are_raised_as_it_says(tmp_path: Path) -> None:
    """The README's Python API section lists the exceptions a caller catches; each raised as written there,
    with its one-line message and the CLI's exit status."""
    from planner.errors import InfeasibleError, ModelError, PlannerError, UnknownModelError

    with pytest.raises(
        UnknownModelError, match=r"unknown model 'llama-3\.1-8' \(did you mean 'llama-3\.1-8b'\?\)"
    ):
        planner.estimate_memory("llama-3.1-8")
    missing = tmp_path / "nowhere" / "config.json"
    with pytest.raises(ModelError, match="config file not found") as raised:
        planner.estimate_memory(str(missing))
    assert raised.value.exit_code == 2 and isinstance(raised.value, PlannerError)
    scenario = tmp_path / "small.yaml"
    scenario.write_text(
        "name: small\nhardware: {cloud: false}\nbudgets: {capex_usd: 100}\n"
        "workloads:\n  - {name: chat, model: qwen2.5-7b}\n",
        encoding="utf-8",
    )
    with pytest.raises(
        InfeasibleError, match=r"capex budget \(budgets\.capex_usd\) is short by"
    ) as infeasible:
        planner.solve(planner.load_scenario(scenario))
    assert infeasible.value.exit_code == 3 and "\n" not in str(infeasible.value)
