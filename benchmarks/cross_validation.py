"""Classifiers by 10-fold cross-validation on SUBJ and CR: the protocol of their published figures.

Kim (2014) and NBSVM report SUBJ and CR as 10-fold cross-validation over every
sentence, while `kzoo bench --quality` scores one seeded 10% test split (377
sentences for CR, so one standard error is about 2 points). This script pools
a dataset's train, dev and test files, cuts them into K folds (seeded) and, for
each fold, trains on the other folds less 10% held out as dev (the best epoch
is chosen there, as always) and scores the fold once. The mean over folds is
the figure to set beside the published one.

    python benchmarks/cross_validation.py --models cnn_classifier --datasets cr --folds 10
"""

import argparse
import os
import random
import statistics
import tempfile

from _common import DATA_DIR, data_path, write_result

SPLIT_SEED = 2026  # the seed the datasets' own splits were cut with (SOURCE.txt)
DEV_FRACTION = 0.1


def pooled_lines(paths):
    """Every non-empty `<label> <text>` line of a dataset's train, dev and test files, in file order."""
    lines = []
    for split in ("train", "dev", "test"):
        with open(paths[split], encoding="utf-8") as handle:
            lines += [line.rstrip("\n") for line in handle if line.strip()]
    return lines


def folds_of(lines, num_folds, seed=SPLIT_SEED):
    """`num_folds` (train, dev, test) line lists: each line is tested exactly once."""
    shuffled = list(lines)
    random.Random(seed).shuffle(shuffled)
    for fold in range(num_folds):
        test = shuffled[fold::num_folds]
        rest = [line for index, line in enumerate(shuffled) if index % num_folds != fold]
        num_dev = round(DEV_FRACTION * len(rest))
        yield rest[num_dev:], rest[:num_dev], test


def main():
    from kzoo.bench.classifier_quality import DATASETS, train_row
    from kzoo.bench.suite import machine_info
    from kzoo.cli import _parse_set

    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--models", nargs="+", default=["cnn_classifier"])
    parser.add_argument("--datasets", nargs="+", default=["subj", "cr"], choices=list(DATASETS))
    parser.add_argument("--folds", type=int, default=10)
    parser.add_argument("--set", action="append", metavar="KEY=VALUE", help="override a hyperparameter")
    parser.add_argument("--seed", type=int, default=0, help="the training seed (the folds use SPLIT_SEED)")
    parser.add_argument("--tag", default="defaults", help="names the results file")
    args = parser.parse_args()
    if args.folds < 2:
        parser.error(f"--folds must be at least 2, received {args.folds}")
    changes = {"overrides": _parse_set(args.set)} if args.set else {}

    result = {**machine_info(), "folds": args.folds, "split_seed": SPLIT_SEED, "changes": changes, "rows": [],
              "summary": []}
    for model in args.models:
        for key in args.datasets:
            dataset = DATASETS[key]
            data_path(dataset.folder)  # SKIP cleanly without the data
            lines = pooled_lines(dataset.paths(DATA_DIR))
            accuracies = []
            for fold, splits in enumerate(folds_of(lines, args.folds)):
                with tempfile.TemporaryDirectory() as folder:
                    paths = {}
                    for split, split_lines in zip(("train", "dev", "test"), splits):
                        paths[split] = os.path.join(folder, f"{split}.txt")
                        with open(paths[split], "w", encoding="utf-8") as handle:
                            handle.write("\n".join(split_lines) + "\n")
                    row = {**train_row(model, key, paths, seed=args.seed, **changes), "fold": fold}
                result["rows"].append(row)
                write_result(f"cross_validation_{args.tag}", result)
                accuracies.append(row["test_accuracy"])
                print(f"{model:>24} {key:>5} fold {fold}: dev {row['dev_accuracy']:.4f} "
                      f"test {row['test_accuracy']:.4f} (best epoch {row['best_epoch']}/{row['epochs']}, "
                      f"{row['wall_seconds']:.0f} s)", flush=True)
            summary = {"model": model, "dataset": key, "sentences": len(lines),
                       "mean_test_accuracy": statistics.mean(accuracies),
                       "stdev_over_folds": statistics.stdev(accuracies)}
            result["summary"].append(summary)
            write_result(f"cross_validation_{args.tag}", result)
            print(f"{model:>24} {key:>5}: {args.folds}-fold CV accuracy {100 * summary['mean_test_accuracy']:.2f} "
                  f"(± {100 * summary['stdev_over_folds']:.2f} over folds, {len(lines)} sentences) "
                  f"| {dataset.published}", flush=True)


if __name__ == "__main__":
    main()
