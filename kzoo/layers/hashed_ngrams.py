import keras
from keras import ops

from kzoo.errors import check_int

# A large odd multiplier spreads (left, right) pairs over the buckets.
_HASH_MULTIPLIER = 1_000_003


@keras.saving.register_keras_serializable(package="kzoo")
class HashedNgrams(keras.layers.Layer):
    """Appends hashed bigram ids after the token ids, as fastText does.

    Bigram `(a, b)` maps to `vocabulary_size + hash(a, b) % num_buckets`, so one
    embedding table of `vocabulary_size + num_buckets` rows serves both. A bigram
    touching padding (id 0) becomes 0 and is masked out downstream. Integer ops
    only: it runs inside an XLA-compiled step.

    Example:
        >>> layer = HashedNgrams(vocabulary_size=10, num_buckets=100)
        >>> layer(np.array([[2, 3, 4, 0]])).shape
        TensorShape([1, 7])
    """

    def __init__(self, *, vocabulary_size, num_buckets, **kwargs):
        super().__init__(**kwargs)
        self.vocabulary_size = check_int("vocabulary_size", vocabulary_size, minimum=1)
        self.num_buckets = check_int("num_buckets", num_buckets, minimum=1)

    def call(self, token_ids):
        ids = ops.cast(token_ids, "int64")
        left, right = ids[:, :-1], ids[:, 1:]
        hashed = (left * _HASH_MULTIPLIER + right) % self.num_buckets
        bigram_ids = ops.where(
            ops.logical_and(left > 0, right > 0), hashed + self.vocabulary_size, 0
        )
        return ops.cast(ops.concatenate([ids, bigram_ids], axis=1), "int32")

    def compute_output_shape(self, input_shape):
        length = input_shape[1]
        return (input_shape[0], None if length is None else 2 * length - 1)

    def get_config(self):
        return {
            **super().get_config(),
            "vocabulary_size": self.vocabulary_size,
            "num_buckets": self.num_buckets,
        }
