"""Embedding -> stacked LSTM -> Dense(vocab): the Keras LSTM text generator."""

import keras

from kzoo.errors import check_fraction, check_int
from kzoo.models.language_model import LanguageModel, token_before


@keras.saving.register_keras_serializable(package="kzoo")
class LSTMLanguageModel(LanguageModel):
    """A next-token LSTM language model with logits at every position.

    Called on `(batch, length)` ids it returns `(batch, length, vocabulary)`
    logits, so a window trains on all of its positions. `call_with_state` runs
    the same layers with the LSTM state passed in and out, so generation costs
    one LSTM step per new token.

    Example:
        >>> model = LSTMLanguageModel(vocabulary_size=65)
        >>> logits, state = model.call_with_state(np.array([[4, 7]]))
        >>> logits, state = model.call_with_state(np.array([[9]]), state)
    """

    registered_as = "lstm_language_model"  # its compile() defaults are that catalogue entry's

    def __init__(
        self,
        *,
        vocabulary_size,
        embedding_dim=50,
        lstm_units=128,
        num_layers=1,
        dropout=0.0,
        dtype=None,
        **kwargs,
    ):
        check_int("vocabulary_size", vocabulary_size, minimum=2)
        check_int("embedding_dim", embedding_dim, minimum=1)
        check_int("lstm_units", lstm_units, minimum=1)
        check_int("num_layers", num_layers, minimum=1)
        check_fraction("dropout", dropout)

        # === Layers ===
        self.token_embedding = keras.layers.Embedding(
            vocabulary_size, embedding_dim, dtype=dtype, name="token_embedding"
        )
        self.lstm_layers = [
            keras.layers.LSTM(
                lstm_units, return_sequences=True, return_state=True, dtype=dtype, name=f"lstm_{index}"
            )
            for index in range(num_layers)
        ]
        self.output_dropout = keras.layers.Dropout(dropout, name="output_dropout")
        self.lm_head = keras.layers.Dense(vocabulary_size, dtype="float32", name="lm_head")

        # === Functional Model ===
        token_ids = keras.Input(shape=(None,), dtype="int32", name="token_ids")
        x = self.token_embedding(token_ids)
        for lstm in self.lstm_layers:
            x = self.output_dropout(lstm(x)[0])
        logits = self.lm_head(x)
        super().__init__(inputs=token_ids, outputs=logits, dtype=dtype, **kwargs)

        # === Config ===
        self.vocabulary_size = vocabulary_size
        self.embedding_dim = embedding_dim
        self.lstm_units = lstm_units
        self.num_layers = num_layers
        self.dropout = dropout

    def initial_state(self, batch_size):
        """Zero `[h, c]` pairs, one per LSTM layer."""
        zeros = keras.ops.zeros((batch_size, self.lstm_units), dtype=self.compute_dtype)
        return [[zeros, zeros] for _ in self.lstm_layers]

    def call_with_state(self, token_ids, state=None, mask=None):
        """Logits for `token_ids` continuing from `state`, and the state after them.

        `state` is a list of `[h, c]` pairs, one per layer (`None`: zeros).
        `mask` (bool, like `token_ids`) marks the steps to read: the state passes
        unchanged through the others.
        """
        x = self.token_embedding(token_ids)
        if state is None:
            state = self.initial_state(keras.ops.shape(token_ids)[0])
        new_state = []
        for lstm, layer_state in zip(self.lstm_layers, state):
            x, h, c = lstm(x, initial_state=list(layer_state), mask=mask)
            new_state.append([h, c])
        return self.lm_head(x), new_state

    # === Cached decoding: the LSTM state is the cache, `(batch, num_layers, 2, lstm_units)` ===

    def start_cache(self, prompt_ids, index, total_length):
        steps = keras.ops.arange(keras.ops.shape(prompt_ids)[1])
        before_index = keras.ops.broadcast_to(steps[None, :] < index - 1, keras.ops.shape(prompt_ids))
        _, state = self.call_with_state(prompt_ids, mask=before_index)  # masked steps keep the state
        return keras.ops.stack([keras.ops.stack(pair, axis=1) for pair in state], axis=1)

    def next_token_logits(self, tokens, cache, index):
        state = [[cache[:, layer, 0], cache[:, layer, 1]] for layer in range(self.num_layers)]
        logits, state = self.call_with_state(token_before(tokens, index), state)
        return logits[:, 0, :], keras.ops.stack([keras.ops.stack(pair, axis=1) for pair in state], axis=1)

    def get_config(self):
        return {
            **self._base_config(),
            "vocabulary_size": self.vocabulary_size,
            "embedding_dim": self.embedding_dim,
            "lstm_units": self.lstm_units,
            "num_layers": self.num_layers,
            "dropout": self.dropout,
        }
