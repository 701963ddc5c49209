"""Speed of one registered model, each figure a median of repeated epochs over cached batches."""

import statistics
import time

import keras
import numpy as np
import tensorflow as tf

from kzoo._backend import device_kind
from kzoo.bench.flops import TRAINING_MULTIPLIER, forward_flops
from kzoo.data.pipeline import count_batches, without_autotuning
from kzoo.registry import create_model, get_spec
from kzoo.models.task import make_optimizer
from kzoo.training.inputs import Batches, data_hyperparameters, new_preprocessor, task_of
from kzoo.training.loop import Trainer


def train_speed(trainer, batches, *, repeats):
    """Median training examples (tokens) per second over `repeats` epochs, after one warm-up epoch."""
    return train_speeds({"trainer": trainer}, batches, repeats=repeats)["trainer"]


def train_speeds(trainers, batches, *, repeats):
    """Median training examples (tokens) per second of each trainer in `trainers` (a dict).

    After one warm-up epoch each, the trainers take turns, one epoch at a time,
    `repeats` times: a slow spell of a shared machine then falls on all of them
    alike instead of on whichever was measured during it.
    """
    for trainer in trainers.values():
        trainer.fit(batches, epochs=1, verbose=0)
    speeds = {key: [] for key in trainers}
    for _ in range(repeats):
        for key, trainer in trainers.items():
            speeds[key].append(trainer.fit(batches, epochs=1, verbose=0)[0]["examples_per_second"])
    return {key: statistics.median(values) for key, values in speeds.items()}


def eval_seconds(trainer, batches, *, repeats):
    """Median seconds of one evaluation pass, after a warm-up pass."""
    trainer.evaluate(batches)
    seconds = []
    for _ in range(repeats):
        started = time.perf_counter()
        trainer.evaluate(batches)
        seconds.append(time.perf_counter() - started)
    return statistics.median(seconds)


# First passes through the input pipeline whose median is its speed (see `measure_text_model`).
PIPELINE_PASSES = 3

# What one "item" of a speed figure is, per task (the unit kzoo's training loop counts).
UNITS = {"classification": "examples", "language_modeling": "tokens", "translation": "target tokens"}


def _items(batches):
    """Items in a finite batched dataset: examples, tokens, or a translator's target tokens (padding left out)."""
    total = 0
    for inputs, labels in batches:
        translation = isinstance(inputs, dict) and "decoder_token_ids" in inputs
        total += int(np.count_nonzero(labels)) if translation else int(np.prod(labels.shape))
    return total


def make_trainer(name, hyperparameters, *, jit_compile, precision="float32", total_steps=1000, preprocessor=None,
                 optimizer=None):
    spec = get_spec(name)
    previous = keras.config.dtype_policy()
    keras.config.set_dtype_policy(precision)
    try:
        model = create_model(name, preprocessor=preprocessor, **hyperparameters)
        optimizer = make_optimizer(spec.compile_defaults, optimizer=optimizer, total_steps=total_steps,
                                   precision=precision)
        task = task_of(spec) if spec.output_kind != "regression" else "regression"
        return Trainer(model, optimizer=optimizer, task=task, jit_compile=jit_compile,
                       steps_per_execution=spec.compile_defaults.steps_per_execution,
                       label_smoothing=spec.compile_defaults.label_smoothing)
    finally:
        keras.config.set_dtype_policy(previous)


def _compile_mode_trainers(name, hyperparameters):
    """One trainer per configuration every speed row compares: XLA, no XLA, XLA under mixed_bfloat16."""
    return {
        "train_xla": make_trainer(name, hyperparameters, jit_compile=True),
        "train_no_xla": make_trainer(name, hyperparameters, jit_compile=False),
        "train_bf16_xla": make_trainer(name, hyperparameters, jit_compile=True, precision="mixed_bfloat16"),
    }


def measure_text_model(name, data, *, preset=None, steps=20, repeats=3, batch_size=None, max_length=None):
    """Speed figures of a text model on `data` (a `(text, label)` dataset, or a string for a language model)."""
    spec = get_spec(name)
    task = task_of(spec)
    defaults = spec.compile_defaults
    batch_size = batch_size or defaults.batch_size
    hyperparameters = spec.hyperparameters(preset)
    preprocessor = new_preprocessor(spec, hyperparameters, task, data, max_length=max_length)
    hyperparameters.update(data_hyperparameters(spec, hyperparameters, {}, preprocessor, None))

    def pipeline():  # as the training loop reads it
        batches = Batches(task, data, preprocessor, batch_size=batch_size, shuffle=task == "classification")
        return without_autotuning(batches.for_epoch())

    # The pipeline alone, from raw text: whole first (uncached) passes, tokenization included,
    # each through a new pipeline; the median of PIPELINE_PASSES, as the process's very first pass
    # also pays TensorFlow's one-time start-up (~1 s, as much as a pass over SST-2's training split).
    # Whole passes, because the shuffle buffer tokenizes ahead of the batches.
    pipeline_speed = statistics.median(_first_pass_speed(pipeline) for _ in range(PIPELINE_PASSES))
    batches = pipeline().take(steps).cache()
    count_batches(batches)
    items = _items(batches)
    mean_length = _mean_length(batches)

    row = {"model": name, "preset": preset or spec.default_preset, "unit": UNITS[task],
           "batch_size": batch_size, "mean_padded_length": mean_length}
    trainers = _compile_mode_trainers(name, hyperparameters)
    if spec.input_kind == "word_ids" and spec.compile_defaults.optimizer == "adam":
        # The sparse alternative for the embedding table (kzoo.optimizers.LazyAdam), in the default compile mode.
        trainers["train_lazy_adam"] = make_trainer(
            name, hyperparameters, jit_compile=spec.compile_defaults.jit_compile_on(device_kind()),
            optimizer="lazy_adam")
    row.update(train_speeds(trainers, batches, repeats=repeats))
    xla = trainers["train_xla"]
    row["xla_ran"] = xla.jit_compile
    seconds = eval_seconds(xla, batches, repeats=repeats)
    row["inference_xla"] = items / seconds
    row["pipeline"] = pipeline_speed
    row["xla_speedup"] = row["train_xla"] / row["train_no_xla"]
    row["bf16_over_f32"] = row["train_bf16_xla"] / row["train_xla"]
    _add_defaults(row, spec)
    row["pipeline_over_train"] = pipeline_speed / row["train_default"]
    length = int(round(mean_length))
    flops = forward_flops(xla.model, length)
    if task != "classification":
        flops /= length  # per token (a translator's source and target are padded to one length)
    row["forward_flops_per_item"] = float(flops)
    row["train_gflops_per_second"] = TRAINING_MULTIPLIER * flops * row["train_xla"] / 1e9
    row["parameters"] = xla.model.count_params()
    return row


def _first_pass_speed(make_pipeline):
    """Items per second of one whole pass through a new, uncached pipeline."""
    started = time.perf_counter()
    items = _items(make_pipeline())
    return items / (time.perf_counter() - started)


def _mean_length(batches):
    lengths = []
    for inputs, _ in batches:
        ids = inputs if not isinstance(inputs, dict) else inputs.get("token_ids", inputs.get("encoder_token_ids"))
        lengths.append(int(ids.shape[1]))
    return float(np.mean(lengths))


def measure_linear_regression(*, steps=20, repeats=3, batch_size=32):
    from kzoo.models.linear_regression import make_linear_data

    x, y = make_linear_data(num_examples=steps * batch_size)
    batches = tf.data.Dataset.from_tensor_slices((x, y)).batch(batch_size).cache()
    hyperparameters = get_spec("linear_regression").hyperparameters()
    trainers = _compile_mode_trainers("linear_regression", hyperparameters)
    row = {"model": "linear_regression", "preset": "example", "unit": "examples", "batch_size": batch_size,
           "mean_padded_length": 1.0}
    row.update(train_speeds(trainers, batches, repeats=repeats))
    xla = trainers["train_xla"]
    row["xla_ran"] = xla.jit_compile
    row["inference_xla"] = len(x) / eval_seconds(xla, batches, repeats=repeats)
    row["pipeline"] = None
    row["xla_speedup"] = row["train_xla"] / row["train_no_xla"]
    row["bf16_over_f32"] = row["train_bf16_xla"] / row["train_xla"]
    _add_defaults(row, get_spec("linear_regression"))
    row["pipeline_over_train"] = None
    row["forward_flops_per_item"] = float(forward_flops(xla.model, 1))
    row["train_gflops_per_second"] = TRAINING_MULTIPLIER * row["forward_flops_per_item"] * row["train_xla"] / 1e9
    row["parameters"] = xla.model.count_params()
    return row


def _add_defaults(row, spec):
    """The compile mode the model's defaults pick on this device, its speed, and its ratio to the other mode."""
    row["default_xla"] = spec.compile_defaults.jit_compile_on(device_kind())
    row["train_default"] = row["train_xla"] if row["default_xla"] else row["train_no_xla"]
    row["default_over_other"] = row["xla_speedup"] if row["default_xla"] else 1 / row["xla_speedup"]
