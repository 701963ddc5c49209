"""Optimizers: an AdamW that reads its schedule once per step; embedding updates that cost what a batch touches.

`AdamW` is Keras's, except for where the decoupled weight decay happens: Keras
decays every variable in a separate pass that reads `optimizer.learning_rate`
once per variable, so a schedule (warmup + cosine) is traced again for each
one -- about 70 copies for a tiny Transformer, 100 for MiniLM: seconds of
tracing, and without XLA scalar work in every step. kzoo's decays each variable
in `update_step`, with the step's learning rate computed once. The arithmetic is
the same: decay, then the Adam update.

The gradient of an embedding lookup is a `tf.IndexedSlices` (the rows the batch
used). Keras's Adam turns it into a dense gradient and updates the whole table
and both its moment tables every step: for a 30k x 384 WordPiece table that is
most of a small model's step. `LazyAdam` and `LazyAdamW` (TF Addons' LazyAdam,
for Keras 3) update only the rows present in the batch, their moments included;
dense gradients get the ordinary Adam(W) update. Rows no batch touches keep
their moments unchanged instead of decaying them, the one difference from Adam.

Example:
    >>> model.compile(optimizer=kzoo.optimizers.LazyAdam(1e-3), loss=..., metrics=[...])
    >>> make_optimizer(CompileDefaults(optimizer="adamw"))  # kzoo's AdamW
    >>> make_optimizer(CompileDefaults(optimizer="lazy_adam"))  # by name, as the catalogue does
"""

import keras
import tensorflow as tf


def _read_rows(variable, rows):
    """`variable[rows]` without reading the whole table (which would make the scatter that follows copy it)."""
    if isinstance(variable, keras.Variable):
        variable = variable.value  # the tf.Variable underneath
    return variable.sparse_read(rows)


def _summed_rows(gradient, dtype):
    """`(rows, values)`: each touched row once, with the gradient of its repeats summed."""
    rows, positions = tf.unique(gradient.indices)
    values = tf.math.unsorted_segment_sum(tf.cast(gradient.values, dtype), positions, tf.shape(rows)[0])
    return rows, values


@keras.saving.register_keras_serializable(package="kzoo")
class AdamW(keras.optimizers.AdamW):
    """Keras's AdamW (same arguments and arithmetic), with its weight decay applied in `update_step`.

    Example:
        >>> optimizer = AdamW(learning_rate=keras.optimizers.schedules.CosineDecay(0.0, 900, warmup_target=5e-5,
        ...                                                                        warmup_steps=100))
    """

    def _apply_weight_decay(self, variables):
        pass  # each variable is decayed in `update_step`, with the learning rate `apply` computed once

    def update_step(self, gradient, variable, learning_rate):
        if self.weight_decay is not None and self._use_weight_decay(variable):
            decay = tf.cast(learning_rate, variable.dtype) * tf.cast(self.weight_decay, variable.dtype)
            self.assign_sub(variable, variable * decay)
        super().update_step(gradient, variable, learning_rate)


class _LazyRows:
    """The sparse Adam(W) update, shared by `LazyAdam` and `LazyAdamW`."""

    def _lazy_update(self, gradient, variable, learning_rate, weight_decay=None):
        dtype = variable.dtype
        lr = tf.cast(learning_rate, dtype)
        step = tf.cast(self.iterations + 1, dtype)
        beta_1, beta_2 = tf.cast(self.beta_1, dtype), tf.cast(self.beta_2, dtype)
        alpha = lr * tf.sqrt(1 - tf.pow(beta_2, step)) / (1 - tf.pow(beta_1, step))

        rows, values = _summed_rows(gradient, dtype)
        index = self._get_variable_index(variable)
        m, v = self._momentums[index], self._velocities[index]
        m_rows = beta_1 * _read_rows(m, rows) + (1 - beta_1) * values
        v_rows = beta_2 * _read_rows(v, rows) + (1 - beta_2) * tf.square(values)
        self.assign(m, tf.IndexedSlices(m_rows, rows))
        self.assign(v, tf.IndexedSlices(v_rows, rows))
        step_rows = alpha * m_rows / (tf.sqrt(v_rows) + tf.cast(self.epsilon, dtype))
        if weight_decay:
            step_rows += lr * tf.cast(weight_decay, dtype) * _read_rows(variable, rows)
        self.assign_sub(variable, tf.IndexedSlices(step_rows, rows))


@keras.saving.register_keras_serializable(package="kzoo")
class LazyAdam(_LazyRows, keras.optimizers.Adam):
    """Adam that updates only the embedding rows each batch touches (same arguments as Adam).

    Example:
        >>> optimizer = LazyAdam(learning_rate=1e-3)
    """

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if self.amsgrad:
            raise ValueError("LazyAdam does not support `amsgrad=True`; use keras.optimizers.Adam.")

    def update_step(self, gradient, variable, learning_rate):
        if isinstance(gradient, tf.IndexedSlices):
            return self._lazy_update(gradient, variable, learning_rate)
        return super().update_step(gradient, variable, learning_rate)


@keras.saving.register_keras_serializable(package="kzoo")
class LazyAdamW(_LazyRows, AdamW):
    """AdamW whose embedding rows (update and decoupled weight decay) change only where a batch touches them.

    Example:
        >>> optimizer = LazyAdamW(learning_rate=5e-5, weight_decay=0.004)
    """

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if self.amsgrad:
            raise ValueError("LazyAdamW does not support `amsgrad=True`; use keras.optimizers.AdamW.")

    def update_step(self, gradient, variable, learning_rate):
        if isinstance(gradient, tf.IndexedSlices):
            decay = self.weight_decay if self._use_weight_decay(variable) else None
            return self._lazy_update(gradient, variable, learning_rate, weight_decay=decay)
        return super().update_step(gradient, variable, learning_rate)


# Optimizer names kzoo builds itself; any other name is Keras's.
KZOO_OPTIMIZERS = {"adamw": AdamW, "lazy_adam": LazyAdam, "lazy_adamw": LazyAdamW}
