"""Shared by the benchmark scripts: where the real data is and where results go."""

import json
import os
import sys

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


def write_result(name, result):
    """Writes `result` to results/NAME.json (again after every row, so a stopped run keeps what it measured)."""
    os.makedirs(RESULTS_DIR, exist_ok=True)
    with open(os.path.join(RESULTS_DIR, f"{name}.json"), "w", encoding="utf-8") as handle:
        json.dump(result, handle, indent=2)
