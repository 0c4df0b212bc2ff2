"""pulp, for the modules of this package: imported only after highspy.

PuLP imports highspy inside a bare ``except`` (the body of its HiGHS class), so a Ctrl-C that lands while
highspy loads made HiGHS "not available" (exit 2) instead of an interrupt (exit 130). Loaded here first, the
KeyboardInterrupt reaches the CLI and PuLP finds the module already there. Not in the package's
``__init__``: ``planner validate`` reads ``ilp.data`` and needs neither. A missing highspy is still PuLP's
(and ``solve._make_solver``'s) to report.
"""

import contextlib

with contextlib.suppress(ImportError):
    import highspy  # noqa: F401

# "as pulp": the explicit re-export strict mypy wants
import pulp as pulp
