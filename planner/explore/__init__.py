"""Exploring plans rather than solving one: plans as DataFrames, two plans compared, a scenario swept.

Every module here reads ``Plan`` objects the pipeline produced; none solves anything its own way, so the
numbers are the CLI's. pandas is imported only by the modules that return DataFrames.
"""
