import keras
from keras import ops


@keras.saving.register_keras_serializable(package="kzoo")
class MaskedAttentionPooling(keras.layers.Layer):
    """A weighted average over a sequence's unmasked steps, the weights learnt.

    Each step scores `query · x_t`; the weights are the scores' softmax over the
    unmasked steps (attention pooling with one learnt query, as in Yang et al.,
    2016, without the hidden layer). The query starts at zero, so the layer starts
    as the plain masked average and moves away from it only as training finds
    that some tokens matter more. A row whose steps are all masked gives zeros.

    Example:
        >>> x = keras.layers.Embedding(10, 4, mask_zero=True)(np.array([[3, 5, 0]]))
        >>> MaskedAttentionPooling()(x).shape
        TensorShape([1, 4])
    """

    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self.supports_masking = True

    def build(self, input_shape):
        self.query = self.add_weight(name="query", shape=(input_shape[-1],), initializer="zeros")

    def call(self, inputs, mask=None):
        # Softmax in float32: a float16 score of the padding's large negative would be -inf.
        scores = ops.cast(ops.matmul(inputs, ops.cast(self.query, inputs.dtype)), "float32")
        if mask is not None:
            mask = ops.cast(mask, "bool")
            scores = ops.where(mask, scores, ops.full_like(scores, -1e9))
        weights = ops.softmax(scores, axis=1)
        if mask is not None:
            weights = ops.where(mask, weights, ops.zeros_like(weights))  # an all-masked row: zeros, not the padding
        return ops.sum(inputs * ops.expand_dims(ops.cast(weights, inputs.dtype), -1), axis=1)

    def compute_mask(self, inputs, mask=None):
        return None

    def compute_output_shape(self, input_shape):
        return (input_shape[0], input_shape[2])
