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

import json
import os

import keras
import tensorflow as tf

from kzoo.bench.flops import TRAINING_MULTIPLIER, forward_flops
from kzoo.bench.speed import make_trainer, train_speed
from kzoo.errors import unknown_name
from kzoo.registry import get_spec, list_models
from kzoo.testing import random_batch

# Dense bf16 peak of each chip, TFLOP/s (vendor figures, no sparsity).
PEAK_BF16_TFLOPS = {"H100": 989, "H200": 989, "A100": 312, "L4": 121, "T4": 65}
DEVICES = ("cpu", "gpu")
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


def peak_tflops(chip):
    """The bf16 peak of a chip whose name contains a known model, else None (CPUs, unknown chips)."""
    for model, peak in PEAK_BF16_TFLOPS.items():
        if model.lower() in chip.lower():
            return peak
    return None


def _batches(name, hyperparameters, *, batch_size, length, steps):
    vocabulary = min(hyperparameters.get("vocabulary_size") or 256, 1000)
    x, y = random_batch(name, {**hyperparameters, "vocabulary_size": vocabulary}, batch_size=batch_size,
                        length=length, seed=0)
    return tf.data.Dataset.from_tensors((x, y)).repeat(steps).cache()


def measure(name, hyperparameters, *, batch_size, length, jit_compile, precision, steps, repeats):
    """Items per second of one configuration (None when it does not fit in memory)."""
    keras.backend.clear_session()
    try:
        trainer = make_trainer(name, hyperparameters, jit_compile=jit_compile, precision=precision)
        speed = train_speed(trainer, _batches(name, hyperparameters, batch_size=batch_size, length=length,
                                              steps=steps), repeats=repeats)
        flops = forward_flops(trainer.model, length)
    except (tf.errors.ResourceExhaustedError, tf.errors.InternalError):
        return None, None
    if get_spec(name).output_kind == "next_token_logits":
        flops /= length  # the speed counts tokens
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
    for name in list_models(pattern):
        spec = get_spec(name)
        if spec.output_kind == "regression":
            continue
        hyperparameters = spec.hyperparameters("tiny" if quick else None)
        length = spec.sequence_length(hyperparameters, 16 if quick else (
            spec.compile_defaults.max_length if spec.output_kind == "next_token_logits" else CLASSIFIER_LENGTH))
        for precision in ("float32", "mixed_bfloat16"):
            for jit_compile in (True, False):
                batch_size, largest = 32, None
                while batch_size <= max_batch:
                    speed, flops = measure(name, hyperparameters, batch_size=batch_size, length=length,
                                           jit_compile=jit_compile, precision=precision, steps=steps, repeats=repeats)
                    if speed is None:
                        break
                    row = {"model": name, "device": chip, "precision": precision, "xla": jit_compile,
                           "batch_size": batch_size, "length": length, "items_per_second": speed,
                           "model_tflops": TRAINING_MULTIPLIER * flops * speed / 1e12,
                           "unit": "tokens" if spec.output_kind == "next_token_logits" else "examples"}
                    row["fraction_of_peak"] = row["model_tflops"] / peak if peak else None
                    if batch_size == 32:
                        rows.append({**row, "batch": "32"})
                    largest = row
                    log(f"{name} {precision} xla={jit_compile} batch {batch_size}: {speed:,.0f} {row['unit']}/s")
                    batch_size *= 2
                if largest is not None and largest["batch_size"] != 32:
                    rows.append({**largest, "batch": "largest"})
    if output_dir:
        os.makedirs(output_dir, exist_ok=True)
        with open(os.path.join(output_dir, f"device_{device}.json"), "w") as handle:
            json.dump({"chip": chip, "peak_bf16_tflops": peak, "rows": rows}, handle, indent=2)
        with open(os.path.join(output_dir, f"device_{device}.md"), "w") as handle:
            handle.write(device_table(chip, peak, rows))
    return rows


def device_table(chip, peak, rows):
    """The rows as a Markdown table."""
    lines = [f"# kzoo on {chip}" + (f" (bf16 peak {peak} TFLOP/s)" if peak else " (no known peak)"), "",
             "| model | precision | XLA | batch | items/s | model TFLOP/s | fraction of peak |",
             "|---|---|---|---|---|---|---|"]
    for row in rows:
        fraction = "–" if row["fraction_of_peak"] is None else f"{100 * row['fraction_of_peak']:.1f}%"
        lines.append(f"| {row['model']} | {row['precision']} | {'on' if row['xla'] else 'off'} | "
                     f"{row['batch_size']} ({row['batch']}) | {row['items_per_second']:,.0f} {row['unit']} | "
                     f"{row['model_tflops']:.3f} | {fraction} |")
    return "\n".join(lines) + "\n"

