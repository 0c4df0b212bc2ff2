"""The public names of ``planner`` stay what they are whatever else was imported first: a subpackage named
like a public function would replace that function on the package once imported (``planner.solve``)."""

from __future__ import annotations

import importlib
import pkgutil
import subprocess
import sys

import planner


def test_every_public_name_is_a_function_after_every_subpackage_is_imported() -> None:
    code = (
        "import importlib, pkgutil, planner\n"
        "for m in pkgutil.walk_packages(planner.__path__, 'planner.'):\n"
        "    if not m.name.startswith(('planner.web', 'planner.__main__')):\n"
        "        importlib.import_module(m.name)\n"
        "from planner import *\n"
        "import planner as p\n"
        "bad = [n for n in p.__all__ if n != '__version__' and not callable(getattr(p, n))]\n"
        "print(','.join(bad))\n"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert done.stdout.strip() == ""


def test_no_subpackage_shadows_a_public_name() -> None:
    modules = {m.name.split(".")[1] for m in pkgutil.iter_modules(planner.__path__, "planner.")}
    assert not modules & set(planner.__all__)
    assert callable(importlib.import_module("planner").solve)
