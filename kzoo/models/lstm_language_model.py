"""Embedding -> stacked LSTM -> Dense(vocab): the Keras LSTM text generator."""

import keras

from kzoo.errors import check_choice, check_fraction, check_int
from kzoo.models.task import Task
from kzoo.registry import CompileDefaults, register_model
from kzoo.text.selection import LANGUAGE_MODEL_VOCABULARY_SIZES, language_model_preprocessor


@keras.saving.register_keras_serializable(package="kzoo")
class LSTMLanguageModel(Task):
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

    compile_defaults = CompileDefaults(
        optimizer="adam", learning_rate=2e-3, clipnorm=1.0, epochs=10, batch_size=32, max_length=100
    )
    task_kind = "language_modeling"

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
        `mask` (bool, like `token_ids`) marks steps to skip: the state passes
        through them unchanged, so left-padded prompts decode as they would alone.
        """
        x = self.token_embedding(token_ids)
        if state is None:
            state = self.initial_state(keras.ops.shape(token_ids)[0])
        new_state = []
        for lstm, layer_state in zip(self.lstm_layers, state):
            x, h, c = lstm(x, initial_state=list(layer_state), mask=mask)
            new_state.append([h, c])
        return self.lm_head(x), new_state

    def generate(self, prompts, **options):
        """Continues raw prompt strings (see `kzoo.generation.TextGenerator.generate` for the options).

        Example:
            >>> model.generate(["ROMEO:"], max_length=100, sampler="top_p", seed=1)
        """
        from kzoo.generation import TextGenerator  # the generator drives this model: no import cycle at load

        self._check_preprocessor()
        if getattr(self, "_generator", None) is None:
            self._generator = TextGenerator(self, self.preprocessor)
        return self._generator.generate(prompts, **options)

    def get_config(self):
        return {
            **self._base_config(),
            "vocabulary_size": self.vocabulary_size,
            "embedding_dim": self.embedding_dim,
            "lstm_units": self.lstm_units,
            "num_layers": self.num_layers,
            "dropout": self.dropout,
        }


@register_model(
    family="lstm",
    rebuilds="Keras LSTM text generator: Embedding -> LSTM(128, tanh) -> Dense(vocab, softmax)",
    presets={
        # No vocabulary_size: the tiny model takes the characters (or words, to the default cap) of its data.
        "tiny": {"embedding_dim": 4, "lstm_units": 4, "num_layers": 2},
        "example": {"embedding_dim": 50, "lstm_units": 128, "num_layers": 1, "dropout": 0.0},
        # Char-level Shakespeare size, chosen for a 15-minute budget on 2 CPU cores: at batch 32 it
        # takes ~3,400 updates (~10 epochs); wider layers see too few updates in that time.
        "char_medium": {"embedding_dim": 64, "lstm_units": 256, "num_layers": 2, "dropout": 0.1},
    },
    default_preset="char_medium",
    input_kind="char_ids",
    output_kind="next_token_logits",
    compile_defaults=LSTMLanguageModel.compile_defaults,
    preprocessor=language_model_preprocessor,
)
def lstm_language_model(
    *,
    tokenizer="char",
    vocabulary_size=None,
    embedding_dim=64,
    lstm_units=256,
    num_layers=2,
    dropout=0.1,
    dtype=None,
    preprocessor=None,
):
    """Next-token LSTM language model over characters (`tokenizer="char"`) or words.

    `vocabulary_size` caps the vocabulary its preprocessor learns with `adapt`
    (default: 256 characters or 10,000 words); kzoo.train then sizes the model
    to the vocabulary it found.

    Example:
        >>> model = kzoo.create_model("lstm_language_model", tokenizer="word")
        >>> model.preprocessor.adapt(texts)
    """
    check_choice("tokenizer", tokenizer, LANGUAGE_MODEL_VOCABULARY_SIZES)
    return LSTMLanguageModel(
        vocabulary_size=vocabulary_size or LANGUAGE_MODEL_VOCABULARY_SIZES[tokenizer], embedding_dim=embedding_dim,
        lstm_units=lstm_units, num_layers=num_layers, dropout=dropout, dtype=dtype, preprocessor=preprocessor,
    )
