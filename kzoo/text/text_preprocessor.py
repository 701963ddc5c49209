"""The base of kzoo's preprocessors: raw strings in, a model's inputs out, inside tf.data.

A preprocessor is a Keras layer (keras-hub's Preprocessor, adapted): a model
holds one as `model.preprocessor`, `fit`/`predict` map it over `tf.data`, and
`.keras` files keep its vocabulary as an asset. It splits its work in three so
that tf.data can bucket by length between the steps:

    encode(texts)      -> ragged ids of the whole text (language-model corpora)
    tokenize(texts)    -> ragged ids cut to `sequence_length` (classifiers)
    model_inputs(ids)  -> what the model takes, from a padded id batch
    call(texts)        =  model_inputs(tokenize(texts) padded)
"""

import json
import os

import keras
import tensorflow as tf

from kzoo.errors import check_int

# Marks invalid UTF-8 bytes in input text (U+FFFD REPLACEMENT CHARACTER).
REPLACEMENT_CHARACTER = 0xFFFD


VOCABULARY_ASSET = "vocabulary.json"


def keras_layer_holder():
    """Where a preprocessor keeps the Keras lookup layers it is built from.

    A `tf.Module`: TensorFlow tracks the lookup tables in it (an exported
    SavedModel needs them), while Keras's `.keras` saving and its XLA check
    skip it. The preprocessor saves the vocabulary itself, and its lookups
    never run in the compiled step, so they must not turn XLA off for the model.
    """
    return tf.Module(name="lookup_tables")


class NotAdaptedError(RuntimeError):
    """A preprocessor that learns its vocabulary was used before `adapt`."""


def as_text_dataset(texts):
    """Strings (list, array, tensor) or a dataset of strings or `(text, label)` -> a dataset of strings."""
    if isinstance(texts, tf.data.Dataset):
        if isinstance(texts.element_spec, tuple):
            texts = texts.map(lambda text, *rest: text)
        if texts.element_spec.dtype != tf.string:
            raise TypeError(f"`adapt` takes text; the dataset holds {texts.element_spec.dtype.name} values.")
        return texts
    if isinstance(texts, str):
        texts = [texts]
    return tf.data.Dataset.from_tensor_slices(tf.constant(list(texts), tf.string))


class TextPreprocessor(keras.layers.Layer):
    """Strings -> token ids; subclasses say how (`_encode`) and with which vocabulary.

    Invalid UTF-8 bytes become U+FFFD before tokenizing, so any byte string has
    a defined output. Ids are int32; 0 is padding.
    """

    separator = ""  # between tokens when detokenizing
    special_tokens = 0  # tokens `tokenize` adds to every text ([CLS] and [SEP])
    unknown_id = 1  # the id of a token outside the vocabulary

    def __init__(self, *, sequence_length=None, **kwargs):
        kwargs.setdefault("dtype", "int32")
        super().__init__(trainable=False, **kwargs)
        if sequence_length is not None:
            check_int("sequence_length", sequence_length, minimum=1)
        self.sequence_length = sequence_length
        self.built = True

    # === Vocabulary ===

    @property
    def is_adapted(self):
        """Whether the preprocessor has a vocabulary (from a checkpoint, a file or `adapt`)."""
        return True

    def check_adapted(self):
        if not self.is_adapted:
            raise NotAdaptedError(
                f"{type(self).__name__} has no vocabulary yet: call `model.preprocessor.adapt(texts)` "
                "on the training texts first (kzoo.train does this for you)."
            )

    @property
    def vocabulary_size(self):
        """Ids run from 0 to `vocabulary_size - 1`."""
        return len(self.vocabulary)

    def vocabulary_sizes(self):
        """The model hyperparameters the vocabulary fixes."""
        return {"vocabulary_size": self.vocabulary_size}

    def adapt(self, texts):
        """Learns the vocabulary from training texts (strings, or a dataset of strings or of `(text, label)`)."""
        raise TypeError(f"{type(self).__name__} has a fixed vocabulary: it needs no `adapt`.")

    def set_vocabulary(self, vocabulary):
        raise NotImplementedError

    # === Assets: the vocabulary travels with `.keras` files and run directories ===

    def save_assets(self, dir_path):
        if self.is_adapted:
            with open(os.path.join(dir_path, VOCABULARY_ASSET), "w", encoding="utf-8") as handle:
                json.dump(list(self.vocabulary), handle, ensure_ascii=False)

    def load_assets(self, dir_path):
        path = os.path.join(dir_path, VOCABULARY_ASSET)
        if os.path.exists(path):
            with open(path, encoding="utf-8") as handle:
                self.set_vocabulary(json.load(handle))

    # === Text to ids ===

    def _encode(self, texts):
        """A 1-D batch of valid UTF-8 strings -> RaggedTensor of int32 ids."""
        raise NotImplementedError

    def encode(self, texts):
        """Strings (scalar or 1-D) -> ids of the whole text (1-D, or ragged for a batch)."""
        self.check_adapted()
        texts = tf.convert_to_tensor(texts, dtype=tf.string)
        scalar = texts.shape.rank == 0
        batch = tf.reshape(texts, [-1])
        batch = tf.strings.unicode_transcode(
            batch, "UTF-8", "UTF-8", errors="replace", replacement_char=REPLACEMENT_CHARACTER
        )
        ids = self._encode(batch)
        return ids[0] if scalar else ids

    def tokenize(self, texts):
        """Like `encode`, cut to `sequence_length` tokens."""
        ids = self.encode(texts)
        if self.sequence_length is None:
            return ids
        return ids[..., : self.sequence_length] if isinstance(ids, tf.RaggedTensor) else ids[: self.sequence_length]

    def truncated(self, texts):
        """Whether `tokenize` cuts each text of a 1-D batch of strings (a bool vector).

        Example:
            >>> preprocessor.truncated(["a short text", "a very long document ..."])
        """
        texts = tf.reshape(tf.convert_to_tensor(texts, tf.string), [-1])
        if self.sequence_length is None:
            return tf.zeros(tf.shape(texts), tf.bool)
        room = self.sequence_length - self.special_tokens
        # Every token covers at least one byte of text, so only texts with more bytes than `room` can be cut.
        candidates = tf.where(tf.strings.length(texts) > room)
        cut = self.encode(tf.gather_nd(texts, candidates)).row_lengths() > room
        return tf.scatter_nd(candidates, tf.cast(cut, tf.int32), tf.shape(texts, out_type=tf.int64)) > 0

    def model_inputs(self, token_ids):
        """A padded `(batch, length)` id batch -> the model's inputs.

        A batch of texts without a single token (empty or whitespace-only
        strings) gets one padding step, so every model sees length >= 1.
        """
        if token_ids.shape[1] is not None and token_ids.shape[1] >= 1:  # static shapes stay static (TPUs)
            return self._model_inputs(token_ids)
        missing = tf.maximum(0, 1 - tf.shape(token_ids)[1])
        return self._model_inputs(tf.pad(token_ids, [[0, 0], [0, missing]]))

    def _model_inputs(self, token_ids):
        return token_ids

    def __call__(self, texts, *args, **kwargs):
        # Python strings and lists are welcome here (keras-hub's preprocessors take them too).
        if not isinstance(texts, (tf.Tensor, keras.KerasTensor)):
            texts = tf.convert_to_tensor(texts, dtype=tf.string)
        return super().__call__(texts, *args, **kwargs)

    def call(self, texts):
        """A batch of strings -> the model's inputs, padded to the longest text of the batch."""
        ids = self.tokenize(tf.reshape(tf.convert_to_tensor(texts, tf.string), [-1]))
        return self.model_inputs(ids.to_tensor(shape=[None, None]))

    # === Ids to text ===

    @property
    def vocabulary(self):
        """The token of each id, from id 0."""
        raise NotImplementedError

    def tokens(self, ids):
        """The token of each id; an id past the vocabulary (a model sized larger) reads as the unknown token."""
        vocabulary = self.vocabulary
        unknown = vocabulary[self.unknown_id]
        return [vocabulary[int(i)] if 0 <= int(i) < len(vocabulary) else unknown for i in ids]

    def detokenize(self, ids):
        """Ids (a 1-D sequence) back to a Python string; padding is skipped."""
        return self.separator.join(token for i, token in zip(ids, self.tokens(ids)) if int(i) != 0)

    def get_config(self):
        config = super().get_config()
        config.pop("trainable", None)
        config["sequence_length"] = self.sequence_length
        return config

    def compute_output_spec(self, texts):
        return keras.KerasTensor((None, None), dtype="int32")
