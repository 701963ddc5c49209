"""Catalogue entry: the encoder-decoder Transformer translator (`kzoo.models.transformer_translator`)."""

from kzoo.catalog.preprocessors import translation_preprocessor
from kzoo.registry import CompileDefaults, register_model


@register_model(
    family="transformer",
    rebuilds="Transformer encoder-decoder (English -> Chinese): d_model 512, 8 heads, 2 layers, feed-forward 2048, "
             "dropout 0.1, Adam 1e-3",
    presets={
        "tiny": {"source_vocabulary_size": 50, "target_vocabulary_size": 50, "sequence_length": 16, "hidden_dim": 8,
                 "num_heads": 2, "num_layers": 1, "intermediate_dim": 16},
        # Sized for two CPU cores: ~26k Tatoeba pairs train in minutes an epoch.
        "small": {"hidden_dim": 256, "num_heads": 4, "num_layers": 2, "intermediate_dim": 1024, "dropout": 0.1},
        # The Transformer example's sizes.
        "example": {"hidden_dim": 512, "num_heads": 8, "num_layers": 2, "intermediate_dim": 2048, "dropout": 0.1},
    },
    default_preset="small",
    input_kind="source_target_ids",
    output_kind="translation_logits",
    compile_defaults=CompileDefaults(
        optimizer="adamw", learning_rate=5e-4, warmup_fraction=0.05, clipnorm=1.0, epochs=20, batch_size=64,
        # The Transformer paper's 0.1. `small`, cmn-eng, 16 epochs (30 min on 2 CPU cores): dev BLEU 37.5 with it,
        # 34.7 without (test 37.6 vs 34.3; benchmarks/RESULTS.md, 2026-11-27).
        label_smoothing=0.1,
        max_length=40, loss="padded_sparse_categorical_crossentropy", metrics=(), xla_devices=("cpu", "gpu"),
        # Before kzoo's tensordot einsum (kzoo._einsum_fix), XLA read 0.95x of no-XLA on CPU (2026-11-26).
        xla_measured="2 CPU cores, small preset, cmn-eng train, batch 64, label smoothing 0.1: training XLA 1.01x, "
                     "1.02x and 1.04x of no-XLA (5,164 vs 5,120, 5,129 vs 5,007, 5,130 vs 4,926 target tokens/s; "
                     "3 rounds of 6 epochs of 30 steps per mode taken in turns, 2026-11-28); decoding is "
                     "XLA-compiled either way",
    ),
    preprocessor=translation_preprocessor,
)
def transformer_translator(
    *,
    source_tokenizer="word",
    target_tokenizer="char",
    source_vocabulary_size=15_000,
    target_vocabulary_size=4_000,
    sequence_length=40,
    hidden_dim=256,
    num_heads=4,
    num_layers=2,
    intermediate_dim=1024,
    dropout=0.1,
    dtype=None,
    preprocessor=None,
):
    """Encoder-decoder Transformer translator (keras-hub layers), English words -> Chinese characters by default.

    `source_tokenizer` ("word", "wordpiece" or "char") and `target_tokenizer`
    ("word" or "char") pick each language's tokens (Chinese is written without
    spaces: characters; WordPiece splits rare English words into known pieces). The
    vocabulary sizes cap what the preprocessor learns with `adapt`; kzoo.train
    then sizes the model to the vocabularies it found. `sequence_length` is the
    most tokens kept per sentence on each side.

    Example:
        >>> model = kzoo.create_model("transformer_translator", preset="tiny")
        >>> model.preprocessor.adapt(kzoo.data.load("pairs.tsv", task="translation"))
        >>> model.translate(["How are you?"])
    """
    from kzoo.models.transformer_translator import TransformerTranslator

    del source_tokenizer, target_tokenizer  # the preprocessor's choice (see the catalogue's preprocessor)
    return TransformerTranslator(
        source_vocabulary_size=source_vocabulary_size, target_vocabulary_size=target_vocabulary_size,
        sequence_length=sequence_length, hidden_dim=hidden_dim, num_heads=num_heads, num_layers=num_layers,
        intermediate_dim=intermediate_dim, dropout=dropout, dtype=dtype, preprocessor=preprocessor,
    )
