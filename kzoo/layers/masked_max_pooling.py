import keras
from keras import ops


@keras.saving.register_keras_serializable(package="kzoo")
class MaskedMaxPooling(keras.layers.Layer):
    """The largest value of each feature over a sequence's unmasked steps (max-over-time pooling).

    Padding never wins the max, however long it is; a row whose steps are all
    masked gives zeros instead of -inf.

    Example:
        >>> features = np.array([[[1.0, 5.0], [3.0, 9.0]]])
        >>> MaskedMaxPooling()(features, mask=np.array([[True, False]]))
        array([[1., 5.]])
    """

    def call(self, inputs, mask=None):
        if mask is None:
            return ops.max(inputs, axis=1)
        mask = ops.expand_dims(ops.cast(mask, "bool"), -1)
        lowest = ops.min(inputs, axis=1, keepdims=True)  # no unmasked step is below it, in any dtype
        largest = ops.max(ops.where(mask, inputs, lowest), axis=1)
        return ops.where(ops.any(mask, axis=1), largest, ops.zeros_like(largest))

    def compute_mask(self, inputs, mask=None):
        return None

    def compute_output_shape(self, input_shape):
        return (input_shape[0], input_shape[2])
