"""Sentence pairs -> a translator's ids: a source and a target preprocessor, each fit for its language."""

import json
import os

import keras
import tensorflow as tf

from kzoo.errors import check_choice, check_int
from kzoo.text.char_preprocessor import CharPreprocessor
from kzoo.text.text_preprocessor import NotAdaptedError
from kzoo.text.word_preprocessor import WordPreprocessor
from kzoo.text.wordpiece_preprocessor import WordPiecePreprocessor

# English words (or WordPiece, learnt from the training sources: rare words split into known pieces instead of
# becoming [UNK]); characters for a language written without spaces (Chinese). The target side is detokenized
# by joining its tokens, so it takes words or characters.
SOURCE_TOKENIZERS = ("word", "wordpiece", "char")
TARGET_TOKENIZERS = ("word", "char")
SPECIAL_TOKENS = ("[START]", "[END]")  # appended to the target vocabulary


def _text_preprocessor(tokenizer, max_tokens, sequence_length):
    if tokenizer == "word":
        return WordPreprocessor(max_tokens=max_tokens, sequence_length=sequence_length)
    if tokenizer == "wordpiece":
        return WordPiecePreprocessor(max_tokens=max_tokens, sequence_length=sequence_length)
    return CharPreprocessor(max_tokens=max_tokens, sequence_length=sequence_length)


@keras.saving.register_keras_serializable(package="kzoo")
class TranslationPreprocessor(keras.layers.Layer):
    """Source texts -> encoder ids; `(source, target)` pairs -> teacher-forcing inputs and labels.

    The target vocabulary gets `[START]` and `[END]` after its own tokens: the
    decoder reads `[START] target` and learns to write `target [END]`. Id 0 is
    padding on both sides (a target character outside the vocabulary is id 0
    too, so it is not learned). Both sides keep `sequence_length` tokens.

    Example:
        >>> preprocessor = TranslationPreprocessor(source_tokenizer="word", target_tokenizer="char")
        >>> preprocessor.adapt(pairs)  # a dataset of (english, chinese) strings
        >>> inputs, labels = preprocessor.training_pairs(tf.constant(["Hi."]), tf.constant(["你好。"]))
    """

    def __init__(self, *, source_tokenizer="word", target_tokenizer="char", source_max_tokens=15_000,
                 target_max_tokens=4_000, sequence_length=40, **kwargs):
        kwargs.setdefault("dtype", "int32")
        super().__init__(trainable=False, **kwargs)
        check_choice("source_tokenizer", source_tokenizer, SOURCE_TOKENIZERS)
        check_choice("target_tokenizer", target_tokenizer, TARGET_TOKENIZERS)
        check_int("sequence_length", sequence_length, minimum=2)
        self.source_tokenizer, self.target_tokenizer = source_tokenizer, target_tokenizer
        self.source_max_tokens, self.target_max_tokens = source_max_tokens, target_max_tokens
        self.sequence_length = sequence_length
        self.source = _text_preprocessor(source_tokenizer, source_max_tokens, sequence_length)
        self.target = _text_preprocessor(target_tokenizer, target_max_tokens, sequence_length - 1)
        self._target_size = None  # Python int once adapted: tf.data maps read the special ids in graph mode
        self.built = True

    # === Vocabularies ===

    @property
    def is_adapted(self):
        return self.source.is_adapted and self.target.is_adapted

    def check_adapted(self):
        if not self.is_adapted:
            raise NotAdaptedError(
                "TranslationPreprocessor has no vocabularies yet: call `model.preprocessor.adapt(pairs)` on the "
                "training pairs first (kzoo.train does this for you)."
            )

    def adapt(self, pairs):
        """Learns both vocabularies from a dataset of `(source, target)` strings."""
        if not isinstance(pairs, tf.data.Dataset) or not isinstance(pairs.element_spec, tuple):
            raise TypeError("`adapt` takes a dataset of (source, target) strings, e.g. kzoo.data.load(path, "
                            "task='translation').")
        self.source.adapt(pairs.map(lambda source, target: source))
        self.target.adapt(pairs.map(lambda source, target: target))
        self._target_size = self.target.vocabulary_size

    @property
    def start_id(self):
        self.check_adapted()
        if self._target_size is None:
            self._target_size = self.target.vocabulary_size
        return self._target_size

    @property
    def end_id(self):
        return self.start_id + 1

    def vocabulary_sizes(self):
        """The model hyperparameters the vocabularies fix."""
        return {"source_vocabulary_size": self.source.vocabulary_size,
                "target_vocabulary_size": self.target.vocabulary_size + len(SPECIAL_TOKENS)}

    def save_assets(self, dir_path):
        for side in ("source", "target"):
            preprocessor = getattr(self, side)
            if preprocessor.is_adapted:
                with open(os.path.join(dir_path, f"{side}_vocabulary.json"), "w", encoding="utf-8") as handle:
                    json.dump(preprocessor.vocabulary, handle, ensure_ascii=False)

    def load_assets(self, dir_path):
        for side in ("source", "target"):
            path = os.path.join(dir_path, f"{side}_vocabulary.json")
            if os.path.exists(path):
                with open(path, encoding="utf-8") as handle:
                    getattr(self, side).set_vocabulary(json.load(handle))
        self._target_size = self.target.vocabulary_size if self.target.is_adapted else None

    # === Text to ids ===

    def call(self, source_texts):
        """A batch of source strings -> encoder ids, padded to the longest."""
        return self.source(source_texts)

    def tokenize_pairs(self, sources, targets):
        """Batches of strings -> ragged `(source ids, target ids)`, each cut to fit `sequence_length`."""
        return self.source.tokenize(sources), self.target.tokenize(targets)

    def truncated_pairs(self, sources, targets):
        """Whether `tokenize_pairs` cuts each pair (either side) of 1-D batches of strings (a bool vector)."""
        return tf.logical_or(self.source.truncated(sources), self.target.truncated(targets))

    def training_inputs(self, source_ids, target_ids, target_lengths):
        """Padded id batches -> `({"encoder_token_ids", "decoder_token_ids"}, labels)` for teacher forcing.

        Labels are each target then `[END]` (at `target_lengths`), the decoder
        input `[START]` then the target; both one longer than `target_ids`.
        """
        target_ids = tf.cast(target_ids, tf.int32)
        batch = tf.shape(target_ids)[0]
        lengths = tf.cast(target_lengths, tf.int32)
        padded = tf.pad(target_ids, [[0, 0], [0, 1]])
        positions = tf.range(tf.shape(padded)[1])[None, :]
        labels = tf.where(positions == lengths[:, None], self.end_id, padded)
        decoder_ids = tf.concat([tf.fill([batch, 1], self.start_id), target_ids], axis=1)
        inputs = {"encoder_token_ids": tf.cast(source_ids, tf.int32), "decoder_token_ids": decoder_ids}
        return inputs, labels

    def training_pairs(self, sources, targets):
        """Batches of source and target strings -> `training_inputs`, padded to the longest of each side."""
        source_ids, target_ids = self.tokenize_pairs(sources, targets)
        return self.training_inputs(source_ids.to_tensor(), target_ids.to_tensor(), target_ids.row_lengths())

    # === Ids to text ===

    def detokenize(self, target_ids):
        """Target ids (1-D, after `[START]`) -> a string, up to `[END]`; id 0 (padding, unknown) is skipped."""
        ids = [int(i) for i in target_ids]
        if self.end_id in ids:
            ids = ids[: ids.index(self.end_id)]
        return self.target.separator.join(self.target.tokens([i for i in ids if 0 < i < self.start_id]))

    def get_config(self):
        config = super().get_config()
        config.pop("trainable", None)
        config.update({
            "source_tokenizer": self.source_tokenizer, "target_tokenizer": self.target_tokenizer,
            "source_max_tokens": self.source_max_tokens, "target_max_tokens": self.target_max_tokens,
            "sequence_length": self.sequence_length,
        })
        return config

    def compute_output_spec(self, texts):
        return keras.KerasTensor((None, None), dtype="int32")
