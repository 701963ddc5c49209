"""Classifiers on SST-2, SUBJ and CR with their defaults: dev accuracy (for choosing defaults) and test accuracy.

Each model trains with `kzoo.train` and its defaults on each dataset's train
split, keeps the best epoch on the dev split, and is scored once on test.
The published figures beside them come from each dataset's SOURCE.txt.

    python benchmarks/classifier_datasets.py [--models cnn_classifier ...] [--datasets sst2 subj cr]
"""

import argparse
import json
import os
import time

from _common import RESULTS_DIR, data_path

DATASETS = {  # name: (train, dev, test) under ../shared/data, and the published figures
    "sst2": (("sst2", "stsa.binary.train"), ("sst2", "stsa.binary.dev"), ("sst2", "stsa.binary.test"),
             "Kim CNN-static 86.8, CNN-non-static 87.2"),
    "subj": (("subj", "train.txt"), ("subj", "dev.txt"), ("subj", "test.txt"), "Kim CNN-static 93.0 (10-fold CV)"),
    "cr": (("cr", "train.txt"), ("cr", "dev.txt"), ("cr", "test.txt"), "Kim CNN-static 84.7 (10-fold CV)"),
}


def main():
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--models", nargs="+", default=["cnn_classifier"])
    parser.add_argument("--datasets", nargs="+", default=list(DATASETS), choices=list(DATASETS))
    parser.add_argument("--preset", default=None, help="a preset for every model (default: each model's own)")
    parser.add_argument("--run-dir", default="runs/classifier_datasets")
    args = parser.parse_args()

    import kzoo
    from kzoo.bench.suite import machine_info

    result = {**machine_info(), "preset": args.preset, "rows": []}
    for model in args.models:
        for dataset in args.datasets:
            train, dev, test, published = DATASETS[dataset]
            start = time.perf_counter()
            metrics = kzoo.train(model, preset=args.preset, dataset=data_path(*train), validation=data_path(*dev),
                                 test=data_path(*test), overwrite=True, verbose=0,
                                 run_dir=os.path.join(args.run_dir, f"{model}-{dataset}"))
            row = {"model": model, "dataset": dataset, "dev_accuracy": metrics["validation"]["accuracy"],
                   "test_accuracy": metrics["test"]["accuracy"], "best_epoch": metrics["best_epoch"],
                   "epochs": metrics["epochs"], "examples_per_second": metrics["examples_per_second"],
                   "wall_seconds": time.perf_counter() - start, "published": published}
            result["rows"].append(row)
            print(f"{model:>24} {dataset:>5}: dev {row['dev_accuracy']:.4f} test {row['test_accuracy']:.4f} "
                  f"(best epoch {row['best_epoch']}/{row['epochs']}, {row['wall_seconds']:.0f} s) | {published}",
                  flush=True)
    os.makedirs(RESULTS_DIR, exist_ok=True)
    name = "classifier_datasets" + (f"_{args.preset}" if args.preset else "") + ".json"
    with open(os.path.join(RESULTS_DIR, name), "w", encoding="utf-8") as handle:
        json.dump(result, handle, indent=2)


if __name__ == "__main__":
    main()
