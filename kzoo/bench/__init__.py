"""Benchmarks of the zoo: speed, kzoo versus the code it replaces, quality on real data."""

from kzoo.bench.suite import run_suite

__all__ = ["run_suite"]
