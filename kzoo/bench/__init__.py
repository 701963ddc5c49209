"""Benchmarks of the zoo: speed, kzoo versus the code it replaces, quality on real data.

The suite loads on first use, so TensorFlow-free parts (`kzoo.bench.chips`,
`kzoo.bench.xla_runner`) import on a machine without it.
"""

import importlib

__all__ = ["rerun_quality", "run_suite"]


def __getattr__(name):
    if name in __all__:
        return getattr(importlib.import_module("kzoo.bench.suite"), name)
    raise AttributeError(f"module 'kzoo.bench' has no attribute {name!r}")
