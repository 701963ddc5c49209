import os

import keras
import tensorflow as tf

VOCABULARY_FILE = "vocabulary.txt"


class WordVectorizer:
    """Words -> ids with `keras.layers.TextVectorization`, adapted on training text.

    Id 0 is padding and id 1 the out-of-vocabulary token. Runs inside tf.data:
    map it over scalar strings to get 1-D id tensors.

    Example:
        >>> vectorizer = WordVectorizer.adapt(texts_dataset, max_tokens=20_000)
        >>> ids = vectorizer(tf.constant("a fine film"))
    """

    separator = " "  # between tokens when detokenizing
    kind = "word"

    def __init__(self, vocabulary):
        self.layer = keras.layers.TextVectorization(
            vocabulary=list(vocabulary)[2:] if vocabulary[:2] == ["", "[UNK]"] else list(vocabulary),
            output_mode="int",
            ragged=True,
        )

    @classmethod
    def adapt(cls, texts, *, max_tokens):
        """Builds the vocabulary (the `max_tokens` most frequent words) from a text dataset."""
        layer = keras.layers.TextVectorization(max_tokens=max_tokens, output_mode="int")
        layer.adapt(texts.batch(1024))
        return cls(layer.get_vocabulary())

    @property
    def vocabulary(self):
        return self.layer.get_vocabulary()

    @property
    def vocabulary_size(self):
        return self.layer.vocabulary_size()

    def __call__(self, text):
        """A scalar string -> 1-D ids; a batch of strings -> a RaggedTensor of ids."""
        ids = self.layer(text)
        if isinstance(ids, tf.RaggedTensor):
            return tf.ragged.map_flat_values(tf.cast, ids, tf.int32)
        return tf.cast(ids, tf.int32)

    def detokenize(self, ids):
        """Ids back to space-joined words (the vectorizer lowercases and strips punctuation)."""
        vocabulary = self.vocabulary
        return " ".join(vocabulary[int(i)] for i in ids if int(i) != 0)

    def save_assets(self, directory):
        with open(os.path.join(directory, VOCABULARY_FILE), "w", encoding="utf-8") as handle:
            handle.write("\n".join(self.vocabulary[2:]))

    @classmethod
    def from_assets(cls, directory):
        with open(os.path.join(directory, VOCABULARY_FILE), encoding="utf-8") as handle:
            return cls(handle.read().split("\n"))
