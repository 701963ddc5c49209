"""Token + position embeddings -> Transformer encoders -> pooled -> Dense, trained from scratch."""

import keras
import keras_hub

from kzoo.errors import check_choice, check_fraction, check_int
from kzoo.models.task import (Task, apply, check_transformer_sizes, classifier_head, masked_average,
                             token_dropout)


POOLINGS = ("mean", "attention")  # what the head reads: the states' average, or their attention-weighted average


@keras.saving.register_keras_serializable(package="kzoo")
class TransformerClassifier(Task):
    """A Transformer encoder text classifier built from keras-hub layers.

    Padding (id 0) is masked in attention and in the pooling: the final states'
    average (`pooling="mean"`) or their average weighted by a learnt query
    (`pooling="attention"`, `kzoo.layers.MaskedAttentionPooling`).
    `dropout` drops single embedding values (and in every encoder and the head);
    `embedding_dropout` drops whole tokens' vectors while training.

    Example:
        >>> model = TransformerClassifier(vocabulary_size=20_000, sequence_length=128)
        >>> logits = model(np.array([[5, 8, 2, 0]]))
    """

    registered_as = "transformer_classifier"  # its compile() defaults are that catalogue entry's

    def __init__(
        self,
        *,
        vocabulary_size,
        num_classes=2,
        sequence_length=128,
        hidden_dim=512,
        num_heads=8,
        num_layers=2,
        intermediate_dim=2048,
        dropout=0.1,
        embedding_dropout=0.0,
        pooling="mean",
        freeze_embeddings=False,
        dtype=None,
        **kwargs,
    ):
        check_int("vocabulary_size", vocabulary_size, minimum=2)
        check_int("num_classes", num_classes, minimum=2)
        check_int("sequence_length", sequence_length, minimum=1)
        check_transformer_sizes(hidden_dim=hidden_dim, num_heads=num_heads, num_layers=num_layers,
                                intermediate_dim=intermediate_dim, dropout=dropout)
        check_fraction("embedding_dropout", embedding_dropout)
        check_choice("pooling", pooling, POOLINGS)

        # === Layers ===
        self.embeddings = keras_hub.layers.TokenAndPositionEmbedding(
            vocabulary_size=vocabulary_size,
            sequence_length=sequence_length,
            embedding_dim=hidden_dim,
            dtype=dtype,
            name="embeddings",
        )
        # Frozen token embeddings keep pretrained vectors for the words that the
        # training data lacks (and skip the optimizer's largest update).
        self.embeddings.token_embedding.trainable = not freeze_embeddings
        self.input_dropout = keras.layers.Dropout(dropout, name="embedding_dropout")
        self.token_dropout = token_dropout(embedding_dropout, dtype=dtype)
        self.encoder_layers = [
            keras_hub.layers.TransformerEncoder(
                intermediate_dim=intermediate_dim,
                num_heads=num_heads,
                dropout=dropout,
                dtype=dtype,
                name=f"encoder_{index}",
            )
            for index in range(num_layers)
        ]
        self.pooling = masked_average(pooling, dtype=dtype)
        self.head = classifier_head(num_classes, dropout=dropout, dtype=dtype)

        # === Functional Model ===
        token_ids = keras.Input(shape=(None,), dtype="int32", name="token_ids")
        # An explicit padding mask: keras-hub's position embedding drops implicit masks.
        padding_mask = keras.ops.not_equal(token_ids, 0)
        x = self.token_dropout(self.input_dropout(self.embeddings(token_ids)))
        for encoder in self.encoder_layers:
            x = encoder(x, padding_mask=padding_mask)
        logits = apply(self.head, self.pooling(x, mask=padding_mask))
        super().__init__(inputs=token_ids, outputs=logits, dtype=dtype, **kwargs)

        # === Config ===
        self.vocabulary_size = vocabulary_size
        self.num_classes = num_classes
        self.sequence_length = sequence_length
        self.hidden_dim = hidden_dim
        self.num_heads = num_heads
        self.num_layers = num_layers
        self.intermediate_dim = intermediate_dim
        self.dropout = dropout
        self.embedding_dropout = embedding_dropout
        self.pooling_mode = pooling
        self.freeze_embeddings = freeze_embeddings

    def get_config(self):
        return {
            **self._base_config(),
            "vocabulary_size": self.vocabulary_size,
            "num_classes": self.num_classes,
            "sequence_length": self.sequence_length,
            "hidden_dim": self.hidden_dim,
            "num_heads": self.num_heads,
            "num_layers": self.num_layers,
            "intermediate_dim": self.intermediate_dim,
            "dropout": self.dropout,
            "embedding_dropout": self.embedding_dropout,
            "pooling": self.pooling_mode,
            "freeze_embeddings": self.freeze_embeddings,
        }
