"""The base class of kzoo's models: constructor-as-config, a preprocessor, good compile defaults.

A `Task` takes raw strings (keras-hub's Task + Preprocessor, adapted): `fit`,
`evaluate` and `predict` map `model.preprocessor` over `tf.data` and hand the
compiled step ids only, so XLA stays on. `preprocessor=None` gives a model
that takes ids, as a plain Keras model does.
"""

import math
import warnings

import keras
import numpy as np
import tensorflow as tf

from kzoo._backend import device_kind
from kzoo.data.pipeline import (
    batch_pairs,
    classification_batches,
    language_model_batches,
    pad_to_bucket,
    tokenized_pairs,
    without_autotuning,
)
from kzoo.errors import check_fraction, check_int, invalid_value
from kzoo.layers import MaskedAttentionPooling, MaskedMeanPooling
from kzoo.losses import SparseCategoricalCrossentropy
from kzoo.optimizers import KZOO_OPTIMIZERS
from kzoo.registry import CompileDefaults, get_spec

DEFAULT_BATCH_SIZE = 32  # Keras's own default for `fit` and `predict`
# The registry's metric names as objects, whose variables exist from `compile` on: Keras would build a
# metric given by name inside the first trace of the train step, and tf.function traces a step that
# creates variables twice.
METRICS = {
    "accuracy": lambda: keras.metrics.SparseCategoricalAccuracy(name="accuracy"),
    "mae": lambda: keras.metrics.MeanAbsoluteError(name="mae"),
}


def make_optimizer(defaults, *, learning_rate=None, optimizer=None, total_steps=None, precision="float32"):
    """The model's optimizer: `defaults` (or `optimizer`, a Keras name) at `learning_rate`.

    The default optimizer also gets the defaults' `optimizer_arguments`.

    When the defaults ask for warmup and `total_steps` is known: linear warmup,
    then cosine decay to zero over the remaining steps. Under mixed_float16 the
    optimizer scales the loss.

    Example:
        >>> make_optimizer(CompileDefaults(optimizer="adamw", learning_rate=5e-5), total_steps=1000)
    """
    name = optimizer or defaults.optimizer
    learning_rate = defaults.learning_rate if learning_rate is None else learning_rate
    if isinstance(learning_rate, (int, float)) and not learning_rate > 0:
        raise invalid_value("learning_rate", "a float > 0", learning_rate)
    if defaults.warmup_fraction and total_steps:
        warmup = max(1, int(total_steps * defaults.warmup_fraction))
        learning_rate = keras.optimizers.schedules.CosineDecay(
            initial_learning_rate=0.0,
            decay_steps=max(1, total_steps - warmup),
            warmup_target=learning_rate,
            warmup_steps=warmup,
        )
    config = {"learning_rate": learning_rate, "clipnorm": defaults.clipnorm}
    if name == defaults.optimizer:
        config.update(defaults.optimizer_arguments)
    optimizer_class = KZOO_OPTIMIZERS.get(name)
    if optimizer_class is None:
        try:
            optimizer_class = type(keras.optimizers.get(name))
        except ValueError as error:
            raise ValueError(f"Invalid value for `optimizer`: expected a Keras optimizer name (adam, sgd, rmsprop, "
                             f"...) or one of kzoo's ({', '.join(KZOO_OPTIMIZERS)}), received {name!r}") from error
    result = optimizer_class(**config)
    if precision == "mixed_float16":
        result = keras.optimizers.LossScaleOptimizer(result)
    return result


def compile_arguments(defaults, *, learning_rate=None, optimizer="auto", loss="auto", metrics="auto",
                      total_steps=None):
    """Keras `compile` keyword arguments built from a model's `CompileDefaults`.

    Any argument other than "auto" is kept as given.

    Example:
        >>> model.compile(**compile_arguments(CompileDefaults(), learning_rate=3e-4))
    """
    if optimizer == "auto":
        optimizer = make_optimizer(defaults, learning_rate=learning_rate, total_steps=total_steps)
    if loss == "auto":
        if defaults.loss in ("sparse_categorical_crossentropy", "padded_sparse_categorical_crossentropy"):
            ignore_class = 0 if defaults.loss.startswith("padded") else None  # label 0 is padding: no loss
            if defaults.label_smoothing:  # which Keras's sparse cross-entropy lacks; from logits only
                loss = SparseCategoricalCrossentropy(label_smoothing=defaults.label_smoothing,
                                                     ignore_class=ignore_class)
            else:
                loss = keras.losses.SparseCategoricalCrossentropy(from_logits=defaults.from_logits,
                                                                  ignore_class=ignore_class)
        elif defaults.loss == "mean_squared_error":
            loss = keras.losses.MeanSquaredError()
        else:
            raise invalid_value("loss", "sparse_categorical_crossentropy, padded_sparse_categorical_crossentropy or "
                                "mean_squared_error", defaults.loss)
    if metrics == "auto":
        metrics = [METRICS[m]() if m in METRICS else m for m in defaults.metrics]
    return {"optimizer": optimizer, "loss": loss, "metrics": metrics}


def is_text(x):
    """Whether `x` is raw text: strings, an array or tensor of strings, or a dataset whose inputs are strings."""
    if isinstance(x, tf.data.Dataset):
        spec = x.element_spec
        first = spec[0] if isinstance(spec, tuple) else spec
        return isinstance(first, tf.TensorSpec) and first.dtype == tf.string
    if isinstance(x, str):
        return True
    if isinstance(x, (list, tuple)):
        return len(x) > 0 and all(isinstance(item, (str, bytes)) for item in x)
    if isinstance(x, np.ndarray):
        return x.dtype.kind in "USO" and (x.size == 0 or isinstance(x.flat[0], (str, bytes)))
    if isinstance(x, tf.Tensor):
        return x.dtype == tf.string
    return False


def _texts_tensor(x):
    if isinstance(x, str):
        raise TypeError("Pass a list of strings, not one string: wrap it in a list.")
    return tf.constant(x, tf.string) if not isinstance(x, tf.Tensor) else x


class Task(keras.Model):
    """A functional model whose constructor arguments are its whole config.

    Subclasses build their layers and graph in `__init__`, call
    `super().__init__(inputs=..., outputs=..., preprocessor=...)`, then store
    their arguments and return them from `get_config` (the keras-hub
    convention). `task_kind` says how text becomes training examples.
    """

    registered_as = None  # the catalogue entry whose compile defaults this model uses
    task_kind = "classification"  # or "language_modeling", "translation", "regression"

    def __init__(self, *args, preprocessor=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.preprocessor = preprocessor

    @property
    def layers(self):
        # The preprocessor runs in tf.data, not in the model's graph.
        preprocessor = getattr(self, "preprocessor", None)
        return [layer for layer in super().layers if layer is not preprocessor]

    @property
    def compile_defaults(self):
        """What `compile()` uses unless told otherwise: the model's catalogue entry's defaults."""
        return get_spec(self.registered_as).compile_defaults if self.registered_as else CompileDefaults()

    # === Compile ===

    def compile(self, optimizer="auto", loss="auto", metrics="auto", jit_compile="auto", steps_per_execution="auto",
                **kwargs):
        """Compiles with the model's registry defaults (optimizer, learning rate, warmup, loss, metrics, XLA,
        steps per execution).

        With warmup in the defaults, the schedule is fixed at the first `fit`,
        once the number of steps is known. `jit_compile="auto"` uses XLA where
        it was measured faster for this model on this kind of device. Any
        argument can be overridden.
        """
        if jit_compile == "auto":
            jit_compile = self.compile_defaults.jit_compile_on(device_kind())
        if steps_per_execution == "auto":
            steps_per_execution = self.compile_defaults.steps_per_execution_with(
                self.distribute_strategy.num_replicas_in_sync)
        self._warmup_pending = optimizer == "auto" and bool(self.compile_defaults.warmup_fraction)
        kwargs["jit_compile"] = jit_compile
        kwargs["steps_per_execution"] = steps_per_execution
        self._compile_kwargs = {"loss": loss, "metrics": metrics, **kwargs}
        super().compile(**compile_arguments(self.compile_defaults, optimizer=optimizer, loss=loss,
                                            metrics=metrics), **kwargs)

    def _schedule_warmup(self, steps_per_epoch, epochs):
        self._warmup_pending = False
        if not steps_per_epoch or self.optimizer.iterations.numpy() > 0:
            return
        arguments = compile_arguments(
            self.compile_defaults, loss=self._compile_kwargs["loss"], metrics=self._compile_kwargs["metrics"],
            total_steps=steps_per_epoch * epochs,
        )
        extra = {k: v for k, v in self._compile_kwargs.items() if k not in ("loss", "metrics")}
        keras.Model.compile(self, **arguments, **extra)

    def _build_optimizer(self):
        """Creates the optimizer's variables now, not in the first trace of the train step.

        Keras (TensorFlow, no strategy scope) defers them to that trace, and a
        `tf.function` that creates variables is traced twice: a second full
        trace of the train step (3-5 s of a Transformer's first `fit` on CPU).
        """
        if self.optimizer is None or self.optimizer.built:
            return
        if not all(layer.built for layer in self._flatten_layers()):
            return  # Keras builds the model, then the optimizer, in the first trace
        with self.distribute_strategy.scope():
            self.optimizer.build(self.trainable_variables)

    # === Text in ===

    def _check_preprocessor(self):
        if self.preprocessor is None:
            raise TypeError(
                f"{type(self).__name__} was built with `preprocessor=None`: it takes token ids, not text. "
                "Build it with `kzoo.create_model(...)` to get its preprocessor."
            )
        self.preprocessor.check_adapted()

    def text_batches(self, x, y=None, *, batch_size=None, shuffle=False, seed=None, keep_order=False):
        """Raw text (and labels) -> a `tf.data.Dataset` of `(model inputs, labels)` batches.

        An unbatched dataset (or strings) is tokenized, bucketed by length and
        batched; an already batched dataset is preprocessed batch by batch.
        """
        return without_autotuning(self._text_batches(x, y, batch_size=batch_size, shuffle=shuffle, seed=seed,
                                                     keep_order=keep_order))

    def _text_batches(self, x, y, *, batch_size, shuffle, seed, keep_order):
        self._check_preprocessor()
        batch_size = batch_size or DEFAULT_BATCH_SIZE
        if isinstance(x, tf.data.Dataset):
            if y is not None:
                raise ValueError("`y` must be None when `x` is a dataset: the dataset holds the labels.")
            spec = x.element_spec
            first = spec[0] if isinstance(spec, tuple) else spec
            if first.shape.rank == 1:  # already batched
                return x.map(lambda *e: (self.preprocessor(e[0]), *e[1:]), num_parallel_calls=tf.data.AUTOTUNE)
            dataset = x
        else:
            texts = _texts_tensor(x)
            dataset = tf.data.Dataset.from_tensor_slices(texts if y is None else (texts, y))
        if self.task_kind == "translation":  # (source, target) pairs
            return batch_pairs(tokenized_pairs(dataset, self.preprocessor), self.preprocessor, batch_size=batch_size,
                               shuffle=shuffle, seed=seed)
        if self.task_kind == "language_modeling":
            texts = dataset.map(lambda text, *rest: text) if isinstance(dataset.element_spec, tuple) else dataset
            return language_model_batches(texts, self.preprocessor, batch_size=batch_size, shuffle=shuffle,
                                          seed=seed)
        if not isinstance(dataset.element_spec, tuple):  # texts without labels: prediction
            dataset = dataset.map(lambda text: (text, tf.constant(0, tf.int64)))
            batches = classification_batches(dataset, self.preprocessor, batch_size=batch_size, keep_order=True)
            batches = batches.map(lambda inputs, label: inputs)
            count = int(dataset.cardinality())
            if count >= 0:  # a known length: Keras then knows when prediction ends
                batches = batches.apply(tf.data.experimental.assert_cardinality(math.ceil(count / batch_size)))
            return batches
        return classification_batches(dataset, self.preprocessor, batch_size=batch_size, shuffle=shuffle,
                                      seed=seed, keep_order=keep_order)

    def fit(self, x=None, y=None, batch_size=None, epochs=1, validation_data=None, shuffle=True, **kwargs):
        """Keras `fit`, also on raw strings: `fit(texts, labels)` or a dataset of `(text, label)`.

        Language models train on windows of their text: `fit(texts)`;
        translators on sentence pairs: `fit(sources, targets)`.
        """
        text = is_text(x)
        if text:
            x = self.text_batches(x, y, batch_size=batch_size, shuffle=shuffle)
            y, batch_size, shuffle = None, None, False  # the batches are shuffled already
            if validation_data is not None:
                validation_data = self._text_validation(validation_data)
        if getattr(self, "_warmup_pending", False):
            self._schedule_warmup(_steps_per_epoch(x, y, batch_size, kwargs.get("steps_per_epoch")), epochs)
        self._build_optimizer()
        with warnings.catch_warnings():
            if text:  # bucketed batches have no count in advance: Keras learns it in epoch 1 and warns, needlessly
                warnings.filterwarnings("ignore", message="Your input ran out of data", category=UserWarning)
            return super().fit(x, y, batch_size=batch_size, epochs=epochs, validation_data=validation_data,
                               shuffle=shuffle, **kwargs)

    def _text_validation(self, validation_data):
        if isinstance(validation_data, tf.data.Dataset):
            return self.text_batches(validation_data) if is_text(validation_data) else validation_data
        texts, *labels = validation_data
        if not is_text(texts):
            return validation_data
        return self.text_batches(texts, labels[0] if labels else None)

    def evaluate(self, x=None, y=None, batch_size=None, **kwargs):
        """Keras `evaluate`, also on raw strings and labels."""
        if is_text(x):
            x, y, batch_size = self.text_batches(x, y, batch_size=batch_size), None, None
        return super().evaluate(x, y, batch_size=batch_size, **kwargs)

    def predict(self, x, batch_size=None, **kwargs):
        """Keras `predict` (logits), also on raw strings, in input order.

        An empty batch of strings gives an empty array.
        """
        if is_text(x) or (isinstance(x, (list, tuple, np.ndarray)) and len(x) == 0):
            self._check_preprocessor()
            if len(x) == 0:
                return np.zeros((0, *self.output_shape[1:]), dtype="float32")
            if self.task_kind == "language_modeling":
                raise TypeError("Call `generate(prompts)` on a language model to continue text.")
            if self.task_kind == "translation":
                raise TypeError("Call `translate(texts)` on a translator to translate text.")
            if not isinstance(x, tf.data.Dataset):
                return self._predict_texts(_texts_tensor(x), batch_size or DEFAULT_BATCH_SIZE)
            x, batch_size = self.text_batches(x, batch_size=batch_size), None
        return super().predict(x, batch_size=batch_size, **kwargs)

    def _predict_texts(self, texts, batch_size):
        """In-memory texts, a batch at a time: tokenized eagerly (no tf.data pipeline to build per call,
        which costs far more than a few texts do) and padded to bucket lengths for the compiled step."""
        outputs = []
        for start in range(0, int(tf.shape(texts)[0]), batch_size):
            ids = self.preprocessor.tokenize(texts[start : start + batch_size]).to_tensor(shape=[None, None])
            inputs = self.preprocessor.model_inputs(pad_to_bucket(ids, self.preprocessor.sequence_length))
            outputs.append(keras.ops.convert_to_numpy(self.predict_on_batch(inputs)))
        return np.concatenate(outputs)

    # === Config ===

    def get_compile_config(self):
        # Not saved: a loaded model is compiled again with `compile()` (its defaults) before training.
        return None

    def _base_config(self):
        config = {
            "name": self.name,
            "trainable": self.trainable,
            "dtype": keras.dtype_policies.serialize(self.dtype_policy),
        }
        if self.preprocessor is not None:
            config["preprocessor"] = keras.layers.serialize(self.preprocessor)
        return config

    @classmethod
    def from_config(cls, config):
        config = dict(config)
        if isinstance(config.get("dtype"), dict):
            config["dtype"] = keras.dtype_policies.deserialize(config["dtype"])
        if isinstance(config.get("preprocessor"), dict):
            config["preprocessor"] = keras.layers.deserialize(config["preprocessor"])
        return cls(**config)


def _steps_per_epoch(x, y, batch_size, steps_per_epoch):
    """Steps in one epoch of `fit`'s input, or None where it is unknown (for the warmup schedule)."""
    if steps_per_epoch:
        return steps_per_epoch
    if isinstance(x, tf.data.Dataset):
        count = int(x.cardinality())
        if count >= 0:
            return count
        return int(x.reduce(tf.constant(0, tf.int64), lambda n, _: n + 1))
    if x is None:
        return None
    first = keras.tree.flatten(x)[0]
    return math.ceil(len(first) / (batch_size or DEFAULT_BATCH_SIZE))


def check_transformer_sizes(*, hidden_dim, num_heads, num_layers, intermediate_dim, dropout):
    """Checks the sizes every Transformer model takes (clear errors naming the argument)."""
    check_int("hidden_dim", hidden_dim, minimum=1)
    check_int("num_heads", num_heads, minimum=1)
    check_int("num_layers", num_layers, minimum=1)
    check_int("intermediate_dim", intermediate_dim, minimum=1)
    check_fraction("dropout", dropout)
    if hidden_dim % num_heads:
        raise invalid_value("hidden_dim", f"a multiple of num_heads={num_heads}", hidden_dim)


def classifier_head(num_classes, *, hidden_dim=0, dropout=0.0, max_norm=None, dtype=None, name="head"):
    """Dropout -> [Dense(hidden, relu) -> Dropout] -> Dense(num_classes) logits.

    The logits layer computes in float32 so that mixed precision stays stable.
    `max_norm` rescales each class's weight vector back to that L2 norm after every update (Kim 2014).
    """
    layers = [keras.layers.Dropout(dropout, name=f"{name}_dropout")] if dropout else []
    if hidden_dim:
        layers.append(keras.layers.Dense(hidden_dim, activation="relu", dtype=dtype, name=f"{name}_hidden"))
        if dropout:
            layers.append(keras.layers.Dropout(dropout, name=f"{name}_hidden_dropout"))
    constraint = keras.constraints.MaxNorm(max_norm, axis=0) if max_norm else None
    layers.append(keras.layers.Dense(num_classes, kernel_constraint=constraint, dtype="float32", name=f"{name}_logits"))
    return layers


def masked_average(pooling, *, dtype=None):
    """Averages a sequence's unmasked steps: plainly (`"mean"`) or weighted by a learnt query (`"attention"`).

    Example:
        >>> pooled = masked_average("attention")(states, mask=padding_mask)  # (batch, dim)
    """
    if pooling == "attention":
        return MaskedAttentionPooling(dtype=dtype, name="attention_average")
    return MaskedMeanPooling(dtype=dtype, name="average")


def token_dropout(rate, *, dtype=None, name="token_dropout"):
    """Dropout of whole tokens: each position's vector is zeroed (all its channels) or scaled by 1/(1-rate).

    Applied to embeddings while training, it keeps a model from leaning on any one word (word dropout).

    Example:
        >>> vectors = token_dropout(0.25)(embedded, training=True)  # (batch, length, dim), whole rows zeroed
    """
    return keras.layers.Dropout(rate, noise_shape=(None, None, 1), dtype=dtype, name=name)


def apply(layers, x):
    for layer in layers:
        x = layer(x)
    return x
