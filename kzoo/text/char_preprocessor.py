"""Unicode characters -> ids with `keras.layers.StringLookup`, over the characters seen in training."""

import keras
import tensorflow as tf

from kzoo.errors import check_int
from kzoo.text.text_preprocessor import TextPreprocessor, as_text_dataset, keras_layer_holder

ADAPT_BATCH = 1024


@keras.saving.register_keras_serializable(package="kzoo")
class CharPreprocessor(TextPreprocessor):
    """Characters -> ids; id 0 stands for any character outside the vocabulary.

    `max_tokens` caps the vocabulary (the rarest characters become id 0).

    Example:
        >>> preprocessor = CharPreprocessor(sequence_length=100)
        >>> preprocessor.adapt(["to be or not to be"])
        >>> preprocessor.detokenize(preprocessor.encode("to be"))
        'to be'
    """

    unknown_id = 0

    def __init__(self, *, max_tokens=None, sequence_length=None, **kwargs):
        super().__init__(sequence_length=sequence_length, **kwargs)
        self.max_tokens = None if max_tokens is None else check_int("max_tokens", max_tokens, minimum=2)
        self.tables = keras_layer_holder()
        self.tables.lookup = self._new_lookup()
        self._adapted = False

    def _new_lookup(self, vocabulary=None):
        return keras.layers.StringLookup(
            vocabulary=vocabulary, max_tokens=self.max_tokens, num_oov_indices=1, mask_token=None,
            oov_token="\ufffd", output_mode="int",
        )

    @property
    def is_adapted(self):
        return self._adapted

    def adapt(self, texts):
        batches = as_text_dataset(texts).batch(ADAPT_BATCH)
        self.tables.lookup.adapt(batches.map(lambda batch: tf.strings.unicode_split(batch, "UTF-8").flat_values))
        if len(self.tables.lookup.get_vocabulary()) <= 1:
            raise ValueError("`adapt` found no characters in the texts it was given: give it the training texts.")
        self._adapted = True

    def set_vocabulary(self, vocabulary):
        vocabulary = list(vocabulary)
        self.tables.lookup.set_vocabulary(vocabulary[1:] if vocabulary[:1] == ["\ufffd"] else vocabulary)
        self._adapted = True

    @property
    def vocabulary(self):
        return [str(token) for token in self.tables.lookup.get_vocabulary()]

    def _encode(self, texts):
        characters = tf.strings.unicode_split(texts, "UTF-8")
        return tf.ragged.map_flat_values(lambda c: tf.cast(self.tables.lookup(c), tf.int32), characters)

    def detokenize(self, ids):
        """Ids back to a Python string; id 0 (an unknown character) becomes U+FFFD."""
        return "".join(self.tokens(ids))

    def get_config(self):
        return {**super().get_config(), "max_tokens": self.max_tokens}
