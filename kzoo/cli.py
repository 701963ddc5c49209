"""The `kzoo` command line: list, info, train, evaluate, predict, generate, export, bench.

Only the commands that need TensorFlow import it (quietly), so `kzoo --help`,
`kzoo list` and `kzoo info` answer at once.
"""

import argparse
import json
import logging
import os
import sys

from kzoo._backend import emit_one_time_notices, quiet_native_logs


def _parse_set(items):
    """`["num_layers=2", "bidirectional=false"]` -> `{"num_layers": 2, "bidirectional": False}`."""
    overrides = {}
    for item in items or []:
        key, sep, raw = item.partition("=")
        if not sep or not key:
            raise ValueError(f"Invalid value for `--set`: expected key=value, received {item!r}")
        try:
            overrides[key] = json.loads(raw)
        except json.JSONDecodeError:
            overrides[key] = raw
    return overrides


def _add_data_options(parser):
    parser.add_argument("--format", dest="data_format",
                        help="local file format (default: detected; `kzoo list --datasets` lists them)")
    parser.add_argument("--text-column", default="text", help="CSV/TSV/JSONL text column")
    parser.add_argument("--label-column", default="label", help="CSV/TSV/JSONL label column")
    parser.add_argument("--data-dir", help="TFDS data_dir")


def build_parser():
    parser = argparse.ArgumentParser(prog="kzoo", description="A Keras 3 model zoo for text.")
    parser.add_argument("-v", "--verbose", action="store_true", help="log more")
    commands = parser.add_subparsers(dest="command", required=True)

    listing = commands.add_parser("list", help="list models (or datasets)")
    listing.add_argument("pattern", nargs="?", default="*", help="shell-style pattern, e.g. 'lstm*'")
    listing.add_argument("--datasets", action="store_true", help="list dataset names instead")

    info = commands.add_parser("info", help="describe a model")
    info.add_argument("model")

    train = commands.add_parser("train", help="train a model and write a run directory")
    train.add_argument("model")
    train.add_argument("--dataset", default="demo", help="demo, a TFDS name[:split] or a local path (default: demo)")
    train.add_argument("--validation", help="validation data (default: a seeded 10%% of the training data)")
    train.add_argument("--test", help="test data, evaluated once at the end")
    train.add_argument("--preset", help="model size preset (see `kzoo info MODEL`)")
    train.add_argument("--set", action="append", metavar="KEY=VALUE", help="override a model hyperparameter")
    train.add_argument("--epochs", type=int)
    train.add_argument("--batch-size", type=int)
    train.add_argument("--learning-rate", type=float)
    train.add_argument("--optimizer", help="a Keras optimizer name (default: the model's, see `kzoo info`)")
    train.add_argument("--max-length", type=int, help="tokens kept per text (window length for a language model)")
    train.add_argument("--run-dir", help="where the run is written; an existing run there is resumed")
    train.add_argument("--xla", action=argparse.BooleanOptionalAction,
                       help="compile the step with XLA or not (default: the faster one for the model on this device, "
                            "as measured; see `kzoo info MODEL`)")
    train.add_argument("--precision", choices=["float32", "mixed_bfloat16", "mixed_float16"],
                       help="default: mixed_bfloat16 on a TPU, float32 elsewhere")
    train.add_argument("--static-shapes", action="store_true", dest="fixed_length",
                       help="pad every batch to --max-length and drop the last partial one, and check that the "
                            "step is TPU-ready (static shapes, no string op) before training; always on with a TPU")
    train.add_argument("--steps-per-execution", type=int,
                       help="training steps per call into TensorFlow (default: the model's, see `kzoo info`)")
    train.add_argument("--strategy", default="auto",
                       help="tf.distribute strategy: auto (default: from --tpu, TF_CONFIG and the GPUs), default, "
                            "mirrored (the local GPUs), multi_worker (the cluster in TF_CONFIG, one process per "
                            "worker) or tpu")
    train.add_argument("--tpu", help="TPU address ('local' on a TPU VM or Colab TPU runtime, the default)")
    train.add_argument("--worker-timeout", type=float, metavar="SECONDS",
                       help="multi_worker: fail when the other workers cannot be reached for this long "
                            "(default: 5 minutes)")
    train.add_argument("--early-stopping", type=int, metavar="PATIENCE", help="stop after PATIENCE epochs without better val_loss")
    train.add_argument("--label-smoothing", type=float, metavar="E",
                       help="train on (1-E) x the target + E x uniform (the Transformer paper used 0.1); "
                            "default: the model's (`kzoo info MODEL`)")
    train.add_argument("--profile", metavar="FIRST,LAST", help="profile these training steps into TensorBoard")
    train.add_argument("--seed", type=int, default=0)
    train.add_argument("--time-budget", type=float, metavar="SECONDS", help="stop training after this long")
    train.add_argument("--tokenizer", choices=["char", "word"], help="language models: char (default) or word "
                       "(the same as --set tokenizer=word)")
    train.add_argument("--overwrite", action="store_true", help="delete the run in --run-dir and start afresh")
    _add_data_options(train)

    evaluate = commands.add_parser("evaluate", help="evaluate a run on a dataset (prints JSON)")
    evaluate.add_argument("run_dir")
    evaluate.add_argument("--dataset", required=True)
    evaluate.add_argument("--batch-size", type=int)
    _add_data_options(evaluate)

    predict = commands.add_parser("predict", help="classify (or translate) texts with a run (stdin when no TEXT)")
    predict.add_argument("run_dir")
    predict.add_argument("texts", nargs="*", metavar="TEXT")

    generate = commands.add_parser("generate", help="continue a prompt with a language model run")
    generate.add_argument("run_dir")
    generate.add_argument("--prompt", action="append", required=True, help="repeat for a batch of prompts")
    generate.add_argument("--max-length", type=int,
                          help="new tokens per prompt (default: 200, or as many as the model's positions leave)")
    generate.add_argument("--sampler", default="greedy", choices=["greedy", "random", "top_k", "top_p", "beam"])
    generate.add_argument("--temperature", type=float, default=1.0)
    generate.add_argument("--k", type=int, default=5, help="top_k: sample among the k likeliest")
    generate.add_argument("--p", type=float, default=0.9, help="top_p: smallest set with this probability")
    generate.add_argument("--num-beams", type=int, default=4)
    generate.add_argument("--seed", type=int, default=0)
    generate.add_argument("--stop", action="append", default=[], help="a token that ends the text (repeatable)")

    export = commands.add_parser("export", help="export a run as a SavedModel serving raw strings (TF Serving layout)")
    export.add_argument("run_dir")
    export.add_argument("output", help="folder; the model goes to OUTPUT/VERSION/")
    export.add_argument("--version", type=int, default=1)
    export.add_argument("--sampler", default="top_p", choices=["greedy", "random", "top_k", "top_p"],
                        help="language models: the sampler of the exported generation signature")

    bench = commands.add_parser("bench", help="run the benchmark suite (writes CSV/JSON/RESULTS.md/PNG)")
    bench.add_argument("pattern", nargs="?", default="*", help="models to benchmark, e.g. 'lstm*'")
    bench.add_argument("--quick", action="store_true", help="tiny presets and demo data: a few minutes")
    bench.add_argument("--device", choices=["cpu", "gpu"],
                       help="instead of the suite: examples/s, FLOP/s and fraction of the chip's bf16 peak per "
                            "model, XLA on/off, float32/mixed_bfloat16, batch 32 and the largest that fits")
    bench.add_argument("--max-batch", type=int, help="with --device: the largest batch tried (default 8192)")
    bench.add_argument("--output", default="benchmarks", help="where RESULTS.md, results.json, speed.csv and speed.png go")
    bench.add_argument("--data-dir", help="folder holding sst2/, subj/, cr/ and tinyshakespeare/ (default ../shared/data)")
    bench.add_argument("--quality-from", help="take the quality rows from this earlier results.json instead of re-running them")
    bench.add_argument("--no-quality", action="store_true", help="skip the SST-2 accuracy runs")
    bench.add_argument("--quality", action="store_true",
                       help="instead of the suite: every classifier matching the pattern trained with its defaults "
                            "on SST-2, SUBJ and CR (dev and test accuracy, wall time, published figures); writes "
                            "QUALITY.md and quality.json, keeping rows whose defaults have not changed")
    bench.add_argument("--quality-only", action="store_true",
                       help="re-run only the SST-2 accuracy of the matching models; keep the other rows of --output")
    return parser


def _read_stdin_lines():
    data = sys.stdin.buffer.read()
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as error:
        line = data.count(b"\n", 0, error.start) + 1
        raise ValueError(f"<stdin>:{line}: not valid UTF-8 (byte 0x{data[error.start]:02x})") from error
    return [line for line in text.splitlines() if line.strip()]


def _summary_table(metrics):
    best = metrics.get("best_epoch", metrics["epochs"])
    rows = [("model", metrics["model"]), ("dataset", metrics["dataset"]),
            ("epochs", f"{metrics['epochs']} (the model kept is epoch {best}, best {metrics.get('selected_by')})")]
    for split in ("train", "validation", "test"):
        for name, value in (metrics.get(split) or {}).items():
            rows.append((f"{split} {name}" + (f" (epoch {best})" if split == "train" else ""), f"{value:.4f}"))
    rows += [
        (f"{metrics['examples_unit']}/s (train)", f"{metrics['examples_per_second']:.0f}"),
        ("wall seconds", f"{metrics['wall_seconds']:.1f}"),
        ("jit_compile (ran)", metrics["jit_compile"]),
        ("precision", metrics["precision"]),
        ("parameters", f"{metrics['num_parameters']:,}"),
    ]
    width = max(len(key) for key, _ in rows)
    return "\n".join(f"  {key:<{width}}  {value}" for key, value in rows)


def run(args):
    import kzoo

    if args.command == "list":
        names = kzoo.data.list_datasets() if args.datasets else kzoo.list_models(args.pattern)
        for name in names:
            if args.datasets:
                print(name)
            else:
                info = kzoo.model_info(name)
                print(f"{name:<30} {info['family']:<18} {info['description']}")
        if args.datasets:
            print("<a local path>: class-per-folder tree, CSV, TSV, JSONL, '<label> <text>' lines or plain text")
    elif args.command == "info":
        print(json.dumps(kzoo.model_info(args.model), indent=2, default=str))
    elif args.command == "train":
        profile = tuple(int(x) for x in args.profile.split(",")) if args.profile else None
        from kzoo.training.train import default_run_dir

        run_dir = args.run_dir or default_run_dir(args.model)
        overrides = _parse_set(args.set)
        if args.tokenizer:
            overrides["tokenizer"] = args.tokenizer
        metrics = kzoo.train(
            args.model, dataset=args.dataset, validation=args.validation, test=args.test, preset=args.preset,
            overrides=overrides, epochs=args.epochs, batch_size=args.batch_size,
            learning_rate=args.learning_rate, optimizer=args.optimizer, max_length=args.max_length, run_dir=run_dir,
            jit_compile=args.xla, precision=args.precision, steps_per_execution=args.steps_per_execution,
            strategy=args.strategy_object, fixed_length=args.fixed_length, early_stopping_patience=args.early_stopping, profile_batches=profile,
            label_smoothing=args.label_smoothing,
            data_format=args.data_format, text_column=args.text_column, label_column=args.label_column,
            data_dir=args.data_dir, seed=args.seed, time_budget_seconds=args.time_budget,
            overwrite=args.overwrite, verbose=1,
        )
        if not metrics.get("is_chief", True):
            print(f"\nThis worker is done; the chief (worker 0) wrote the run to {run_dir}")
            return 0
        print(f"\nRun written to {run_dir}\n{_summary_table(metrics)}")
        print(f"\nOpen TensorBoard with:  tensorboard --logdir {run_dir}/logs")
    elif args.command == "evaluate":
        metrics = kzoo.evaluate(
            args.run_dir, args.dataset, batch_size=args.batch_size, data_format=args.data_format,
            text_column=args.text_column, label_column=args.label_column, data_dir=args.data_dir,
        )
        print(json.dumps(metrics, indent=2))
    elif args.command == "predict":
        texts = args.texts or _read_stdin_lines()
        for result in kzoo.predict(args.run_dir, texts):
            if "translation" in result:
                print(f"{result['translation']}\t{result['text']}")
                continue
            probabilities = " ".join(f"{k}={v:.3f}" for k, v in result["probabilities"].items())
            print(f"{result['label']}\t{probabilities}\t{result['text']}")
    elif args.command == "export":
        from kzoo.serving import export_run

        target = export_run(args.run_dir, args.output, version=args.version, sampler=args.sampler)
        print(f"Exported to {target}")
        print(f"Inspect it with:  saved_model_cli show --dir {target} --tag_set serve --signature_def serving_default")
    elif args.command == "bench":
        from kzoo.bench import rerun_quality, run_suite

        if args.device:
            from kzoo.bench.device import run_device_bench

            run_device_bench(args.pattern, device=args.device, quick=args.quick, max_batch=args.max_batch,
                             output_dir=args.output)
            print(f"Results written to {args.output}/device_{args.device}.md")
            return 0
        if args.quality:
            from kzoo.bench.classifier_quality import TABLE_FILE, run_quality_table

            run_quality_table(args.pattern, output_dir=args.output, data_dir=args.data_dir)
            print(f"Results written to {os.path.join(args.output, TABLE_FILE)}")
            return 0
        if args.quality_only:
            rerun_quality(args.pattern, output_dir=args.output, data_dir=args.data_dir)
        else:
            run_suite(args.pattern, quick=args.quick, output_dir=args.output, data_dir=args.data_dir,
                      quality_runs=not args.no_quality, quality_from=args.quality_from)
        print(f"Results written to {args.output}/RESULTS.md")
    elif args.command == "generate":
        texts = kzoo.generate(
            args.run_dir, args.prompt, max_length=args.max_length, sampler=args.sampler,
            temperature=args.temperature, k=args.k, p=args.p, num_beams=args.num_beams, seed=args.seed,
            stop=[s.encode().decode("unicode_escape") for s in args.stop],
        )
        print("\n\n".join(texts))
    return 0


def needs_tensorflow(args):
    """Everything but listing and describing models trains, loads or reads data."""
    return not (args.command == "info" or (args.command == "list" and not args.datasets))


def main(argv=None):
    args = build_parser().parse_args(argv)
    logging.basicConfig(level=logging.INFO if args.verbose else logging.WARNING, format="%(levelname)s %(name)s: %(message)s")
    try:
        if needs_tensorflow(args):
            with quiet_native_logs():
                import tensorflow as tf

                if args.command == "train":
                    # The strategy first: a multi-worker one must configure collectives before any other op.
                    from kzoo.training.distribution import make_strategy

                    timeout = {"worker_timeout": args.worker_timeout} if args.worker_timeout else {}
                    args.strategy_object = make_strategy(args.strategy, tpu=args.tpu, **timeout)
                else:
                    tf.config.list_logical_devices()  # initializes the devices (and their log lines) here
                emit_one_time_notices()
        return run(args)
    except (ValueError, TypeError, FileNotFoundError, FileExistsError, ModuleNotFoundError, RuntimeError) as error:
        print(f"kzoo: error: {error}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
