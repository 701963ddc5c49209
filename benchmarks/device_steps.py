"""kzoo's training steps on a GPU machine that has JAX but no TensorFlow (#14: GPU figures where TF can't go).

TensorFlow (about 600 MB with its CUDA libraries) cannot be installed on every
accelerator machine, but its `jit_compile` step is an XLA program, and XLA
compiles it the same wherever it runs. Two halves:

    # here, with kzoo and TensorFlow: every family's step + BERT-base's, per precision and batch size
    python benchmarks/device_steps.py export steps/
    # on the GPU machine, with JAX only (kzoo's source on the path, nothing installed)
    PYTHONPATH=. python benchmarks/device_steps.py run steps/ --output out/
    # and where one step's time goes: per kernel (JAX's profiler), with the HLO XLA compiled
    PYTHONPATH=. python benchmarks/device_steps.py profile steps/ bert_base-mixed_bfloat16-1024.mlir.gz --output out/

`run` writes out/device_xla_programs.{json,md}: examples (tokens) per second, model TFLOP/s and the
fraction of the chip's bf16 peak, the rows of `kzoo bench --device gpu` with XLA on. Variables start at
random values (speed does not depend on them); `--with-values` exports them too, for checking a run number
for number against TensorFlow (tests/test_step_programs.py does, on CPU).
"""

import argparse
import os
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))

# BERT-base (bert-base-uncased's sizes, random weights: no download): the reference model.
BERT_BASE = {"checkpoint": None, "vocabulary_size": 30522, "num_layers": 12, "num_heads": 12, "hidden_dim": 768,
             "intermediate_dim": 3072, "max_sequence_length": 512}


def export(args):
    from kzoo.bench.device import PRECISIONS, benchmark_models
    from kzoo.bench.layer_norm_variants import layer_norm_variant
    from kzoo.bench.step_programs import export_step_programs
    from kzoo.registry import get_spec

    suffix = "" if args.layer_norm == "keras" else f"_ln_{args.layer_norm}"
    options = {"output_dir": args.directory, "with_values": args.with_values,
               "precisions": tuple(args.precisions or PRECISIONS)}
    with layer_norm_variant(args.layer_norm):
        models = {label + suffix: model for label, model in benchmark_models(args.pattern).items()}
        export_step_programs(models, batch_sizes=tuple(args.batch_sizes), **options)
        if not args.no_bert_base:
            bert_base = {**get_spec("bert_classifier").hyperparameters(), **BERT_BASE}
            export_step_programs({"bert_base" + suffix: ("bert_classifier", bert_base)},
                                 batch_sizes=tuple(args.bert_base_batches), **options)


def run(args):
    from kzoo.bench.xla_runner import run_step_programs

    run_step_programs(args.directory, output_dir=args.output, steps=args.steps, repeats=args.repeats,
                      patterns=args.patterns, overlap=not args.no_overlap)


def profile(args):
    from kzoo.bench.xla_runner import profile_step_program

    for program in args.programs:
        profile_step_program(args.directory, program, output_dir=args.output, steps=args.steps)


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    commands = parser.add_subparsers(dest="command", required=True)
    exporting = commands.add_parser("export", help="write the step programs (needs TensorFlow)")
    exporting.add_argument("directory")
    exporting.add_argument("--pattern", default="*", help="models to export (default: every text model; one matching none, e.g. none: only BERT-base)")
    exporting.add_argument("--batch-sizes", type=int, nargs="+", default=[32, 512])
    exporting.add_argument("--bert-base-batches", type=int, nargs="+", default=[32, 256, 512, 1024])
    exporting.add_argument("--no-bert-base", action="store_true")
    exporting.add_argument("--with-values", action="store_true", help="also save the variables' starting values")
    exporting.add_argument("--precisions", nargs="+", help="default: float32 and mixed_bfloat16")
    exporting.add_argument("--layer-norm", default="keras", choices=["keras", "flat", "affine_only"],
                           help="how LayerNorm runs (kzoo.bench.layer_norm_variants); other than keras, the "
                                "programs' names end in _ln_VARIANT")
    running = commands.add_parser("run", help="compile and time them on JAX's first device (no TensorFlow)")
    running.add_argument("directory")
    running.add_argument("--output", required=True)
    running.add_argument("--patterns", nargs="+", default=["*"], help="only models matching one of these globs")
    running.add_argument("--no-overlap", action="store_true",
                         help="start timing once every program has compiled (steady figures for small steps)")
    running.add_argument("--steps", type=int, default=20)
    running.add_argument("--repeats", type=int, default=3)
    profiling = commands.add_parser("profile", help="where the given programs' steps spend their time (JAX profiler)")
    profiling.add_argument("directory")
    profiling.add_argument("programs", nargs="+", help="program files from the manifest, e.g. bert_base-mixed_bfloat16-1024.mlir.gz")
    profiling.add_argument("--output", required=True)
    profiling.add_argument("--steps", type=int, default=5)
    args = parser.parse_args()
    {"export": export, "run": run, "profile": profile}[args.command](args)


if __name__ == "__main__":
    main()
