"""Stage 1 of the pipeline, beside the memory model: the speed model.

A roofline (bytes a decode step reads over memory bandwidth, FLOPs of a prefill over peak tensor FLOPs, the
all-reduce of tensor parallelism over NVLink or PCIe) with per-engine efficiencies and per-step overheads
fitted on published measurements (benchmarks/data/throughput_calibration.csv). Pure functions, like the memory
model, whose byte counts it uses.
"""
