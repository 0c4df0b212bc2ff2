"""``python -m planner`` and the ``planner`` command.

The command's entry point is ``run`` rather than ``planner.cli:main`` so that a Ctrl-C while the CLI is still
being imported also ends in one line and exit status 130, like one during a command (``planner.cli``).
"""

from __future__ import annotations

import sys

EXIT_INTERRUPTED = 130  # planner.errors.EXIT_INTERRUPTED, not imported: this module must import nothing


def run() -> None:
    try:
        from planner.cli import main
    except KeyboardInterrupt:
        sys.stderr.write("interrupted\n")
        raise SystemExit(EXIT_INTERRUPTED) from None
    main()


if __name__ == "__main__":
    run()
