"""A past commit's defaults on SST-2 over several training seeds, to read a figure of that day against today's.

A target such as "no family below its SST-2 figure of 2026-11-23" compares a
single training seed then with a single seed now, and one SST-2 test run moves
by about a point from seed to seed. This script trains the classifiers of an
older checkout with *its* defaults on the seeds given (only `kzoo.train`'s
oldest keywords are used, so any past commit runs), for a comparison of seed
means with `classifier_datasets.py --datasets sst2 --seeds 0 1 2` today:

    git worktree add /tmp/kzoo-then d3e4b14
    python benchmarks/past_defaults.py --source /tmp/kzoo-then --models bag_of_embeddings_classifier --tag 2026-11-23
"""

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time

from _common import data_path, write_result


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--source", required=True, help="a checkout of the past commit (e.g. a git worktree)")
    parser.add_argument("--models", nargs="+", required=True)
    parser.add_argument("--seeds", type=int, nargs="+", default=[0, 1, 2])
    parser.add_argument("--tag", required=True, help="names the results file: results/past_defaults_TAG.json")
    args = parser.parse_args()
    if not os.path.isfile(os.path.join(args.source, "kzoo", "__init__.py")):
        raise SystemExit(f"--source {args.source!r} holds no kzoo/ package (expected a checkout of kzoo)")
    sys.path.insert(0, os.path.abspath(args.source))  # the past kzoo, not the installed one
    import kzoo

    sst2 = data_path("sst2")
    commit = subprocess.run(["git", "-C", args.source, "rev-parse", "HEAD"], capture_output=True, text=True).stdout
    result = {"source_commit": commit.strip(), "kzoo": os.path.dirname(kzoo.__file__), "dataset": "sst2", "rows": []}
    for model in args.models:
        for seed in args.seeds:
            started = time.perf_counter()
            with tempfile.TemporaryDirectory() as run_dir:
                metrics = kzoo.train(model, dataset=os.path.join(sst2, "stsa.binary.train"),
                                     validation=os.path.join(sst2, "stsa.binary.dev"),
                                     test=os.path.join(sst2, "stsa.binary.test"),
                                     run_dir=os.path.join(run_dir, "run"), verbose=0, seed=seed)
            row = {"model": model, "seed": seed, "dev_accuracy": metrics["validation"]["accuracy"],
                   "test_accuracy": metrics["test"]["accuracy"], "best_epoch": metrics["best_epoch"],
                   "jit_compile": metrics.get("jit_compile"), "wall_seconds": time.perf_counter() - started}
            result["rows"].append(row)
            write_result(f"past_defaults_{args.tag}", result)
            print(json.dumps(row), flush=True)
        rows = [row for row in result["rows"] if row["model"] == model]
        print(f"{model}: mean over seeds {args.seeds}: dev {100 * statistics.mean(r['dev_accuracy'] for r in rows):.2f}, "
              f"test {100 * statistics.mean(r['test_accuracy'] for r in rows):.2f}", flush=True)


if __name__ == "__main__":
    main()
