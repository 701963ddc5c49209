"""English -> Chinese (Tatoeba cmn-eng): the default translator against the Transformer example's sizes.

Trains `transformer_translator` twice with the same recipe (kzoo.train: its
optimizer, warmup, batch, greedy decoding) and the same time budget: the
default preset (`small`) and the `example` preset (d_model 512, 8 heads,
2 layers, feed-forward 2048, dropout 0.1: the example's model; the example has
no tokenizer or decoding loop, so both use kzoo's word -> character
preprocessing and the keras-io English-Spanish recipe of teacher forcing and
greedy decoding). Reports corpus BLEU (sacrebleu, tokenize="zh") on the test split.

    python benchmarks/translation.py [--minutes 30]
"""

import argparse
import json
import os

from _common import RESULTS_DIR, data_path


def summarize(run_dir, metrics):
    """What the results file keeps of one run: its scores, speed, size and three sample translations."""
    import kzoo

    sources = ["How are you?", "I am very happy today.", "Where is the train station?"]
    run = kzoo.load_run(run_dir)
    return {
        "label_smoothing": run.config["settings"]["label_smoothing"],
        "test_bleu": metrics["test"]["bleu"], "validation_bleu": metrics["validation"]["bleu"],
        "test_loss": metrics["test"]["loss"], "epochs": metrics["epochs"], "best_epoch": metrics["best_epoch"],
        "tokens_per_second": metrics["examples_per_second"], "parameters": metrics["num_parameters"],
        "samples": dict(zip(sources, run.model.translate(sources))),
    }


def main():
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--minutes", type=float, default=30.0, help="training budget of each model")
    parser.add_argument("--presets", nargs="+", default=["small", "example"])
    parser.add_argument("--epochs", type=int, nargs="+", default=[16, 6],
                        help="epochs each preset's warmup + cosine schedule spans, in the order of --presets (one "
                             "value: all); the defaults fit 30 minutes on 2 CPU cores (small ~110 s an epoch with "
                             "its validation BLEU, example ~3x that); the budget may stop a run sooner")
    parser.add_argument("--run-dir", default="runs/translation")
    args = parser.parse_args()
    train, dev, test = (data_path("cmn-eng", f"{split}.tsv") for split in ("train", "dev", "test"))

    import kzoo
    from kzoo.bench.suite import machine_info

    if len(args.epochs) not in (1, len(args.presets)):
        parser.error(f"--epochs takes one value or one per preset ({len(args.presets)}), received {args.epochs}")
    epochs = dict(zip(args.presets, args.epochs * len(args.presets) if len(args.epochs) == 1 else args.epochs))
    result = {**machine_info(), "budget_minutes": args.minutes, "schedule_epochs": epochs, "runs": {}}
    for preset in args.presets:
        metrics = kzoo.train("transformer_translator", preset=preset, dataset=train, validation=dev, test=test,
                             epochs=epochs[preset], time_budget_seconds=args.minutes * 60, overwrite=True,
                             run_dir=os.path.join(args.run_dir, preset), verbose=1)
        result["runs"][preset] = summarize(os.path.join(args.run_dir, preset), metrics)
        print(json.dumps(result["runs"][preset], ensure_ascii=False, indent=2))
    if {"small", "example"} <= set(result["runs"]):
        result["bleu_gain_over_example"] = result["runs"]["small"]["test_bleu"] - result["runs"]["example"]["test_bleu"]
    os.makedirs(RESULTS_DIR, exist_ok=True)
    with open(os.path.join(RESULTS_DIR, "translation.json"), "w", encoding="utf-8") as handle:
        json.dump(result, handle, ensure_ascii=False, indent=2)


if __name__ == "__main__":
    main()
