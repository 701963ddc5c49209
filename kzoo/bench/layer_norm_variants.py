"""Other ways to run Keras's `LayerNormalization`, for timing the compiled step on a GPU (#14).

On an H200, XLA laid BERT-base's LayerNorm backward passes out batch-minor and
spent 36.6 ms of a 202.7 ms bf16 step transposing activations into that layout
and back (benchmarks/RESULTS.md). Which form of the same arithmetic avoids it
can only be measured there, so the step programs are exported with each:

- `"keras"`: Keras's own layer, unchanged;
- `"flat"`: the same normalization over a `[tokens, hidden]` view of the input,
  so the scale and offset gradients are one column sum each instead of a sum
  over the batch and sequence axes (same values);
- `"affine_only"`: no normalization at all, only the scale and offset (a
  diagnostic: what the step costs without LayerNorm's statistics; not a model
  anyone should train).

Example:
    >>> with layer_norm_variant("flat"):
    ...     export_step_programs(models, output_dir="steps")
"""

import contextlib

import keras
import tensorflow as tf
from keras.src.layers.normalization.layer_normalization import LayerNormalization

_KERAS_CALL = LayerNormalization.call


def _normalizes_last_axis_only(layer, rank):
    return layer.axis in ([-1], [rank - 1]) and not layer.rms_scaling


def _flat_call(self, inputs):
    rank = inputs.shape.rank
    if rank <= 2 or not _normalizes_last_axis_only(self, rank):
        return _KERAS_CALL(self, inputs)
    flat = tf.reshape(inputs, [-1, inputs.shape[-1]])
    outputs = keras.ops.layer_normalization(flat, self.gamma, self.beta, -1, self.epsilon)
    return tf.reshape(tf.cast(outputs, self.compute_dtype), tf.shape(inputs))


def _affine_only_call(self, inputs):
    dtype = self.compute_dtype
    return tf.cast(inputs, dtype) * tf.cast(self.gamma, dtype) + tf.cast(self.beta, dtype)


LAYER_NORM_VARIANTS = {"keras": _KERAS_CALL, "flat": _flat_call, "affine_only": _affine_only_call}


@contextlib.contextmanager
def layer_norm_variant(name):
    """Every `keras.layers.LayerNormalization` called inside the block runs as variant `name`."""
    if name not in LAYER_NORM_VARIANTS:
        raise ValueError(f"Unknown LayerNorm variant {name!r}; expected one of {sorted(LAYER_NORM_VARIANTS)}")
    LayerNormalization.call = LAYER_NORM_VARIANTS[name]
    try:
        yield
    finally:
        LayerNormalization.call = _KERAS_CALL
