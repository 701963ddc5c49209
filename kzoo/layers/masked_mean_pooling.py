import keras
from keras import ops


@keras.saving.register_keras_serializable(package="kzoo")
class MaskedMeanPooling(keras.layers.Layer):
    """Averages a sequence over its unmasked steps.

    Unlike `keras.layers.GlobalAveragePooling1D`, a row whose steps are all masked
    gives zeros instead of NaN (0 / 0), so one empty row cannot poison a batch.

    Example:
        >>> x = keras.layers.Embedding(10, 4, mask_zero=True)(np.array([[3, 0]]))
        >>> MaskedMeanPooling()(x).shape
        TensorShape([1, 4])
    """

    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self.supports_masking = True

    def call(self, inputs, mask=None):
        if mask is None:
            return ops.mean(inputs, axis=1)
        weights = ops.cast(ops.expand_dims(mask, -1), inputs.dtype)
        total = ops.sum(inputs * weights, axis=1)
        count = ops.maximum(ops.sum(weights, axis=1), ops.cast(1, inputs.dtype))
        return total / count

    def compute_mask(self, inputs, mask=None):
        return None

    def compute_output_shape(self, input_shape):
        return (input_shape[0], input_shape[2])
