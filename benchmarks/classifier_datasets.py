"""Classifiers with other settings on SST-2, SUBJ and CR: dev accuracy (for choosing defaults) and test accuracy.

`kzoo bench --quality` measures every classifier's *defaults*; this script
tries other presets, hyperparameters (`--set`), learning rates, epochs, batch
sizes, label smoothing and seeds before one becomes a default. Each run keeps its best epoch on
dev and is scored once on test; it ends with the mean dev accuracy over datasets and
seeds, the figure defaults are chosen on, and the defaults' own figure on the
same seeds, from earlier rows trained with the defaults as they are now.

    python benchmarks/classifier_datasets.py --models cnn_classifier --set dropout=0.3 --seeds 0 1 --tag dropout03
"""

import argparse
import os
import statistics

from _common import DATA_DIR, RESULTS_DIR, data_path, write_result


def main():
    from kzoo.bench.classifier_quality import DATASETS, train_row
    from kzoo.bench.suite import machine_info
    from kzoo.cli import _parse_set

    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--models", nargs="+", default=["cnn_classifier"])
    parser.add_argument("--datasets", nargs="+", default=list(DATASETS), choices=list(DATASETS))
    parser.add_argument("--preset", default=None, help="a preset for every model (default: each model's own)")
    parser.add_argument("--set", action="append", metavar="KEY=VALUE", help="override a hyperparameter")
    parser.add_argument("--learning-rate", type=float)
    parser.add_argument("--epochs", type=int)
    parser.add_argument("--batch-size", type=int)
    parser.add_argument("--optimizer")
    parser.add_argument("--label-smoothing", type=float)
    parser.add_argument("--seeds", type=int, nargs="+", default=[0])
    parser.add_argument("--tag", help="names the results file (default: the preset)")
    args = parser.parse_args()
    changes = {key: value for key, value in {
        "overrides": _parse_set(args.set), "learning_rate": args.learning_rate, "epochs": args.epochs,
        "batch_size": args.batch_size, "optimizer": args.optimizer,
        "label_smoothing": args.label_smoothing}.items() if value}

    result = {**machine_info(), "preset": args.preset, "changes": changes, "rows": []}
    name = "classifier_datasets_" + (args.tag or args.preset or "defaults")
    for model in args.models:
        for key in args.datasets:
            dataset = DATASETS[key]
            data_path(dataset.folder)  # SKIP cleanly without the data
            for seed in args.seeds:
                row = {**train_row(model, key, dataset.paths(DATA_DIR), preset=args.preset, seed=seed, **changes),
                       "seed": seed}
                result["rows"].append(row)
                write_result(name, result)
                print(f"{model:>24} {key:>5} seed {seed}: dev {row['dev_accuracy']:.4f} "
                      f"test {row['test_accuracy']:.4f} (best epoch {row['best_epoch']}/{row['epochs']}, "
                      f"{row['wall_seconds']:.0f} s) | {dataset.published}", flush=True)
        rows = [row for row in result["rows"] if row["model"] == model]
        for split in ("dev", "test"):
            means = [statistics.mean(r[f"{split}_accuracy"] for r in rows if r["dataset"] == key)
                     for key in args.datasets]
            print(f"{model:>24} mean {split} over {', '.join(args.datasets)}: {100 * statistics.mean(means):.2f}",
                  flush=True)
        if changes or args.preset:
            print(f"{model:>24} {default_on_same_seeds(model, args.datasets, args.seeds)}", flush=True)


def default_on_same_seeds(model, datasets, seeds):
    """The model's defaults on the same datasets and seeds, from earlier rows trained with the defaults as they are now.

    Settings are chosen against this figure, never against a row whose defaults have changed since (a stale row
    once made every Transformer try read as a loss: benchmarks/RESULTS.md). A try that became the default counts.
    """
    from kzoo.bench.classifier_quality import default_rows

    found = default_rows(os.path.dirname(RESULTS_DIR))  # quality.json's rows and those of results/
    missing = [f"{key} seed {seed}" for key in datasets for seed in seeds if (model, key, seed) not in found]
    if missing:
        return f"the defaults on the same seeds: no row with today's defaults for {', '.join(missing)} " \
               "(run this script without changes to measure them)"
    mean_dev = statistics.mean(statistics.mean(found[model, key, seed]["dev_accuracy"] for seed in seeds)
                               for key in datasets)
    return f"the defaults on the same seeds (earlier rows, today's defaults): mean dev {100 * mean_dev:.2f}"


if __name__ == "__main__":
    main()
