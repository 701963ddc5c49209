"""Text -> `[CLS] wordpieces [SEP]` ids with tensorflow-text's fast BERT normalizer and WordPiece.

`FastWordpieceTokenizer` splits on whitespace and punctuation and finds the
pieces in one linear pass (LinMaxMatch), about 7x keras-hub's regex-based
tokenizer on SST-2; `FastBertNormalizer` lowercases and strips accents as
BERT's uncased checkpoints expect. keras-hub still reads checkpoint
vocabularies and learns new ones.
"""

import keras
import keras_hub
import tensorflow as tf
import tensorflow_text as tf_text

from kzoo.errors import check_int
from kzoo.pretrained import resolve_checkpoint
from kzoo.text.text_preprocessor import TextPreprocessor, as_text_dataset, keras_layer_holder

RESERVED_TOKENS = ["[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]"]
ADAPT_BATCH = 1024


@keras.saving.register_keras_serializable(package="kzoo")
class WordPiecePreprocessor(TextPreprocessor):
    """BERT's WordPiece: a checkpoint's vocabulary, or one learnt with `adapt`.

    `bert_inputs=True` gives BERT's input dict (`token_ids`, `segment_ids`,
    `padding_mask`); otherwise the padded ids alone (models that only borrow a
    checkpoint's token embeddings). [PAD] is id 0.

    Example:
        >>> preprocessor = WordPiecePreprocessor.from_checkpoint("all_minilm_l6_v2", sequence_length=64)
        >>> preprocessor(["a fine film"])["token_ids"]  # [[101, 1037, 2986, 2143, 102]]
    """

    separator = " "
    special_tokens = 2  # [CLS] and [SEP]

    def __init__(self, *, sequence_length=128, lowercase=True, max_tokens=30_522, bert_inputs=False, **kwargs):
        super().__init__(sequence_length=check_int("sequence_length", sequence_length, minimum=3), **kwargs)
        self.lowercase = lowercase
        self.max_tokens = check_int("max_tokens", max_tokens, minimum=len(RESERVED_TOKENS) + 1)
        self.bert_inputs = bert_inputs
        self.tables = keras_layer_holder()
        self.tables.wordpiece = None
        self._vocabulary = None

    @classmethod
    def from_checkpoint(cls, checkpoint, **kwargs):
        """The vocabulary and casing of a BERT checkpoint (see `kzoo.pretrained.resolve_checkpoint`)."""
        tokenizer = keras_hub.models.BertTokenizer.from_preset(resolve_checkpoint(checkpoint))
        vocabulary = tokenizer.get_vocabulary()
        preprocessor = cls(lowercase=tokenizer.lowercase, max_tokens=len(vocabulary), **kwargs)
        preprocessor.set_vocabulary(vocabulary)
        return preprocessor

    @property
    def is_adapted(self):
        return self._vocabulary is not None

    def adapt(self, texts):
        """Learns a WordPiece vocabulary of at most `max_tokens` pieces (for a model trained from scratch)."""
        vocabulary = keras_hub.tokenizers.compute_word_piece_vocabulary(
            as_text_dataset(texts).batch(ADAPT_BATCH), self.max_tokens, lowercase=self.lowercase,
            strip_accents=self.lowercase,  # as the normalizer does
            reserved_tokens=RESERVED_TOKENS,
        )
        if len(vocabulary) <= len(RESERVED_TOKENS):
            raise ValueError("`adapt` found no words in the texts it was given: give it the training texts.")
        self.set_vocabulary(vocabulary)

    def set_vocabulary(self, vocabulary):
        vocabulary = [str(token) for token in vocabulary]
        missing = [token for token in RESERVED_TOKENS[1:4] if token not in vocabulary]
        if missing:
            raise ValueError(f"A WordPiece vocabulary needs the tokens {missing}; received {len(vocabulary)} tokens "
                             f"starting {vocabulary[:5]}")
        self._vocabulary = vocabulary
        # Looked up once: `tokenize` runs on every predict call.
        self.cls_token_id, self.sep_token_id = vocabulary.index("[CLS]"), vocabulary.index("[SEP]")
        self.tables.normalizer = tf_text.FastBertNormalizer(lower_case_nfd_strip_accents=self.lowercase)
        self.tables.wordpiece = tf_text.FastWordpieceTokenizer(
            vocabulary, suffix_indicator="##", unknown_token="[UNK]", no_pretokenization=False,
            token_out_type=tf.int32,
        )

    @property
    def vocabulary(self):
        return list(self._vocabulary)

    def _encode(self, texts):
        return self.tables.wordpiece.tokenize(self.tables.normalizer.normalize(texts))

    def tokenize(self, texts):
        """WordPieces cut to `sequence_length - 2`, between [CLS] and [SEP]."""
        texts = tf.convert_to_tensor(texts, tf.string)
        scalar = texts.shape.rank == 0
        ids = self.encode(tf.reshape(texts, [-1]))[:, : self.sequence_length - 2]
        rows = tf.ones([ids.nrows(), 1], tf.int32)
        ids = tf.concat([
            tf.RaggedTensor.from_tensor(rows * self.cls_token_id),
            ids,
            tf.RaggedTensor.from_tensor(rows * self.sep_token_id),
        ], axis=1)
        return ids[0] if scalar else ids

    def _model_inputs(self, token_ids):
        if not self.bert_inputs:
            return token_ids
        return {
            "token_ids": token_ids,
            "segment_ids": tf.zeros_like(token_ids),
            "padding_mask": tf.not_equal(token_ids, 0),
        }

    def detokenize(self, ids):
        """Ids back to text, WordPiece `##` joins undone and [CLS]/[SEP]/[PAD] dropped."""
        special = {0, self.cls_token_id, self.sep_token_id}
        pieces = [token for i, token in zip(ids, self.tokens(ids)) if int(i) not in special]
        return " ".join(pieces).replace(" ##", "")

    def compute_output_spec(self, texts):
        ids = keras.KerasTensor((None, None), dtype="int32")
        if not self.bert_inputs:
            return ids
        return {"token_ids": ids, "segment_ids": ids, "padding_mask": keras.KerasTensor((None, None), dtype="bool")}

    def get_config(self):
        return {**super().get_config(), "lowercase": self.lowercase, "max_tokens": self.max_tokens,
                "bert_inputs": self.bert_inputs}
