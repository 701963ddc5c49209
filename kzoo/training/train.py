"""`kzoo.train`: a zoo model + a dataset -> a trained run directory.

Four stages, each callable on its own (the benchmarks use them too):
`TrainOptions.resolve` checks every option; `prepare_data` loads the splits and
the model's preprocessor (new and adapted, or the run's own on resume);
`build_model` makes model and optimizer under the strategy; `fit_and_report`
trains, restores the best epoch and writes the metrics.
"""

import dataclasses
import datetime
import logging
import os
import shutil
import time

import keras
import tensorflow as tf

from kzoo._backend import device_kind
from kzoo.data.pipeline import count_batches
from kzoo.errors import check_choice, check_fraction, check_int, check_positive, invalid_value
from kzoo.generation import TextGenerator
from kzoo.models.task import make_optimizer
from kzoo.registry import create_model, get_spec
from kzoo.training import run_dir as rd
from kzoo.training.checkpoints import EpochCheckpoint
from kzoo.training.faults import injection_callbacks
from kzoo.training.distribution import (
    DEFAULT_WORKER_TIMEOUT_SECONDS,
    STRATEGIES,
    WorkerRole,
    agree_across_workers,
    describe,
    lost_worker_error,
    make_strategy,
)
from kzoo.training.inputs import (
    Batches,
    data_hyperparameters,
    load_splits,
    make_batches,
    new_preprocessor,
    task_of,
    training_texts,
)
from kzoo.training.loop import Trainer
from kzoo.training.static_shapes import check_tpu_ready
from kzoo.training.tensorboard import SampleTextLogger, TensorBoardLogger, continuation_sample, translation_samples
from kzoo.training.translation_metrics import corpus_bleu
from kzoo.training.truncation import truncation_report

logger = logging.getLogger("kzoo")
SAMPLE_TRANSLATIONS = 4  # validation pairs translated into TensorBoard at the end of every epoch
PRECISIONS = ("float32", "mixed_bfloat16", "mixed_float16")


def default_run_dir(model_name):
    return os.path.join("runs", f"{model_name}-{datetime.datetime.now():%Y%m%d-%H%M%S}")


@dataclasses.dataclass
class TrainOptions:
    """Everything `kzoo.train` takes; `None` means the model's default (see `kzoo info MODEL`)."""

    model: str
    dataset: str = "demo"
    validation: str | None = None
    test: str | None = None
    preset: str | None = None
    overrides: dict = dataclasses.field(default_factory=dict)
    epochs: int | None = None
    batch_size: int | None = None
    learning_rate: float | None = None
    optimizer: str | None = None
    max_length: int | None = None
    run_dir: str | None = None
    jit_compile: bool | None = None  # None: the model's measured choice for the device (see CompileDefaults)
    precision: str | None = None  # None: mixed_bfloat16 on a TPU, float32 elsewhere
    steps_per_execution: int | None = None  # None: the model's default (one step with several replicas)
    strategy: object = "auto"  # a name in STRATEGIES or a tf.distribute.Strategy
    tpu: str | None = None
    worker_timeout: float = DEFAULT_WORKER_TIMEOUT_SECONDS
    fixed_length: bool = False  # one static batch shape (TPU-ready), checked before training; always on a TPU
    early_stopping_patience: int | None = None
    label_smoothing: float | None = None  # of cross-entropy targets; None: the model's default
    tensorboard_update_freq: int = 50
    profile_batches: tuple | None = None
    data_format: str | None = None
    text_column: str = "text"
    label_column: str = "label"
    data_dir: str | None = None
    validation_fraction: float = 0.1
    restore_best: bool = True
    time_budget_seconds: float | None = None
    sample_prompt: str | None = None
    seed: int = 0
    overwrite: bool = False
    verbose: int = 1

    def resolve(self):
        """Checks every option (a clear error naming the option and value) and fills in the model's defaults."""
        spec = get_spec(self.model)
        defaults = spec.compile_defaults
        if self.precision is not None:
            check_choice("precision", self.precision, PRECISIONS)
        if self.steps_per_execution is not None:
            check_int("steps_per_execution", self.steps_per_execution, minimum=1)
        check_int("seed", self.seed, minimum=0)
        if isinstance(self.strategy, str) or self.strategy is None:
            self.strategy = check_choice("strategy", self.strategy or "auto", STRATEGIES)
        self.epochs = check_int("epochs", defaults.epochs if self.epochs is None else self.epochs, minimum=1)
        self.batch_size = check_int(
            "batch_size", defaults.batch_size if self.batch_size is None else self.batch_size, minimum=1)
        if self.max_length is not None:
            check_int("max_length", self.max_length, minimum=2)
        if self.learning_rate is not None:
            check_positive("learning_rate", self.learning_rate)
        if self.early_stopping_patience is not None:
            check_int("early_stopping_patience", self.early_stopping_patience, minimum=1)
        if self.time_budget_seconds is not None:
            check_positive("time_budget_seconds", self.time_budget_seconds)
        if self.label_smoothing is None:
            self.label_smoothing = defaults.label_smoothing
        self.label_smoothing = check_fraction("label_smoothing", self.label_smoothing)
        if self.label_smoothing and defaults.loss == "mean_squared_error":
            raise ValueError(f"Invalid value for `label_smoothing`: {spec.name} trains on mean squared error, which "
                             f"has no labels to smooth; expected 0, received {self.label_smoothing}")
        if not 0 < self.validation_fraction < 1:
            raise invalid_value("validation_fraction", "a float in (0, 1)", self.validation_fraction)
        self.overrides = dict(self.overrides or {})
        self.run_dir = self.run_dir or default_run_dir(spec.name)
        return spec

    def settings(self):
        """What must match for a run directory to be resumed (see `run_dir.check_same_run`)."""
        keys = ("model", "preset", "overrides", "epochs", "batch_size", "learning_rate", "optimizer", "max_length",
                "precision", "seed", "fixed_length", "validation_fraction", "label_smoothing")
        return {key: getattr(self, key) for key in keys}


@dataclasses.dataclass
class PreparedData:
    task: str
    train: object
    validation: object
    test: object
    label_names: list | None
    preprocessor: object
    hyperparameters: dict
    resumed: bool


def prepare_data(spec, options, *, write_dir=None):
    """Loads the splits and the preprocessor: new and adapted on the training split, or the run's own.

    A new run's config and preprocessor go to `write_dir` (the run directory
    unless this process is a non-chief worker, see `WorkerRole`).
    """
    task = task_of(spec)
    data_options = {"format": options.data_format, "text_column": options.text_column,
                    "label_column": options.label_column, "data_dir": options.data_dir}
    train, valid, test, info = load_splits(
        task, options.dataset, options.validation, options.test, options=data_options,
        validation_fraction=options.validation_fraction, seed=options.seed,
    )
    fingerprint = rd.data_fingerprint(options.dataset, options.validation, options.test, train, valid)
    run = options.run_dir
    if rd.is_run(run):
        config = rd.read_json(run, rd.CONFIG)
        rd.check_same_run(run, config, model=spec.name, settings=options.settings(), fingerprint=fingerprint)
        preprocessor = rd.load_run_preprocessor(run)
        logger.info("Resuming the run in %s with its saved vocabulary", run)
        return PreparedData(task, train, valid, test, config["label_names"], preprocessor,
                            config["hyperparameters"], resumed=True)

    hyperparameters = {**spec.hyperparameters(options.preset), **options.overrides}
    preprocessor = new_preprocessor(spec, hyperparameters, task, train, max_length=options.max_length)
    hyperparameters.update(
        data_hyperparameters(spec, hyperparameters, options.overrides, preprocessor, info.label_names))
    rd.start_run(write_dir or run, {
        "model": spec.name,
        "preset": options.preset or spec.default_preset,
        "hyperparameters": hyperparameters,
        "task": task,
        "label_names": info.label_names,
        "max_length": preprocessor.sequence_length,
        "settings": options.settings(),
        "data": fingerprint,
        "versions": {"tensorflow": tf.__version__, "keras": keras.__version__},
    }, preprocessor)
    return PreparedData(task, train, valid, test, info.label_names, preprocessor, hyperparameters, resumed=False)


def build_model(spec, options, data, strategy, *, total_steps):
    """The model (with its preprocessor) and its optimizer, made under `strategy`'s scope.

    A new run's model whose initial weights are made from text gets the training
    split's; a resumed run's weights come from its checkpoint, so it is built
    without pooling any (the context layer shapes initial weights only).
    """
    hyperparameters, texts = data.hyperparameters, None
    if data.resumed:
        if hyperparameters.get("context_layer") is not None:
            hyperparameters = {**hyperparameters, "context_layer": None}
    elif spec.takes_training_texts:
        texts = training_texts(data.task, data.train)
    with strategy.scope():
        model = create_model(spec.name, preprocessor=data.preprocessor, training_texts=texts, **hyperparameters)
        optimizer = make_optimizer(
            spec.compile_defaults, learning_rate=options.learning_rate, optimizer=options.optimizer,
            total_steps=total_steps, precision=options.precision,
        )
    return model, optimizer


def train(model, *, dataset="demo", **options):
    """Trains a registered model on a dataset; returns the metrics dict it writes.

    Takes every field of `TrainOptions` as a keyword. The model gets the
    preprocessor its registry entry declares, adapted on the training split; the
    saved `model.keras` takes raw strings. With `restore_best` the final model is
    the epoch with the best validation score: accuracy for classifiers, loss for
    language models (model selection on validation data, never on test).
    `seed` fixes the initial weights, dropout, the validation split and the
    shuffling order of every epoch. A killed run started again with the same
    `run_dir` resumes after its last finished epoch and ends as the
    uninterrupted run would; other data or settings there are an error
    (`overwrite=True` starts afresh).

    Example:
        >>> metrics = kzoo.train("lstm_classifier", dataset="demo", epochs=2, run_dir="runs/lstm")
        >>> metrics["validation"]["accuracy"]
    """
    options = TrainOptions(model=model, dataset=dataset, **options)
    spec = options.resolve()
    # First: MultiWorkerMirroredStrategy must configure collectives before any other TensorFlow op runs.
    strategy = options.strategy
    if isinstance(strategy, str):
        strategy = make_strategy(strategy, tpu=options.tpu, worker_timeout=options.worker_timeout)
    if isinstance(strategy, tf.distribute.TPUStrategy):
        options.fixed_length = True  # XLA on a TPU compiles one program per shape
    options.precision = options.precision or ("mixed_bfloat16" if device_kind(strategy) == "tpu" else "float32")
    role = WorkerRole.of(strategy)
    write_dir = role.write_dir(options.run_dir)
    if options.overwrite and role.is_chief and os.path.isdir(options.run_dir):
        shutil.rmtree(options.run_dir)
    if not role.is_chief:
        shutil.rmtree(write_dir, ignore_errors=True)  # what a killed attempt of this worker left
    agree_across_workers(strategy, 0, "the start of the run")  # a barrier: the chief's --overwrite is done
    fresh = not rd.is_run(write_dir)
    keras.utils.set_random_seed(options.seed)  # weight initialisation and dropout
    previous_policy = keras.config.dtype_policy()
    keras.config.set_dtype_policy(options.precision)
    try:
        data = prepare_data(spec, options, write_dir=write_dir)
        return fit_and_report(spec, options, data, strategy, write_dir=write_dir)
    except BaseException as error:
        if fresh:
            rd.discard_unstarted_run(write_dir)  # nothing left behind that blocks the next run
        if isinstance(error, tf.errors.UnavailableError) and role.num_workers > 1:
            raise lost_worker_error(error, options.run_dir) from error  # a peer died: say how to resume
        raise
    finally:
        keras.config.set_dtype_policy(previous_policy)
        if not role.is_chief:
            shutil.rmtree(write_dir, ignore_errors=True)


def fit_and_report(spec, options, data, strategy, *, write_dir=None):
    """Trains (resuming where a checkpoint exists), keeps the best epoch, writes `model.keras` and `metrics.json`.

    Everything is written to `write_dir` (default: the run directory); checkpoints
    are restored from the run directory.
    """
    run, task = options.run_dir, data.task
    out = write_dir or run
    batching = {"batch_size": options.batch_size, "fixed_length": options.fixed_length}
    train_batches = Batches(task, data.train, data.preprocessor, shuffle=True, seed=options.seed, **batching)
    valid_batches = make_batches(task, data.validation, data.preprocessor, **batching)
    steps_per_epoch = count_batches(train_batches.for_epoch(0))
    if steps_per_epoch == 0:
        raise ValueError(f"Dataset {options.dataset!r} gives no training batch of size {options.batch_size} "
                         "(too little data?)")
    truncation = truncation_report(
        task, {"train": data.train, "validation": data.validation, "test": data.test}, data.preprocessor)
    model, optimizer = build_model(spec, options, data, strategy, total_steps=steps_per_epoch * options.epochs)
    jit_compile, chosen_by = options.jit_compile, "the caller"
    if jit_compile is None:
        kind = device_kind(strategy)
        jit_compile, chosen_by = spec.compile_defaults.jit_compile_on(kind), f"the model's default on {kind}"
        if jit_compile and kind == "cpu" and strategy.num_replicas_in_sync > 1:
            jit_compile, chosen_by = False, "several replicas on cpu (XLA has no CPU kernels for all-reduce)"
    steps_per_execution = options.steps_per_execution
    if steps_per_execution is None:
        steps_per_execution = spec.compile_defaults.steps_per_execution_with(strategy.num_replicas_in_sync)
    trainer = Trainer(model, optimizer=optimizer, task=task, strategy=strategy, jit_compile=jit_compile,
                      steps_per_execution=steps_per_execution, label_smoothing=options.label_smoothing)
    if options.fixed_length:  # fail now, not after the first epoch on a TPU
        check_tpu_ready(trainer, {"train": train_batches.for_epoch(0), "validation": valid_batches})
    checkpoint = EpochCheckpoint(model, optimizer, rd.path(out, rd.CHECKPOINTS), rd.path(out, rd.HISTORY),
                                 restore_from=(rd.path(run, rd.CHECKPOINTS), rd.path(run, rd.HISTORY)))
    initial_epoch, restored_history = checkpoint.restore()
    agree_across_workers(strategy, initial_epoch, "the epoch to resume after")
    selection = ModelSelection.for_task(task)
    if initial_epoch >= options.epochs and os.path.exists(rd.path(run, rd.METRICS)):
        if options.verbose:
            print(f"The run in {run} already finished its {options.epochs} epochs: nothing to train.")
        return rd.read_json(run, rd.METRICS)

    callbacks = [
        *injection_callbacks(),  # tests of exact resume only: see kzoo.training.faults
        checkpoint,
        TensorBoardLogger(
            rd.path(out, rd.LOGS),
            hparams={"model": spec.name, "dataset": options.dataset, "batch_size": options.batch_size,
                     "precision": options.precision, "epochs": options.epochs},
            update_freq=options.tensorboard_update_freq,
            profile_batches=options.profile_batches,
        ),
        keras.callbacks.TerminateOnNaN(),
        keras.callbacks.ModelCheckpoint(
            rd.path(out, rd.BEST_MODEL), monitor=selection.monitor, mode=selection.mode,
            save_best_only=True, initial_value_threshold=selection.best_value(restored_history),
        ),
    ]
    if task == "language_modeling":
        prompt = options.sample_prompt or _sample_prompt(data.train, data.preprocessor)
        callbacks.append(SampleTextLogger(continuation_sample(
            TextGenerator(model, data.preprocessor), prompt, seed=options.seed), rd.path(out, rd.LOGS)))
    elif task == "translation":
        pairs = [(source.decode(), target.decode()) for source, target in data.validation.take(SAMPLE_TRANSLATIONS)
                 .as_numpy_iterator()]
        callbacks.append(SampleTextLogger(translation_samples(model, pairs), rd.path(out, rd.LOGS),
                                          tag="translations"))
    if options.early_stopping_patience:
        callbacks.append(keras.callbacks.EarlyStopping(
            monitor=selection.monitor, mode=selection.mode, patience=options.early_stopping_patience))
    if options.verbose:
        print(f"Training {spec.name} on {options.dataset} with {describe(strategy)}, {steps_per_epoch} steps/epoch"
              + (f", resuming after epoch {initial_epoch}" if initial_epoch else ""))
    started = time.perf_counter()
    trainer.fit(
        train_batches, epochs=options.epochs, validation=valid_batches, initial_epoch=initial_epoch,
        callbacks=callbacks, steps_per_epoch=steps_per_epoch, time_budget_seconds=options.time_budget_seconds,
        verbose=options.verbose,
    )
    wall_seconds = time.perf_counter() - started
    role = WorkerRole.of(strategy)
    history = checkpoint.history
    best_epoch = (_restore_best_epoch(model, history, run, selection) if options.restore_best
                  else len(history))
    model.save(rd.path(out, rd.MODEL))

    chosen = history[best_epoch - 1]
    metrics = {
        "model": spec.name,
        "dataset": options.dataset,
        "epochs": len(history),
        "best_epoch": best_epoch,
        "selected_by": selection.monitor,
        "train": {k: v for k, v in chosen.items() if k in ("loss", "accuracy", "perplexity")},
        "validation": trainer.evaluate(valid_batches),
        "examples_per_second": _median([h["examples_per_second"] for h in history[1:] or history]),
        "examples_unit": "examples" if task == "classification" else "tokens",
        "wall_seconds": wall_seconds + sum(h.get("epoch_seconds", 0.0) for h in restored_history),
        "jit_compile": trainer.jit_compile,
        "jit_compile_chosen_by": chosen_by,
        "xla_fallback_reason": trainer.xla_fallback_reason,
        "steps_per_execution": trainer.steps_per_execution,
        "precision": options.precision,
        "static_shapes": options.fixed_length,
        "strategy": describe(strategy),
        "num_workers": role.num_workers,
        "is_chief": role.is_chief,
        "num_replicas": strategy.num_replicas_in_sync,
        "global_batch_size": options.batch_size,
        "num_parameters": model.count_params(),
        "resumed_from_epoch": initial_epoch,
    }
    if truncation is not None:
        metrics["truncation"] = truncation
    if data.test is not None:
        metrics["test"] = trainer.evaluate(make_batches(task, data.test, data.preprocessor, **batching))
    if task == "translation":  # the score translations are judged by, of greedy decoding
        metrics["validation"]["bleu"] = corpus_bleu(model, data.validation)
        if data.test is not None:
            metrics["test"]["bleu"] = corpus_bleu(model, data.test)
    rd.write_json(out, rd.METRICS, metrics)
    return metrics


def _sample_prompt(text, preprocessor):
    """The start of the training text: 16 characters, or 3 words."""
    return text.lstrip()[:16] if not preprocessor.separator else " ".join(text.split()[:3])


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
