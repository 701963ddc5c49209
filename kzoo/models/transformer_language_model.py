"""Token + position embeddings -> causal Transformer decoders -> tied logits: a GPT-style language model."""

import keras
import keras_hub

from kzoo.errors import check_int
from kzoo.models.language_model import LanguageModel, token_before
from kzoo.models.task import check_transformer_sizes


@keras.saving.register_keras_serializable(package="kzoo")
class TransformerLanguageModel(LanguageModel):
    """A decoder-only (GPT-style) language model built from keras-hub layers.

    Pre-layer-norm `TransformerDecoder` blocks with a causal mask, a final
    layer norm, and logits from the token embedding matrix (tied weights, as
    GPT-2). Called on `(batch, length)` ids it returns `(batch, length,
    vocabulary)` logits; `call_with_cache` runs new tokens against a key/value
    cache, so generation does O(1) new work per token. `sequence_length` is the
    longest text (prompt + continuation) it has positions for.

    Example:
        >>> model = TransformerLanguageModel(vocabulary_size=65, sequence_length=256)
        >>> logits = model(np.array([[4, 7, 9]]))
    """

    registered_as = "transformer_language_model"  # its compile() defaults are that catalogue entry's

    def __init__(
        self,
        *,
        vocabulary_size,
        sequence_length=256,
        hidden_dim=256,
        num_heads=4,
        num_layers=4,
        intermediate_dim=1024,
        dropout=0.1,
        dtype=None,
        **kwargs,
    ):
        check_int("vocabulary_size", vocabulary_size, minimum=2)
        check_int("sequence_length", sequence_length, minimum=2)
        check_transformer_sizes(hidden_dim=hidden_dim, num_heads=num_heads, num_layers=num_layers,
                                intermediate_dim=intermediate_dim, dropout=dropout)

        # === Layers ===
        self.embeddings = keras_hub.layers.TokenAndPositionEmbedding(
            vocabulary_size=vocabulary_size,
            sequence_length=sequence_length,
            embedding_dim=hidden_dim,
            tie_weights=True,
            dtype=dtype,
            name="embeddings",
        )
        self.embedding_dropout = keras.layers.Dropout(dropout, name="embedding_dropout")
        self.decoder_layers = [
            keras_hub.layers.TransformerDecoder(
                intermediate_dim=intermediate_dim,
                num_heads=num_heads,
                dropout=dropout,
                activation="gelu",
                normalize_first=True,
                dtype=dtype,
                name=f"decoder_{index}",
            )
            for index in range(num_layers)
        ]
        self.final_norm = keras.layers.LayerNormalization(epsilon=1e-5, dtype=dtype, name="final_norm")

        # === Functional Model ===
        token_ids = keras.Input(shape=(None,), dtype="int32", name="token_ids")
        x = self.embedding_dropout(self.embeddings(token_ids))
        for decoder in self.decoder_layers:
            x = decoder(x)  # causal self-attention; no padding inside a training window
        logits = self._logits(x)
        super().__init__(inputs=token_ids, outputs=logits, dtype=dtype, **kwargs)

        # === Config ===
        self.vocabulary_size = vocabulary_size
        self.sequence_length = sequence_length
        self.hidden_dim = hidden_dim
        self.num_heads = num_heads
        self.num_layers = num_layers
        self.intermediate_dim = intermediate_dim
        self.dropout = dropout

    def _logits(self, x):
        # The tied output projection; float32 logits keep mixed precision's softmax stable.
        logits = self.embeddings.token_embedding(self.final_norm(x), reverse=True)
        return keras.ops.cast(logits, "float32")

    @property
    def max_positions(self):
        return self.sequence_length

    # === Cached decoding ===

    def call_with_cache(self, token_ids, cache, cache_update_index):
        """Logits for `token_ids` at positions `cache_update_index...`, and the cache with their keys/values.

        `cache` is `(batch, num_layers, 2, cache_length, num_heads, head_dim)`
        (keras-hub's layout); each token attends to the cache up to itself.
        """
        x = self.embeddings(token_ids, start_index=cache_update_index)
        caches = []
        for index, decoder in enumerate(self.decoder_layers):
            x, layer_cache = decoder(
                x, self_attention_cache=cache[:, index], self_attention_cache_update_index=cache_update_index
            )
            caches.append(layer_cache)
        return self._logits(x), keras.ops.stack(caches, axis=1)

    def start_cache(self, prompt_ids, index, total_length):
        batch = keras.ops.shape(prompt_ids)[0]
        shape = (batch, self.num_layers, 2, total_length, self.num_heads, self.hidden_dim // self.num_heads)
        _, cache = self.call_with_cache(prompt_ids, keras.ops.zeros(shape, self.compute_dtype), 0)
        return cache

    def next_token_logits(self, tokens, cache, index):
        logits, cache = self.call_with_cache(token_before(tokens, index), cache, index - 1)
        return logits[:, 0, :], cache

    def get_config(self):
        return {
            **self._base_config(),
            "vocabulary_size": self.vocabulary_size,
            "sequence_length": self.sequence_length,
            "hidden_dim": self.hidden_dim,
            "num_heads": self.num_heads,
            "num_layers": self.num_layers,
            "intermediate_dim": self.intermediate_dim,
            "dropout": self.dropout,
        }
