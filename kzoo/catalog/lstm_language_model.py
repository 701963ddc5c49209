"""Catalogue entry: the LSTM language model / text generator (`kzoo.models.lstm_language_model`)."""

from kzoo.catalog.preprocessors import LANGUAGE_MODEL_VOCABULARY_SIZES, language_model_preprocessor
from kzoo.errors import check_choice
from kzoo.registry import CompileDefaults, register_model


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
    compile_defaults=CompileDefaults(
        optimizer="adam", learning_rate=2e-3, clipnorm=1.0, epochs=10, batch_size=32, max_length=100,
        xla_devices=("cpu",),
        xla_measured="2 CPU cores, char_medium, Tiny Shakespeare, batch 32 x 100: XLA 1.19x of no-XLA (14,207 vs "
                     "11,931 tokens/s; 6 epochs of 30 steps per mode taken in turns, 2026-11-26); GPU: cuDNN's LSTM kernel needs no-XLA",
    ),
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
    from kzoo.models.lstm_language_model import LSTMLanguageModel

    check_choice("tokenizer", tokenizer, LANGUAGE_MODEL_VOCABULARY_SIZES)
    return LSTMLanguageModel(
        vocabulary_size=vocabulary_size or LANGUAGE_MODEL_VOCABULARY_SIZES[tokenizer], embedding_dim=embedding_dim,
        lstm_units=lstm_units, num_layers=num_layers, dropout=dropout, dtype=dtype, preprocessor=preprocessor,
    )
