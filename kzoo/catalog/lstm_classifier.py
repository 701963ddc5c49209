"""Catalogue entry: the LSTM text classifier (`kzoo.models.lstm_classifier`)."""

from kzoo.catalog.preprocessors import classifier_preprocessor
from kzoo.registry import CompileDefaults, register_model


@register_model(
    family="lstm",
    rebuilds="Keras LSTM sentiment classifier: Embedding(10000, 50) -> LSTM(128) -> Dense(1, sigmoid)",
    presets={
        "tiny": {"vocabulary_size": 10, "embedding_dim": 4, "lstm_units": 4, "num_layers": 2, "bidirectional": True},
        # The example's sizes, with the padding mask it lacked.
        "example": {"vocabulary_size": 10_000, "embedding_dim": 50, "lstm_units": 128, "num_layers": 1,
                    "bidirectional": False, "dropout": 0.0},
        "bidirectional": {
            "vocabulary_size": 20_000,
            "embedding_dim": 64,
            "lstm_units": 64,
            "bidirectional": True,
            "dropout": 0.5,
        },
        # The default: bidirectional LSTM over all-MiniLM-L6-v2's WordPiece embeddings.
        "minilm": {"pretrained_embeddings": "all_minilm_l6_v2", "lstm_units": 64, "bidirectional": True, "dropout": 0.5},
    },
    default_preset="minilm",
    input_kind="word_ids",
    output_kind="class_logits",
    compile_defaults=CompileDefaults(
        optimizer="adam", learning_rate=1e-3,
        # The masked (bi)LSTM's recurrence runs slower under XLA on CPU: 178 vs 403 examples/s with Adam,
        # 122 vs 225 with lazy_adam (minilm preset, SST-2, 2 cores, 2026-11-23/25). On a GPU, Keras runs
        # cuDNN's fused LSTM only outside XLA (not measured here). TPUs always compile.
        xla_devices=(),
        xla_measured="CPU: no-XLA 2.3x (178 vs 403 ex/s, SST-2 minilm preset); GPU: cuDNN needs no-XLA",
    ),
    preprocessor=classifier_preprocessor,
)
def lstm_classifier(
    *,
    vocabulary_size=20_000,
    num_classes=2,
    embedding_dim=64,
    lstm_units=64,
    num_layers=1,
    bidirectional=True,
    dropout=0.5,
    embedding_dropout=0.0,
    pooling="last",
    freeze_embeddings=False,
    pretrained_embeddings=None,
    context_layer=None,
    dtype=None,
    preprocessor=None,
    training_texts=None,
):
    """Masked LSTM text classifier, binary or multi-class, stacked or bidirectional.

    `pretrained_embeddings="all_minilm_l6_v2"` starts the token embeddings from
    that BERT checkpoint's WordPiece embeddings (kzoo.train then tokenizes with
    its WordPiece vocabulary); `freeze_embeddings=True` keeps them fixed;
    `embedding_dropout` drops whole tokens' vectors while training;
    `pooling="max"` reads each feature's max over the steps instead of the final state.

    `context_layer=k` starts from the checkpoint's states after its layer k
    pooled over `training_texts` instead, as for `cnn_classifier`.

    Example:
        >>> model = kzoo.create_model("lstm_classifier", num_classes=3, num_layers=2)
    """
    arguments = dict(locals())
    from kzoo.models.lstm_classifier import LSTMClassifier
    from kzoo.models.pretrained_embeddings import build_with_pretrained_embeddings

    return build_with_pretrained_embeddings(
        LSTMClassifier, arguments, dim_argument="embedding_dim", embedding_layers=lambda model: [model.token_embedding]
    )
