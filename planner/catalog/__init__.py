"""Stage 1 of the pipeline: catalogs of models, GPUs, buyable systems and cloud instances."""
