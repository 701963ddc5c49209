"""Classifiers with one preset each on SST-2, SUBJ and CR: dev accuracy (for choosing defaults) and test accuracy.

`kzoo bench --quality` measures every classifier's *defaults* the same way;
this script tries other presets before one becomes a default. Each run keeps
its best epoch on dev and is scored once on test.

    python benchmarks/classifier_datasets.py [--models cnn_classifier ...] [--datasets sst2 subj cr] [--preset P]
"""

import argparse
import json
import os

from _common import DATA_DIR, RESULTS_DIR, data_path


def main():
    from kzoo.bench.classifier_quality import DATASETS, train_row
    from kzoo.bench.suite import machine_info

    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--models", nargs="+", default=["cnn_classifier"])
    parser.add_argument("--datasets", nargs="+", default=list(DATASETS), choices=list(DATASETS))
    parser.add_argument("--preset", default=None, help="a preset for every model (default: each model's own)")
    args = parser.parse_args()

    result = {**machine_info(), "preset": args.preset, "rows": []}
    for model in args.models:
        for key in args.datasets:
            dataset = DATASETS[key]
            data_path(dataset.folder)  # SKIP cleanly without the data
            row = train_row(model, key, dataset.paths(DATA_DIR), preset=args.preset)
            result["rows"].append(row)
            print(f"{model:>24} {key:>5}: dev {row['dev_accuracy']:.4f} test {row['test_accuracy']:.4f} "
                  f"(best epoch {row['best_epoch']}/{row['epochs']}, {row['wall_seconds']:.0f} s) | "
                  f"{dataset.published}", flush=True)
    os.makedirs(RESULTS_DIR, exist_ok=True)
    name = "classifier_datasets" + (f"_{args.preset}" if args.preset else "") + ".json"
    with open(os.path.join(RESULTS_DIR, name), "w", encoding="utf-8") as handle:
        json.dump(result, handle, indent=2)


if __name__ == "__main__":
    main()
