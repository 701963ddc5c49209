"""Cross-entropy on integer labels with label smoothing, which Keras's `SparseCategoricalCrossentropy` lacks.

One definition for both ways a kzoo model trains: kzoo's training loop `smooth`s the
cross-entropy it already computes for its metrics, and `compile()` gets
`SparseCategoricalCrossentropy` when a model's defaults ask for smoothing (the translator's do).

Example:
    >>> model.compile(loss=kzoo.losses.SparseCategoricalCrossentropy(label_smoothing=0.1, ignore_class=0))
"""

import keras
import tensorflow as tf

from kzoo.errors import check_fraction


def smoothed_sparse_cross_entropy(labels, logits, label_smoothing=0.0):
    """Per-item `(1 - e) * cross-entropy(labels) + e * cross-entropy(uniform)`, from float logits.

    Example:
        >>> smoothed_sparse_cross_entropy(tf.constant([1]), tf.constant([[0.5, 2.0]]), 0.1)
    """
    logits = tf.cast(logits, tf.float32)
    losses = tf.nn.sparse_softmax_cross_entropy_with_logits(labels=tf.cast(labels, tf.int32), logits=logits)
    return smooth(losses, logits, label_smoothing)


def smooth(cross_entropy, logits, label_smoothing):
    """`cross_entropy` (per item, of the labels) smoothed towards the uniform distribution over `logits`' classes."""
    if not label_smoothing:
        return cross_entropy
    uniform = -tf.reduce_mean(tf.nn.log_softmax(tf.cast(logits, tf.float32)), axis=-1)
    return (1.0 - label_smoothing) * cross_entropy + label_smoothing * uniform


@keras.saving.register_keras_serializable(package="kzoo")
class SparseCategoricalCrossentropy(keras.losses.Loss):
    """Keras's sparse cross-entropy from logits, with `label_smoothing`; `ignore_class` items weigh nothing.

    Example:
        >>> loss = SparseCategoricalCrossentropy(label_smoothing=0.1, ignore_class=0)  # 0: padding
        >>> loss(np.array([[3, 0]]), logits)  # the mean over the one non-padding token
    """

    def __init__(self, *, label_smoothing=0.0, ignore_class=None, name="sparse_categorical_crossentropy",
                 **kwargs):
        super().__init__(name=name, **kwargs)
        self.label_smoothing = check_fraction("label_smoothing", label_smoothing)
        self.ignore_class = ignore_class

    def call(self, y_true, y_pred):
        losses = smoothed_sparse_cross_entropy(y_true, y_pred, self.label_smoothing)
        if self.ignore_class is None:
            return losses
        kept = tf.cast(tf.not_equal(tf.cast(y_true, tf.int32), self.ignore_class), losses.dtype)
        # The reduction divides by every item; scaled by items / kept items, it is the mean over the kept
        # ones, as with Keras's own `ignore_class`.
        scale = tf.cast(tf.size(kept), losses.dtype) / tf.maximum(tf.reduce_sum(kept), 1.0)
        return losses * kept * scale

    def get_config(self):
        return {**super().get_config(), "label_smoothing": self.label_smoothing, "ignore_class": self.ignore_class}
