"""The encoder-decoder Transformer of "Attention Is All You Need", translating source text into target text."""

import keras
import keras_hub

from kzoo.errors import check_int
from kzoo.models.task import Task, check_transformer_sizes


@keras.saving.register_keras_serializable(package="kzoo")
class TransformerTranslator(Task):
    """A sequence-to-sequence Transformer built from keras-hub layers.

    Takes `{"encoder_token_ids", "decoder_token_ids"}` (0 is padding) and
    returns `(batch, decoder length, target vocabulary)` logits: teacher
    forcing. `translate` decodes raw source strings with a keras-hub sampler,
    XLA-compiled, with a key/value cache for the decoder's self-attention and
    the cross-attention keys/values of the source computed once.

    Example:
        >>> model = kzoo.create_model("transformer_translator", preset="tiny")
        >>> model.preprocessor.adapt(pairs)
        >>> model.translate(["How are you?"])
    """

    registered_as = "transformer_translator"  # its compile() defaults are that catalogue entry's
    task_kind = "translation"

    def __init__(
        self,
        *,
        source_vocabulary_size,
        target_vocabulary_size,
        sequence_length=40,
        hidden_dim=256,
        num_heads=4,
        num_layers=2,
        intermediate_dim=1024,
        dropout=0.1,
        dtype=None,
        **kwargs,
    ):
        check_int("source_vocabulary_size", source_vocabulary_size, minimum=2)
        check_int("target_vocabulary_size", target_vocabulary_size, minimum=3)
        check_int("sequence_length", sequence_length, minimum=2)
        check_transformer_sizes(hidden_dim=hidden_dim, num_heads=num_heads, num_layers=num_layers,
                                intermediate_dim=intermediate_dim, dropout=dropout)

        # === Layers ===
        def embeddings(vocabulary_size, name):
            return keras_hub.layers.TokenAndPositionEmbedding(
                vocabulary_size=vocabulary_size, sequence_length=sequence_length, embedding_dim=hidden_dim,
                dtype=dtype, name=name,
            )

        self.encoder_embeddings = embeddings(source_vocabulary_size, "encoder_embeddings")
        self.decoder_embeddings = embeddings(target_vocabulary_size, "decoder_embeddings")
        self.encoder_dropout = keras.layers.Dropout(dropout, name="encoder_embedding_dropout")
        self.decoder_dropout = keras.layers.Dropout(dropout, name="decoder_embedding_dropout")
        self.encoder_layers = [
            keras_hub.layers.TransformerEncoder(
                intermediate_dim=intermediate_dim, num_heads=num_heads, dropout=dropout, dtype=dtype,
                name=f"encoder_{index}",
            )
            for index in range(num_layers)
        ]
        self.decoder_layers = [
            keras_hub.layers.TransformerDecoder(
                intermediate_dim=intermediate_dim, num_heads=num_heads, dropout=dropout, dtype=dtype,
                name=f"decoder_{index}",
            )
            for index in range(num_layers)
        ]
        self.lm_head = keras.layers.Dense(target_vocabulary_size, dtype="float32", name="lm_head")

        # === Functional Model ===
        encoder_token_ids = keras.Input(shape=(None,), dtype="int32", name="encoder_token_ids")
        decoder_token_ids = keras.Input(shape=(None,), dtype="int32", name="decoder_token_ids")
        encoded, encoder_padding_mask = self._encode(encoder_token_ids)
        x = self.decoder_dropout(self.decoder_embeddings(decoder_token_ids))
        for decoder in self.decoder_layers:
            # Causal self-attention: padding after a target never reaches it, and its labels are masked.
            x = decoder(x, encoded, encoder_padding_mask=encoder_padding_mask)
        logits = self.lm_head(x)
        super().__init__(
            inputs={"encoder_token_ids": encoder_token_ids, "decoder_token_ids": decoder_token_ids},
            outputs=logits, dtype=dtype, **kwargs,
        )

        # === Config ===
        self.source_vocabulary_size = source_vocabulary_size
        self.target_vocabulary_size = target_vocabulary_size
        self.sequence_length = sequence_length
        self.hidden_dim = hidden_dim
        self.num_heads = num_heads
        self.num_layers = num_layers
        self.intermediate_dim = intermediate_dim
        self.dropout = dropout

    def _encode(self, encoder_token_ids):
        padding_mask = keras.ops.not_equal(encoder_token_ids, 0)
        x = self.encoder_dropout(self.encoder_embeddings(encoder_token_ids))
        for encoder in self.encoder_layers:
            x = encoder(x, padding_mask=padding_mask)
        return x, padding_mask

    # === Cached decoding ===

    def call_decoder_with_cache(self, encoded, encoder_padding_mask, token_ids, self_cache, cross_cache, index,
                                *, fill_cross_cache=False):
        """Logits for `token_ids` at positions `index...`, with both caches (`fill_cross_cache` computes the source's).

        Caches are `(batch, num_layers, 2, length, num_heads, head_dim)`.
        """
        x = self.decoder_embeddings(token_ids, start_index=index)
        self_caches, cross_caches = [], []
        for layer, decoder in enumerate(self.decoder_layers):
            x, layer_self, layer_cross = decoder(
                x, encoded, encoder_padding_mask=encoder_padding_mask,
                self_attention_cache=self_cache[:, layer], self_attention_cache_update_index=index,
                cross_attention_cache=cross_cache[:, layer],
                cross_attention_cache_update_index=0 if fill_cross_cache else None,
            )
            self_caches.append(layer_self)
            cross_caches.append(layer_cross)
        return self.lm_head(x), keras.ops.stack(self_caches, axis=1), keras.ops.stack(cross_caches, axis=1)

    def decode_ids(self, encoder_token_ids, sampler, *, start_id, end_id, max_length=None):
        """Source ids -> `(batch, max_length)` target ids starting with `start_id` (after `end_id`: anything)."""
        max_length = max_length or self.sequence_length
        batch, source_length = keras.ops.shape(encoder_token_ids)[0], keras.ops.shape(encoder_token_ids)[1]
        encoded, source_mask = self._encode(encoder_token_ids)
        head_dim = self.hidden_dim // self.num_heads
        self_cache = keras.ops.zeros((batch, self.num_layers, 2, max_length, self.num_heads, head_dim),
                                     self.compute_dtype)
        cross_cache = keras.ops.zeros((batch, self.num_layers, 2, source_length, self.num_heads, head_dim),
                                      self.compute_dtype)
        start = keras.ops.full((batch, 1), start_id, "int32")
        _, self_cache, cross_cache = self.call_decoder_with_cache(
            encoded, source_mask, start, self_cache, cross_cache, 0, fill_cross_cache=True)

        def next_token(tokens, cache, index):
            # The source's tensors ride in the cache, so a beam search repeats them per beam.
            self_cache, cross_cache, encoded, source_mask = cache
            token = keras.ops.slice(tokens, [0, index - 1], [keras.ops.shape(tokens)[0], 1])
            logits, self_cache, _ = self.call_decoder_with_cache(
                encoded, source_mask, token, self_cache, cross_cache, index - 1)
            return logits[:, 0, :], None, (self_cache, cross_cache, encoded, source_mask)

        tokens = keras.ops.concatenate([start, keras.ops.zeros((batch, max_length - 1), "int32")], axis=1)
        keep = keras.ops.broadcast_to(keras.ops.arange(max_length)[None, :] < 1, keras.ops.shape(tokens))
        return sampler(next_token, tokens, cache=(self_cache, cross_cache, encoded, source_mask), index=1,
                       mask=keep, stop_token_ids=[end_id])

    def translate(self, texts, **options):
        """Translates raw source strings (see `kzoo.generation.Translator.translate` for the options).

        Example:
            >>> model.translate(["How are you?"], sampler="beam", num_beams=4)
        """
        from kzoo.generation import Translator  # the translator drives this model: no import cycle at load

        self._check_preprocessor()
        if getattr(self, "_translator", None) is None:
            self._translator = Translator(self)
        return self._translator.translate(texts, **options)

    def get_config(self):
        return {
            **self._base_config(),
            "source_vocabulary_size": self.source_vocabulary_size,
            "target_vocabulary_size": self.target_vocabulary_size,
            "sequence_length": self.sequence_length,
            "hidden_dim": self.hidden_dim,
            "num_heads": self.num_heads,
            "num_layers": self.num_layers,
            "intermediate_dim": self.intermediate_dim,
            "dropout": self.dropout,
        }
