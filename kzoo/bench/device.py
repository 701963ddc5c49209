"""`kzoo bench --device gpu|cpu`: how much of the chip each family's training step uses.

Per model: examples (tokens) per second, model FLOP/s and the fraction of the
chip's bf16 peak, with XLA on and off and in float32 and mixed_bfloat16, at
batch 32 and at the largest batch that fits (doubling until memory runs out or
`max_batch`). Inputs are random ids of a fixed length, so the figure is the
chip's, not the input pipeline's. (TPUs are not covered: their step runs under
`TPUStrategy`, which this bench does not set up.)

Example:
    >>> rows = run_device_bench("bert*", device="gpu")  # on a Colab GPU runtime
"""

import keras
import tensorflow as tf

from kzoo.bench.chips import device_row, peak_tflops, write_device_results
from kzoo.bench.flops import TRAINING_MULTIPLIER, forward_flops
from kzoo.bench.speed import make_trainer, train_speed
from kzoo.errors import unknown_name
from kzoo.registry import get_spec, list_models
from kzoo.testing import random_batch

DEVICES = ("cpu", "gpu")
PRECISIONS = ("float32", "mixed_bfloat16")
CLASSIFIER_LENGTH = 128  # tokens per example: BERT's usual fine-tuning length


def chip_name(device):
    """The GPU's name as TensorFlow reports it ("NVIDIA H100 80GB HBM3"), or "CPU"."""
    if device == "cpu":
        return "CPU"
    devices = tf.config.list_physical_devices(device.upper())
    if not devices:
        raise RuntimeError(f"`--device {device}` asked for, but TensorFlow sees no {device.upper()} here "
                           f"(visible: {[d.device_type for d in tf.config.list_physical_devices()]}).")
    return tf.config.experimental.get_device_details(devices[0]).get("device_name", "GPU")


def benchmark_batch(name, hyperparameters, *, batch_size, length):
    """A random `(inputs, labels)` batch of fixed length (ids below 1,000, so any vocabulary takes them)."""
    vocabulary = min(hyperparameters.get("vocabulary_size") or 256, 1000)
    return random_batch(name, {**hyperparameters, "vocabulary_size": vocabulary}, batch_size=batch_size,
                        length=length, seed=0)


def benchmark_length(spec, hyperparameters, *, quick=False):
    """Tokens per example: a language model's training window, 128 for the others (16 in quick mode)."""
    return spec.sequence_length(hyperparameters, 16 if quick else (
        spec.compile_defaults.max_length if spec.output_kind == "next_token_logits" else CLASSIFIER_LENGTH))


def speed_unit(spec):
    """What the speed counts: tokens for language models, examples for the others."""
    return "tokens" if spec.output_kind == "next_token_logits" else "examples"


def items_per_example(spec, length):
    """How many of `speed_unit`'s items one example of `length` tokens counts for."""
    return length if speed_unit(spec) == "tokens" else 1


def benchmark_models(pattern="*", *, quick=False):
    """`{name: (name, hyperparameters)}` for every text model matching `pattern`, default (or tiny) sizes."""
    return {name: (name, get_spec(name).hyperparameters("tiny" if quick else None))
            for name in list_models(pattern) if get_spec(name).output_kind != "regression"}


def _batches(name, hyperparameters, *, batch_size, length, steps):
    x, y = benchmark_batch(name, hyperparameters, batch_size=batch_size, length=length)
    return tf.data.Dataset.from_tensors((x, y)).repeat(steps).cache()


def measure(name, hyperparameters, *, batch_size, length, jit_compile, precision, steps, repeats):
    """Items per second of one configuration (None when it does not fit in memory)."""
    keras.backend.clear_session()
    try:
        trainer = make_trainer(name, hyperparameters, jit_compile=jit_compile, precision=precision)
        speed = train_speed(trainer, _batches(name, hyperparameters, batch_size=batch_size, length=length,
                                              steps=steps), repeats=repeats)
        flops = forward_flops(trainer.model, length) / items_per_example(get_spec(name), length)
    except (tf.errors.ResourceExhaustedError, tf.errors.InternalError):
        return None, None
    return speed, flops


def run_device_bench(pattern="*", *, device="gpu", quick=False, max_batch=None, output_dir=None, log=print):
    """Rows for every text model matching `pattern` on `device`; written to `output_dir/device_<device>.json/.md`."""
    if device not in DEVICES:
        raise unknown_name("device", device, DEVICES)
    chip = chip_name(device)
    peak = peak_tflops(chip)
    max_batch = max_batch or (64 if quick else 8192)
    steps, repeats = (2, 1) if quick else (20, 3)
    rows = []
    for name, (_, hyperparameters) in benchmark_models(pattern, quick=quick).items():
        spec = get_spec(name)
        length = benchmark_length(spec, hyperparameters, quick=quick)
        for precision in PRECISIONS:
            for jit_compile in (True, False):
                batch_size, largest = 32, None
                while batch_size <= max_batch:
                    speed, flops = measure(name, hyperparameters, batch_size=batch_size, length=length,
                                           jit_compile=jit_compile, precision=precision, steps=steps, repeats=repeats)
                    if speed is None:
                        break
                    row = device_row(model=name, chip=chip, peak=peak, precision=precision, xla=jit_compile,
                                     batch_size=batch_size, length=length, items_per_second=speed,
                                     unit=speed_unit(spec), training_flops_per_item=TRAINING_MULTIPLIER * flops)
                    if batch_size == 32:
                        rows.append(row)
                    largest = row
                    log(f"{name} {precision} xla={jit_compile} batch {batch_size}: {speed:,.0f} {row['unit']}/s")
                    batch_size *= 2
                if largest is not None and largest["batch_size"] != 32:
                    rows.append({**largest, "batch": "largest"})
    if output_dir:
        write_device_results(output_dir, f"device_{device}", chip=chip, peak=peak, rows=rows)
    return rows

