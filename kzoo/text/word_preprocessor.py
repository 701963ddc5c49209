"""Words -> ids with `keras.layers.TextVectorization`, its vocabulary adapted on training text."""

import keras
import tensorflow as tf

from kzoo.errors import check_int
from kzoo.text.text_preprocessor import TextPreprocessor, as_text_dataset, keras_layer_holder

ADAPT_BATCH = 1024


@keras.saving.register_keras_serializable(package="kzoo")
class WordPreprocessor(TextPreprocessor):
    """Lowercased words, punctuation stripped; id 0 is padding, id 1 an unknown word.

    Example:
        >>> preprocessor = WordPreprocessor(max_tokens=20_000, sequence_length=128)
        >>> preprocessor.adapt(["a fine film", "a dull film"])
        >>> preprocessor(["a fine film"])  # [[2, 4, 3]]
    """

    separator = " "

    def __init__(self, *, max_tokens=20_000, sequence_length=256, **kwargs):
        super().__init__(sequence_length=sequence_length, **kwargs)
        self.max_tokens = check_int("max_tokens", max_tokens, minimum=3)
        self.tables = keras_layer_holder()
        self.tables.vectorizer = keras.layers.TextVectorization(max_tokens=max_tokens, output_mode="int", ragged=True)
        self._adapted = False

    @property
    def is_adapted(self):
        return self._adapted

    def adapt(self, texts):
        self.tables.vectorizer.adapt(as_text_dataset(texts).batch(ADAPT_BATCH))
        if len(self.tables.vectorizer.get_vocabulary()) <= 2:
            raise ValueError("`adapt` found no words in the texts it was given: give it the training texts.")
        self._adapted = True

    def set_vocabulary(self, vocabulary):
        vocabulary = list(vocabulary)
        if vocabulary[:2] == ["", "[UNK]"]:
            vocabulary = vocabulary[2:]
        self.tables.vectorizer.set_vocabulary(vocabulary)
        self._adapted = True

    @property
    def vocabulary(self):
        return [str(token) for token in self.tables.vectorizer.get_vocabulary()]

    def _encode(self, texts):
        return tf.ragged.map_flat_values(tf.cast, self.tables.vectorizer(texts), tf.int32)

    def get_config(self):
        return {**super().get_config(), "max_tokens": self.max_tokens}
