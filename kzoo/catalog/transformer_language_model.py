"""Catalogue entry: the GPT-style Transformer language model (`kzoo.models.transformer_language_model`)."""

from kzoo.catalog.preprocessors import LANGUAGE_MODEL_VOCABULARY_SIZES, language_model_preprocessor
from kzoo.errors import check_choice
from kzoo.registry import CompileDefaults, register_model


@register_model(
    family="transformer",
    rebuilds="decoder-only Transformer (GPT): token + position embeddings -> causal decoder blocks -> tied logits",
    presets={
        # No vocabulary_size: a model takes the characters (or words, to the default cap) of its data.
        "tiny": {"sequence_length": 32, "hidden_dim": 8, "num_heads": 2, "num_layers": 2, "intermediate_dim": 16},
        # The Transformer example's sizes.
        "example": {"sequence_length": 256, "hidden_dim": 512, "num_heads": 8, "num_layers": 2,
                    "intermediate_dim": 2048, "dropout": 0.1},
        # Char-level Shakespeare size for a 15-minute budget on 2 CPU cores (tries: benchmarks/RESULTS.md):
        # wider layers see too few tokens in that time; 128 positions learn faster per second than 256;
        # dropout slows the CPU step more than it gives back; a fifth layer helps (1.510 vs 1.521 nats/char).
        "char_medium": {"sequence_length": 128, "hidden_dim": 128, "num_heads": 4, "num_layers": 5,
                        "intermediate_dim": 512, "dropout": 0.0},
    },
    default_preset="char_medium",
    input_kind="char_ids",
    output_kind="next_token_logits",
    # Small batches of short windows (many optimizer steps), nanoGPT's AdamW settings, warmup + cosine
    # over the 10 epochs 5 layers train in 15 minutes: 1.492 nats/char on Tiny Shakespeare (vs 1.608 with
    # batch 16 x 256, Keras's AdamW settings and a constant rate).
    compile_defaults=CompileDefaults(
        optimizer="adamw", learning_rate=1e-3, optimizer_arguments={"beta_2": 0.99, "weight_decay": 0.1},
        warmup_fraction=0.02, clipnorm=1.0, epochs=10, batch_size=4, max_length=128,
        xla_measured="2 CPU cores, char_medium (5 layers), Tiny Shakespeare, batch 4 x 128: XLA 1.31x of no-XLA "
                     "(10,503 vs 8,044 tokens/s; 6 epochs of 30 steps per mode taken in turns, 2026-11-27)",
    ),
    preprocessor=language_model_preprocessor,
)
def transformer_language_model(
    *,
    tokenizer="char",
    vocabulary_size=None,
    sequence_length=128,
    hidden_dim=128,
    num_heads=4,
    num_layers=5,
    intermediate_dim=512,
    dropout=0.0,
    dtype=None,
    preprocessor=None,
):
    """Decoder-only (GPT-style) Transformer language model over characters or words.

    `sequence_length` is the longest text it reads, training windows and
    prompt + generated tokens alike. `vocabulary_size` caps the vocabulary
    its preprocessor learns with `adapt`, as for `lstm_language_model`.

    Example:
        >>> model = kzoo.create_model("transformer_language_model", preset="tiny")
        >>> model.preprocessor.adapt(texts)
        >>> model.generate(["ROMEO:"], max_length=20, sampler="top_k")
    """
    from kzoo.models.transformer_language_model import TransformerLanguageModel

    check_choice("tokenizer", tokenizer, LANGUAGE_MODEL_VOCABULARY_SIZES)
    return TransformerLanguageModel(
        vocabulary_size=vocabulary_size or LANGUAGE_MODEL_VOCABULARY_SIZES[tokenizer], sequence_length=sequence_length,
        hidden_dim=hidden_dim, num_heads=num_heads, num_layers=num_layers, intermediate_dim=intermediate_dim,
        dropout=dropout, dtype=dtype, preprocessor=preprocessor,
    )
