"""Benchmarks: each module measures cita against a floor measured in the same run and prints the ratio."""
