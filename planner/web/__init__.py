"""The local web page (``planner serve``): a thin layer over the library, like the CLI."""
