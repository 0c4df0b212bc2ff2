"""Stage 1 of the pipeline: the memory model.

Pure functions that turn an architecture and a workload (task, precision, context, batch, GPUs, engine) into
bytes per component and per GPU. No I/O here except resolving a model name, size or config path (resolve.py).
"""
