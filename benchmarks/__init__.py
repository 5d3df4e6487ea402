"""Reproducible benchmarks (never part of the test run): ``python -m benchmarks``."""
