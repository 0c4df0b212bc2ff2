"""Stage 2 of the pipeline: scenarios (workloads, hardware policy, costs, budgets), validated from YAML."""
