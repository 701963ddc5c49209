"""`kzoo.train`: a zoo model + a dataset -> a trained run directory."""

import datetime
import logging
import os
import time

import keras
import tensorflow as tf

from kzoo.data.pipeline import count_batches
from kzoo.errors import check_choice, check_int
from kzoo.models.task import make_optimizer
from kzoo.registry import create_model, get_spec
from kzoo.text import load_tokenizer
from kzoo.training import run_dir as rd
from kzoo.training.checkpoints import EpochCheckpoint
from kzoo.training.distribution import describe, select_strategy
from kzoo.training.inputs import (
    build_tokenizer,
    data_hyperparameters,
    load_splits,
    make_batches,
    max_length_for,
    needs_bert_inputs,
    task_of,
    tokenizer_kind,
)
from kzoo.training.loop import Trainer
from kzoo.generation import TextGenerator
from kzoo.training.tensorboard import SampleTextLogger, TensorBoardLogger

logger = logging.getLogger("kzoo")
PRECISIONS = ("float32", "mixed_bfloat16", "mixed_float16")


def build_optimizer(defaults, *, learning_rate=None, optimizer=None, total_steps, precision="float32"):
    """The model's default optimizer (or `optimizer`, a Keras name), with linear
    warmup then cosine decay when the defaults ask for warmup."""
    learning_rate = learning_rate or defaults.learning_rate
    if defaults.warmup_fraction:
        warmup = max(1, int(total_steps * defaults.warmup_fraction))
        learning_rate = keras.optimizers.schedules.CosineDecay(
            initial_learning_rate=0.0,
            decay_steps=max(1, total_steps - warmup),
            warmup_target=learning_rate,
            warmup_steps=warmup,
        )
    optimizer = make_optimizer(optimizer or defaults.optimizer, learning_rate=learning_rate, clipnorm=defaults.clipnorm)
    if precision == "mixed_float16":
        optimizer = keras.optimizers.LossScaleOptimizer(optimizer)
    return optimizer


def default_run_dir(model_name):
    return os.path.join("runs", f"{model_name}-{datetime.datetime.now():%Y%m%d-%H%M%S}")


def train(
    model,
    *,
    dataset="demo",
    validation=None,
    test=None,
    preset=None,
    overrides=None,
    epochs=None,
    batch_size=None,
    learning_rate=None,
    optimizer=None,
    max_length=None,
    run_dir=None,
    jit_compile=True,
    precision="float32",
    steps_per_execution=1,
    tpu=None,
    strategy=None,
    fixed_length=False,
    early_stopping_patience=None,
    tensorboard_update_freq=50,
    profile_batches=None,
    data_format=None,
    text_column="text",
    label_column="label",
    data_dir=None,
    validation_fraction=0.1,
    restore_best=True,
    time_budget_seconds=None,
    tokenizer=None,
    sample_prompt=None,
    seed=0,
    verbose=1,
):
    """Trains a registered model on a dataset; returns the metrics dict it writes.

    With `restore_best` the final model is the epoch with the best validation
    score: accuracy for classifiers, loss for language models (model selection
    on validation data, never on test).
    Language models log a sample continuation of `sample_prompt` to TensorBoard
    each epoch; `tokenizer="word"` trains a word-level one (default: chars).
    `time_budget_seconds` stops training when the budget is spent. `seed` fixes
    the initial weights, dropout, the validation split and the shuffling order.
    The run directory holds `config.json`, tokenizer assets, TF checkpoints (a
    killed run started again with the same `run_dir` resumes after its last
    finished epoch, with the same vocabulary), TensorBoard logs, `model.keras`,
    `history.json` and `metrics.json`.

    Example:
        >>> metrics = kzoo.train("lstm_classifier", dataset="demo", epochs=2, run_dir="runs/lstm")
        >>> metrics["validation"]["accuracy"]
    """
    spec = get_spec(model)
    requested_tokenizer = tokenizer  # a kind name ("char"/"word"); the object is `text_tokenizer`
    task = task_of(spec)
    check_choice("precision", precision, PRECISIONS)
    check_int("steps_per_execution", steps_per_execution, minimum=1)
    defaults = spec.compile_defaults
    epochs = check_int("epochs", epochs if epochs is not None else defaults.epochs, minimum=1)
    batch_size = check_int("batch_size", batch_size or defaults.batch_size, minimum=1)
    overrides = dict(overrides or {})
    hyperparameters = spec.hyperparameters(preset)
    hyperparameters.update(overrides)
    max_length = max_length_for(spec, hyperparameters, check_int("max_length", max_length or defaults.max_length, minimum=2))

    run_dir = run_dir or default_run_dir(spec.name)
    assets = rd.path(run_dir, rd.ASSETS)
    resuming = os.path.exists(rd.path(run_dir, rd.CONFIG))
    os.makedirs(assets, exist_ok=True)
    # One seed for weight initialisation, dropout, the validation split and shuffling.
    keras.utils.set_random_seed(seed)
    previous_policy = keras.config.dtype_policy()
    keras.config.set_dtype_policy(precision)
    try:
        strategy = strategy or select_strategy(tpu=tpu)
        if isinstance(strategy, tf.distribute.TPUStrategy):
            fixed_length = True  # TPUs need static shapes
        options = {"format": data_format, "text_column": text_column, "label_column": label_column, "data_dir": data_dir}
        train_data, valid_data, test_data, info = load_splits(
            task, dataset, validation, test, options=options, validation_fraction=validation_fraction, seed=seed
        )
        if resuming:
            config = rd.read_json(run_dir, rd.CONFIG)
            if config["model"] != spec.name:
                raise ValueError(f"{run_dir!r} holds a run of {config['model']!r}, not {spec.name!r}: use a new --run-dir.")
            text_tokenizer = load_tokenizer(config["tokenizer"], assets)
            hyperparameters = config["hyperparameters"]
            logger.info("Resuming the run in %s with its saved vocabulary", run_dir)
        else:
            kind = tokenizer_kind(spec, hyperparameters, requested_tokenizer)
            text_tokenizer = build_tokenizer(
                spec, hyperparameters, train_data, max_length=max_length, kind=kind, overrides=overrides
            )
            text_tokenizer.save_assets(assets)
            hyperparameters.update(data_hyperparameters(spec, hyperparameters, overrides, text_tokenizer, info.label_names))
            config = {
                "model": spec.name,
                "preset": preset or spec.default_preset,
                "hyperparameters": hyperparameters,
                "tokenizer": kind,
                "task": task,
                "label_names": info.label_names,
                "max_length": max_length,
                "dataset": dataset,
                "validation": validation,
                "test": test,
                "training": {
                    "epochs": epochs, "batch_size": batch_size, "learning_rate": learning_rate, "optimizer": optimizer,
                    "precision": precision, "jit_compile": jit_compile, "steps_per_execution": steps_per_execution,
                    "seed": seed, "fixed_length": fixed_length,
                },
                "versions": {"tensorflow": tf.__version__, "keras": keras.__version__},
            }
            rd.write_json(run_dir, rd.CONFIG, config)

        batching = {"batch_size": batch_size, "max_length": max_length, "fixed_length": fixed_length,
                    "bert_inputs": needs_bert_inputs(spec)}
        train_batches = make_batches(task, train_data, text_tokenizer, shuffle=True, seed=seed, **batching)
        valid_batches = make_batches(task, valid_data, text_tokenizer, **batching)
        steps_per_epoch = count_batches(train_batches)
        if steps_per_epoch == 0:
            raise ValueError(f"Dataset {dataset!r} gives no training batch of size {batch_size} (too little data?)")

        with strategy.scope():
            keras_model = create_model(spec.name, **hyperparameters)
            keras_optimizer = build_optimizer(
                defaults, learning_rate=learning_rate, optimizer=optimizer, total_steps=steps_per_epoch * epochs,
                precision=precision,
            )
        trainer = Trainer(
            keras_model, optimizer=keras_optimizer, task=task, strategy=strategy,
            jit_compile=jit_compile, steps_per_execution=steps_per_execution,
        )
        checkpoint = EpochCheckpoint(
            keras_model, keras_optimizer, rd.path(run_dir, rd.CHECKPOINTS), rd.path(run_dir, rd.HISTORY)
        )
        initial_epoch, restored_history = checkpoint.restore()
        selection = ModelSelection.for_task(task)
        best_so_far = selection.best_value(restored_history)
        callbacks = [
            checkpoint,
            TensorBoardLogger(
                rd.path(run_dir, rd.LOGS),
                hparams={"model": spec.name, "dataset": dataset, "batch_size": batch_size,
                         "precision": precision, "epochs": epochs},
                update_freq=tensorboard_update_freq,
                profile_batches=profile_batches,
            ),
            keras.callbacks.TerminateOnNaN(),
            keras.callbacks.ModelCheckpoint(
                rd.path(run_dir, rd.BEST_MODEL), monitor=selection.monitor, mode=selection.mode,
                save_best_only=True, initial_value_threshold=best_so_far,
            ),
        ]
        if task == "language_modeling":
            prompt = sample_prompt or (
                train_data.lstrip()[:16] if config["tokenizer"] == "char" else " ".join(train_data.split()[:3])
            )
            callbacks.append(SampleTextLogger(
                TextGenerator(keras_model, text_tokenizer), prompt, rd.path(run_dir, rd.LOGS), seed=seed
            ))
        if early_stopping_patience:
            callbacks.append(keras.callbacks.EarlyStopping(
                monitor=selection.monitor, mode=selection.mode, patience=early_stopping_patience))
        if verbose:
            print(f"Training {spec.name} on {dataset} with {describe(strategy)}, {steps_per_epoch} steps/epoch"
                  + (f", resuming after epoch {initial_epoch}" if initial_epoch else ""))
        started = time.perf_counter()
        trainer.fit(
            train_batches, epochs=epochs, validation=valid_batches, initial_epoch=initial_epoch,
            callbacks=callbacks, steps_per_epoch=steps_per_epoch, time_budget_seconds=time_budget_seconds,
            verbose=verbose,
        )
        wall_seconds = time.perf_counter() - started
        history = checkpoint.history
        best_epoch = _restore_best_epoch(keras_model, history, run_dir, selection) if restore_best else len(history)
        keras_model.save(rd.path(run_dir, rd.MODEL))

        chosen = history[best_epoch - 1]
        train_metrics = {k: v for k, v in chosen.items() if k in ("loss", "accuracy", "perplexity")}
        metrics = {
            "model": spec.name,
            "dataset": dataset,
            "epochs": len(history),
            "best_epoch": best_epoch,
            "train": train_metrics,
            "validation": trainer.evaluate(valid_batches),
            "examples_per_second": _median([h["examples_per_second"] for h in history[1:] or history]),
            "examples_unit": "tokens" if task == "language_modeling" else "examples",
            "wall_seconds": wall_seconds,
            "jit_compile": trainer.jit_compile,
            "xla_fallback_reason": trainer.xla_fallback_reason,
            "precision": precision,
            "strategy": describe(strategy),
            "num_parameters": keras_model.count_params(),
            "resumed_from_epoch": initial_epoch,
        }
        if test_data is not None:
            metrics["test"] = trainer.evaluate(make_batches(task, test_data, text_tokenizer, **batching))
        rd.write_json(run_dir, rd.METRICS, metrics)
        return metrics
    finally:
        keras.config.set_dtype_policy(previous_policy)


class ModelSelection:
    """Which validation metric picks the best epoch, and in which direction.

    Classifiers are judged by accuracy (what they are for; their validation
    loss often rises while accuracy still improves), language models by loss.
    The first epoch reaching the best value wins, as in ModelCheckpoint.
    """

    def __init__(self, monitor, mode):
        self.monitor, self.mode = monitor, mode

    @classmethod
    def for_task(cls, task):
        return cls("val_accuracy", "max") if task == "classification" else cls("val_loss", "min")

    def best_value(self, history):
        values = [h[self.monitor] for h in history]
        return (max if self.mode == "max" else min)(values, default=None)

    def best_epoch(self, history):
        best = self.best_value(history)
        return next(h["epoch"] for h in history if h[self.monitor] == best)


def _restore_best_epoch(model, history, run_dir, selection):
    """Loads the weights of the best epoch (see `ModelSelection`); returns that epoch."""
    best_epoch = selection.best_epoch(history)
    if best_epoch != history[-1]["epoch"]:
        best_model = keras.saving.load_model(rd.path(run_dir, rd.BEST_MODEL), safe_mode=True)
        model.set_weights(best_model.get_weights())
        logger.info("Restored the weights of epoch %d (best %s)", best_epoch, selection.monitor)
    return best_epoch


def _median(values):
    values = sorted(values)
    return values[len(values) // 2] if values else None
