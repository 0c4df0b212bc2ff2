"""Stage 3 of the pipeline: the options a plan may use and every feasible placement on them."""
