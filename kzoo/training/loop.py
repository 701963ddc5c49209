"""A distributed, XLA-compiled training loop that drives Keras callbacks.

Why not `model.fit`: under `MultiWorkerMirroredStrategy` Keras 3's `fit` fails on
the TensorFlow backend (keras-team/keras#20585), while `strategy.run` over a
distributed dataset works under every strategy (default, Mirrored,
MultiWorkerMirrored, TPU). Forward and backward run in one
`tf.function(jit_compile=True)`; when XLA cannot compile the step the trainer
falls back to graph mode and says so (`jit_compile` then reads False), instead
of Keras's silent fallback.
"""

import collections
import logging
import re
import time

import keras
import numpy as np
import tensorflow as tf

from kzoo.data.pipeline import without_autotuning
from kzoo.losses import smooth, smoothed_sparse_cross_entropy

logger = logging.getLogger("kzoo")
TASK_KINDS = ("classification", "language_modeling", "translation", "regression")
# Errors XLA raises for an op or a shape it cannot compile.
_XLA_ERRORS = (tf.errors.InvalidArgumentError, tf.errors.UnimplementedError, tf.errors.InternalError)
# A StableHLO module's `mhlo.input_output_alias`: result `output_index` updates parameter `parameter_number`.
_STABLEHLO_ALIAS = re.compile(r"parameter_number = (\d+) : i64\}, output_index = array<i64: (\d+)>")
StepProgram = collections.namedtuple("StepProgram", ["stablehlo", "aliases", "variables"])


class Trainer:
    """Runs compiled train and eval steps of `model` under `strategy`.

    Each step returns sums (loss, correct, count), reduced across replicas, so
    metrics are exact however the batch is split.

    Example:
        >>> trainer = Trainer(model, optimizer=keras.optimizers.Adam(), task="classification")
        >>> history = trainer.fit(train_batches, epochs=3, validation=val_batches)
    """

    def __init__(self, model, *, optimizer=None, task, strategy=None, jit_compile=True, steps_per_execution=1,
                 label_smoothing=0.0):
        if task not in TASK_KINDS:
            raise ValueError(f"Unknown task {task!r}. Valid tasks: {', '.join(TASK_KINDS)}.")
        self.model = model
        self.optimizer = optimizer
        self.task = task
        self.strategy = strategy or tf.distribute.get_strategy()
        if steps_per_execution > 1 and self.strategy.num_replicas_in_sync > 1:
            # "Shape mismatch in the collective instance" (TF 2.21, MirroredStrategy over 2 CPUs): see
            # CompileDefaults.steps_per_execution_with.
            raise ValueError(f"Invalid value for `steps_per_execution`: expected 1 with several replicas "
                             f"({self.strategy.num_replicas_in_sync} here), received {steps_per_execution}")
        self.steps_per_execution = steps_per_execution
        self.label_smoothing = label_smoothing  # of the training loss only; metrics stay plain cross-entropy
        self.jit_compile = jit_compile
        self.xla_fallback_reason = None
        # Sums of (loss, correct, count, steps), kept outside the strategy: updated
        # in cross-replica context after the reduction.
        self._totals = tf.Variable(tf.zeros([4]), trainable=False)
        if optimizer is not None:  # None: an evaluation-only trainer
            with self.strategy.scope():
                self.optimizer.build(self.model.trainable_variables)
        self._make_functions()

    # === Steps ===

    def _per_item_losses(self, labels, outputs):
        """Per-item losses, correct flags and weights (items: examples, or tokens for language models and
        translators, whose padding labels (id 0) weigh nothing)."""
        outputs = tf.cast(outputs, tf.float32)
        if self.task == "regression":
            losses = tf.reduce_mean(tf.square(outputs - tf.cast(labels, tf.float32)), axis=-1)
            return losses, tf.zeros_like(losses), tf.ones_like(losses)
        labels = tf.reshape(tf.cast(labels, tf.int32), [-1])
        logits = tf.reshape(outputs, [-1, tf.shape(outputs)[-1]])
        losses = smoothed_sparse_cross_entropy(labels, logits)
        correct = tf.cast(tf.equal(tf.argmax(logits, axis=-1, output_type=tf.int32), labels), tf.float32)
        weights = tf.cast(labels != 0, tf.float32) if self.task == "translation" else tf.ones_like(losses)
        return losses, correct, weights

    def _train_step(self, inputs, labels):
        with tf.GradientTape() as tape:
            outputs = self.model(inputs, training=True)
            losses, correct, weights = self._per_item_losses(labels, outputs)
            trained = smooth(losses, tf.reshape(outputs, [-1, tf.shape(outputs)[-1]]), self.label_smoothing)
            # Averages over the global batch, so gradients summed across replicas are right.
            loss = tf.nn.compute_average_loss(trained * weights)
            if isinstance(self.optimizer, keras.optimizers.LossScaleOptimizer):
                loss = self.optimizer.scale_loss(loss)
        gradients = tape.gradient(loss, self.model.trainable_variables)
        self.optimizer.apply_gradients(zip(gradients, self.model.trainable_variables))
        return self._sums(losses, correct, weights)

    def _eval_step(self, inputs, labels):
        outputs = self.model(inputs, training=False)
        return self._sums(*self._per_item_losses(labels, outputs))

    @staticmethod
    def _sums(losses, correct, weights):
        return tf.stack([tf.reduce_sum(losses * weights), tf.reduce_sum(correct * weights), tf.reduce_sum(weights)])

    def _make_functions(self):
        train_step = tf.function(self._train_step, jit_compile=self.jit_compile)
        eval_step = tf.function(self._eval_step, jit_compile=self.jit_compile)
        self._train_function = self._multi_step_function(train_step)
        self._eval_function = self._multi_step_function(eval_step)

    def _multi_step_function(self, step):
        strategy, steps, totals = self.strategy, self.steps_per_execution, self._totals

        @tf.function
        def run(iterator):
            # Up to `steps` steps per call: fewer host round trips (steps_per_execution).
            # The end of the data raises OutOfRangeError; sums already added stay in
            # `totals`, so no step's metrics are lost. No tf.cond around
            # strategy.run: MirroredStrategy cannot merge_call inside one.
            for _ in tf.range(steps):
                inputs, labels = next(iterator)
                sums = strategy.reduce(tf.distribute.ReduceOp.SUM, strategy.run(step, args=(inputs, labels)), axis=None)
                totals.assign_add(tf.concat([sums, [1.0]], axis=0))

        return run

    def _run_epoch(self, function_name, make_iterator, on_steps=None, before_steps=None, deadline=None):
        """Runs `function_name` over `make_iterator()` until the data ends (or `deadline`); returns the summed totals.

        `before_steps(step)` and `on_steps(step, logs)` are called around each call.
        """
        self._totals.assign(tf.zeros([4]))
        reported, finished = np.zeros(4), False
        iterator = make_iterator()
        while not finished and (deadline is None or time.perf_counter() < deadline):
            if before_steps is not None:
                before_steps(int(reported[3]))
            try:
                getattr(self, function_name)(iterator)
            except tf.errors.OutOfRangeError:
                finished = True
            except _XLA_ERRORS as error:
                if not self.jit_compile or reported[3] > 0:  # not a compilation failure
                    raise
                self._fall_back_from_xla(error)
                iterator = make_iterator()  # the failed call took a batch: start the pass again
                continue
            current = self._totals.numpy()
            if on_steps is not None and current[3] > reported[3]:
                on_steps(int(current[3]), self._metrics(current - reported))
            reported = current
        return reported

    def _fall_back_from_xla(self, error):
        self.jit_compile = False
        lines = [line for line in str(error).strip().splitlines() if "unsupported operations" in line]
        self.xla_fallback_reason = (lines or str(error).strip().splitlines() or [type(error).__name__])[0][:300]
        logger.warning("XLA could not compile the step; running without jit_compile: %s", self.xla_fallback_reason)
        self._make_functions()

    def traced_steps(self, element_spec):
        """`{"train": graph, "eval": graph}`: the steps as the strategy runs them, traced for `element_spec`, not run."""
        graphs = {}
        for name, step in (("train", self._train_step), ("eval", self._eval_step)):
            if name == "train" and self.optimizer is None:
                continue
            replicated = tf.function(lambda inputs, labels, step=step: self.strategy.run(step, args=(inputs, labels)))
            graphs[name] = replicated.get_concrete_function(*element_spec).graph
        return graphs

    def train_step_program(self, inputs, labels):
        """One XLA-compiled training step on batches shaped like `(inputs, labels)`, as StableHLO text.

        Returns a `StepProgram`: the program's parameters are the flattened
        batch, then `variables` in order; its results are the step's sums
        (loss, correct, count), then the variables it updates (in place:
        `aliases` pairs each one's parameter with its result). XLA on a machine
        without TensorFlow compiles and times it (`kzoo.bench.xla_runner`).

        Example:
            >>> program = trainer.train_step_program(x, y)
        """
        step = tf.function(self._train_step, jit_compile=True)
        by_handle = {id(variable.handle): variable for variable in self.model.variables + self.optimizer.variables}
        captured = step.get_concrete_function(inputs, labels).captured_inputs
        missing = [handle for handle in captured if id(handle) not in by_handle]
        if missing:
            raise ValueError(f"The training step reads {len(missing)} tensor(s) that are not model or optimizer "
                             f"variables, so its program cannot be run elsewhere: {missing[:3]}")
        text = step.experimental_get_compiler_ir(inputs, labels)(stage="stablehlo")
        aliases = [(int(parameter), int(output)) for parameter, output in _STABLEHLO_ALIAS.findall(text)]
        return StepProgram(text, aliases, [by_handle[id(handle)] for handle in captured])

    # === Loops ===

    def _distribute(self, batches):
        # Every worker builds the same global batches (kzoo's pipelines tokenize in
        # memory, not per file) and feeds its replicas their share of each one.
        options = tf.data.Options()
        options.experimental_distribute.auto_shard_policy = tf.data.experimental.AutoShardPolicy.DATA
        return self.strategy.experimental_distribute_dataset(without_autotuning(batches).with_options(options))

    def evaluate(self, batches):
        """`{"loss": ..., "accuracy": ...}` (and perplexity for a language model)."""
        return self._metrics(self._run_epoch("_eval_function", lambda: iter(self._distribute(batches))))

    def _metrics(self, totals):
        loss_sum, correct, count, _ = totals
        count = max(count, 1.0)
        metrics = {"loss": float(loss_sum / count)}
        if self.task != "regression":
            metrics["accuracy"] = float(correct / count)
        if self.task == "language_modeling":
            metrics["perplexity"] = float(np.exp(min(metrics["loss"], 50.0)))
        return metrics

    def fit(self, batches, *, epochs, validation=None, initial_epoch=0, callbacks=(), steps_per_epoch=None,
            time_budget_seconds=None, verbose=1):
        """Trains from `initial_epoch` to `epochs`; returns the list of per-epoch logs.

        `batches`: a dataset, or a function `epoch -> dataset`.

        With `time_budget_seconds`, training stops when the budget is spent, in
        the middle of an epoch if need be (that epoch's logs say `partial`).

        Drives `callbacks` (any Keras callbacks) with `on_epoch_*` and
        `on_train_batch_*`; logs hold train metrics, `val_*` metrics,
        `examples_per_second` (tokens for a language model) and `learning_rate`.
        """
        callback_list = keras.callbacks.CallbackList(list(callbacks), model=self.model)
        callback_list.set_params({"epochs": epochs, "steps": steps_per_epoch, "verbose": verbose})
        self.model.stop_training = False
        # `batches` may be a function of the epoch (see `kzoo.training.inputs.Batches`).
        distributed = None if callable(batches) else self._distribute(batches)
        history = []
        deadline = time.perf_counter() + time_budget_seconds if time_budget_seconds else None
        callback_list.on_train_begin()
        for epoch in range(initial_epoch, epochs):
            callback_list.on_epoch_begin(epoch)
            progress = keras.utils.Progbar(steps_per_epoch, verbose=verbose, unit_name="step") if verbose else None
            if callable(batches):
                make_iterator = lambda epoch=epoch: iter(self._distribute(batches(epoch)))  # noqa: E731
            else:
                make_iterator = lambda: iter(distributed)  # noqa: E731
            started = time.perf_counter()

            def on_steps(step, batch_logs):
                callback_list.on_train_batch_end(step, batch_logs)
                if progress:
                    progress.update(step, list(batch_logs.items()))

            totals = self._run_epoch(
                "_train_function", make_iterator, on_steps, callback_list.on_train_batch_begin, deadline
            )
            partial = deadline is not None and time.perf_counter() >= deadline
            seconds = time.perf_counter() - started
            logs = self._metrics(totals)
            logs["examples_per_second"] = float(totals[2] / max(seconds, 1e-9))
            logs["learning_rate"] = float(keras.ops.convert_to_numpy(self.optimizer.learning_rate))
            logs["epoch_seconds"] = seconds
            if partial:
                logs["partial"] = 1.0
            if validation is not None:
                logs.update({f"val_{k}": v for k, v in self.evaluate(validation).items()})
            if verbose:
                print(f"Epoch {epoch + 1}/{epochs}: " + ", ".join(f"{k}={v:.4g}" for k, v in logs.items()))
            history.append({"epoch": epoch + 1, **logs})
            callback_list.on_epoch_end(epoch, logs)
            if self.model.stop_training or partial:
                break
        callback_list.on_train_end()
        return history
