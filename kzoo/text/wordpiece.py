import json
import os

import keras_hub
import tensorflow as tf

from kzoo.models.bert import resolve_checkpoint

VOCABULARY_FILE = "wordpiece_vocabulary.txt"
SETTINGS_FILE = "wordpiece.json"
RESERVED_TOKENS = ["[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]"]


class WordPieceEncoder:
    """Text -> `[CLS] wordpieces [SEP]` ids for BERT, inside tf.data (keras-hub).

    Sequences are cut to `sequence_length` and left unpadded, so the pipeline can
    bucket them by length; `model_inputs` turns a padded batch into BERT's dict.

    Example:
        >>> encoder = WordPieceEncoder.from_checkpoint("all_minilm_l6_v2", sequence_length=64)
        >>> ids = encoder(tf.constant("a fine film"))  # [101, ..., 102]
    """

    kind = "wordpiece"

    def __init__(self, vocabulary, *, sequence_length=128, lowercase=True):
        self.sequence_length = sequence_length
        self.lowercase = lowercase
        tokenizer = keras_hub.models.BertTokenizer(vocabulary=list(vocabulary), lowercase=lowercase)
        self.preprocessor = keras_hub.models.BertTextClassifierPreprocessor(
            tokenizer=tokenizer, sequence_length=sequence_length
        )

    @classmethod
    def from_checkpoint(cls, checkpoint, *, sequence_length=128):
        """The vocabulary and casing of a BERT checkpoint (see `resolve_checkpoint`)."""
        tokenizer = keras_hub.models.BertTokenizer.from_preset(resolve_checkpoint(checkpoint))
        return cls(tokenizer.get_vocabulary(), sequence_length=sequence_length, lowercase=tokenizer.lowercase)

    @classmethod
    def adapt(cls, texts, *, vocabulary_size, sequence_length=128):
        """A new WordPiece vocabulary learnt from a text dataset (for a random BERT)."""
        vocabulary = keras_hub.tokenizers.compute_word_piece_vocabulary(
            texts.batch(1024), vocabulary_size, lowercase=True, reserved_tokens=RESERVED_TOKENS
        )
        return cls(vocabulary, sequence_length=sequence_length, lowercase=True)

    @property
    def vocabulary(self):
        return self.preprocessor.tokenizer.get_vocabulary()

    @property
    def vocabulary_size(self):
        return self.preprocessor.tokenizer.vocabulary_size()

    def __call__(self, text):
        """A scalar string -> 1-D ids; a batch of strings -> a RaggedTensor of ids."""
        packed = self.preprocessor(text)
        lengths = tf.reduce_sum(tf.cast(packed["padding_mask"], tf.int32), axis=-1)
        if text.shape.rank == 0:
            return packed["token_ids"][:lengths]
        return tf.RaggedTensor.from_tensor(packed["token_ids"], lengths=lengths)

    @staticmethod
    def model_inputs(token_ids):
        """A padded `(batch, length)` id batch -> BERT's input dict ([PAD] is 0)."""
        return {
            "token_ids": token_ids,
            "segment_ids": tf.zeros_like(token_ids),
            "padding_mask": tf.not_equal(token_ids, 0),
        }

    def save_assets(self, directory):
        with open(os.path.join(directory, VOCABULARY_FILE), "w", encoding="utf-8") as handle:
            handle.write("\n".join(self.vocabulary))
        with open(os.path.join(directory, SETTINGS_FILE), "w") as handle:
            json.dump({"sequence_length": self.sequence_length, "lowercase": self.lowercase}, handle)

    @classmethod
    def from_assets(cls, directory):
        with open(os.path.join(directory, VOCABULARY_FILE), encoding="utf-8") as handle:
            vocabulary = handle.read().split("\n")
        with open(os.path.join(directory, SETTINGS_FILE)) as handle:
            settings = json.load(handle)
        return cls(vocabulary, **settings)
