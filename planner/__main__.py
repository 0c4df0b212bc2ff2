"""``python -m planner`` and the ``planner`` command.

The command's entry point is ``run`` rather than ``planner.cli:main`` so that a Ctrl-C while the CLI is still
being imported also ends in one line and exit status 130, like one during a command (``planner.cli``).
"""

from __future__ import annotations

import os
import sys

EXIT_INTERRUPTED = 130  # planner.errors.EXIT_INTERRUPTED, not imported: this module must import nothing


def run() -> None:
    try:
        from planner.cli import main
    except KeyboardInterrupt:
        sys.stderr.write("interrupted\n")
        raise SystemExit(EXIT_INTERRUPTED) from None
    try:
        main()
    except SystemExit as done:
        watchdog = sys.modules.get("planner.ilp.watchdog")
        if watchdog is not None and watchdog.pending():
            # A HiGHS solve given up on still runs (planner.ilp.watchdog); the plan is out, so end now
            # instead of waiting for HiGHS's next check of its own limit (up to a minute on large fleets).
            code = done.code
            if isinstance(code, str):
                sys.stderr.write(code + "\n")
            sys.stdout.flush()
            sys.stderr.flush()
            os._exit(code if isinstance(code, int) else (0 if code is None else 1))
        raise


if __name__ == "__main__":
    run()
