"""Stage 4 of the pipeline: the integer program. The only package that imports pulp (in ``solve`` and the
model-building modules); ``data`` is plain numbers so it can be built and tested without a solver."""
