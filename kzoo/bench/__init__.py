"""Benchmarks of the zoo: speed, kzoo versus the code it replaces, quality on real data."""

from kzoo.bench.suite import rerun_quality, run_suite

__all__ = ["rerun_quality", "run_suite"]
