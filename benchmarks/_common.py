"""Helpers shared by the benchmark scripts: where the real data is, timing, reporting."""

import os
import platform
import statistics
import sys
import time

DATA_DIR = os.environ.get(
    "KZOO_DATA_DIR", os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "shared", "data")
)
RESULTS_DIR = os.path.join(os.path.dirname(os.path.abspath(__file__)), "results")


def data_path(*parts):
    """A path under the shared data folder, or exit cleanly (status 0) when it is absent."""
    path = os.path.normpath(os.path.join(DATA_DIR, *parts))
    if not os.path.exists(path):
        print(f"SKIP: {path} not found (set KZOO_DATA_DIR to the folder holding sst2/ and tinyshakespeare/)")
        sys.exit(0)
    return path


def median_seconds(function, *, repeats=5, warmup=1):
    """Median wall time of `function()` over `repeats` runs after `warmup` runs."""
    for _ in range(warmup):
        function()
    times = []
    for _ in range(repeats):
        started = time.perf_counter()
        function()
        times.append(time.perf_counter() - started)
    return statistics.median(times)


def machine():
    import keras
    import tensorflow as tf

    return {
        "machine": f"{platform.machine()}, {os.cpu_count()} CPU cores, {platform.system()}",
        "python": platform.python_version(),
        "tensorflow": tf.__version__,
        "keras": keras.__version__,
    }
