"""Each family's XLA training step written out as StableHLO, for timing on a chip TensorFlow cannot reach.

A machine with a GPU but no TensorFlow (or one too small to install it) can
still run kzoo's step: XLA compiles the very program TensorFlow's `jit_compile`
would hand it. `export_step_programs` writes, per model, precision and batch
size, the program (`.mlir.gz`, StableHLO text), its batch (`.npz`) and a
`manifest.json` with what the timing needs (FLOPs per item, the variables'
shapes); `kzoo.bench.xla_runner` compiles and times them with JAX's XLA.

Example:
    >>> export_step_programs(benchmark_models("bert*"), output_dir="steps", batch_sizes=(32, 256))
"""

import gzip
import json
import os
import re

import keras
import numpy as np
import tensorflow as tf

from kzoo.bench.device import PRECISIONS, benchmark_batch, benchmark_length, items_per_example, speed_unit
from kzoo.bench.flops import TRAINING_MULTIPLIER, forward_flops
from kzoo.bench.speed import make_trainer
from kzoo.registry import get_spec

MANIFEST = "manifest.json"
# Source locations (`loc(...)`) make up most of TensorFlow's StableHLO text and mean nothing elsewhere.
_LOCATION = re.compile(r' loc\((?:#loc\d*|"[^"\n]*"|unknown|fused\[[#\w, ]*\])\)|^#loc\d* = loc\(.*\)\n', re.M)
_BOOLEAN_CONSTANT = re.compile(r'dense<"0x([0-9A-Fa-f]+)"> : tensor<([0-9x]+)xi1>')
_MHLO_COPY = re.compile(r"mhlo\.copy (%[\w#]+) : (tensor<[^>]*>)")


def _nested(values):
    if values.ndim == 0:
        return "true" if values else "false"
    return "[" + ", ".join(_nested(row) for row in values) + "]"


def _spelled_out(match):
    shape = [int(size) for size in match.group(2).split("x")]
    bits = np.unpackbits(np.frombuffer(bytes.fromhex(match.group(1)), np.uint8), bitorder="little")
    return f"dense<{_nested(bits[:int(np.prod(shape))].reshape(shape).astype(bool))}> : tensor<{match.group(2)}xi1>"


def portable_stablehlo(text):
    """TensorFlow's StableHLO text in a form newer XLA versions parse; the program is unchanged.

    Drops the source locations; spells out boolean constants (TensorFlow's
    text packs 8 per hex byte, which newer MLIR rejects); writes `mhlo.copy`,
    the one MHLO op in it (JAX 0.11.2's XLA rejected the programs that held
    it), as the identity reshape it is.
    """
    text = _BOOLEAN_CONSTANT.sub(_spelled_out, _LOCATION.sub("", text))
    return _MHLO_COPY.sub(lambda m: f"stablehlo.reshape {m.group(1)} : ({m.group(2)}) -> {m.group(2)}", text)


def export_step_programs(models, *, output_dir, batch_sizes=(32,), precisions=PRECISIONS, quick=False,
                         with_values=False, log=print):
    """Writes the training step of each of `models` (`{label: (model, hyperparameters)}`) to `output_dir`.

    One program per precision and batch size, added to the folder's manifest
    (a program of the same name is replaced). `with_values=True` also saves
    the variables' starting values, so the step can be checked number for
    number (otherwise the runner fills them at random: speed does not depend
    on them). Returns the manifest.
    """
    os.makedirs(output_dir, exist_ok=True)
    manifest_path = os.path.join(output_dir, MANIFEST)
    programs = []
    for label, (name, hyperparameters) in models.items():
        spec = get_spec(name)
        length = benchmark_length(spec, hyperparameters, quick=quick)
        for precision in precisions:
            keras.backend.clear_session()
            # One model per precision: each batch size traces its own program over the same variables.
            trainer = make_trainer(name, hyperparameters, jit_compile=True, precision=precision)
            for batch_size in batch_sizes:
                inputs, labels = benchmark_batch(name, hyperparameters, batch_size=batch_size, length=length)
                program = trainer.train_step_program(inputs, labels)
                stem = f"{label}-{precision}-{batch_size}"
                with gzip.open(os.path.join(output_dir, stem + ".mlir.gz"), "wt", encoding="utf-8") as handle:
                    handle.write(portable_stablehlo(program.stablehlo))
                batch = tf.nest.flatten((inputs, labels))
                arrays = {f"argument_{i}": np.asarray(array) for i, array in enumerate(batch)}
                if with_values:
                    arrays.update({f"variable_{i}": np.asarray(v.numpy()) for i, v in enumerate(program.variables)})
                np.savez_compressed(os.path.join(output_dir, stem + ".npz"), **arrays)
                items = items_per_example(spec, length)
                programs.append({
                    "model": label, "precision": precision, "batch_size": batch_size, "length": length,
                    "unit": speed_unit(spec), "items_per_step": batch_size * items,
                    "training_flops_per_item": TRAINING_MULTIPLIER * forward_flops(trainer.model, length) / items,
                    "program": stem + ".mlir.gz", "aliases": program.aliases, "batch": stem + ".npz",
                    "arguments": len(batch),
                    "variables": [{"shape": list(v.shape), "dtype": str(v.dtype)} for v in program.variables],
                })
                log(f"{stem}: {len(program.variables)} variables")
    written = {program["program"] for program in programs}
    earlier = []
    if os.path.exists(manifest_path):
        with open(manifest_path, encoding="utf-8") as handle:
            earlier = [p for p in json.load(handle)["programs"] if p["program"] not in written]
    manifest = {"tensorflow": tf.__version__, "programs": earlier + programs}
    with open(manifest_path, "w", encoding="utf-8") as handle:
        json.dump(manifest, handle, indent=2)
    return manifest
