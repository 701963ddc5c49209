"""Kim (2014)'s convolutional sentence classifier: n-gram filters, max over time, dropout, softmax."""

import keras
from keras import ops

from kzoo.errors import check_fraction, check_int, check_positive, invalid_value
from kzoo.layers import MaskedMaxPooling
from kzoo.models.task import Task, apply, classifier_head, token_dropout


@keras.saving.register_keras_serializable(package="kzoo")
class CNNClassifier(Task):
    """Token embeddings -> parallel Conv1D filters of several widths (ReLU) -> max over time -> dropout -> logits.

    `embedding_dropout` drops whole tokens' vectors while training; `max_norm`
    caps each class's weight vector at that L2 norm after every update (Kim's constraint, 3).
    Padding (id 0) is zeroed before the convolutions and kept out of the max,
    so a text gets the same logits however far its batch pads it.
    `freeze_embeddings=True` is Kim's "static" variant (pretrained vectors kept
    fixed: the catalogue's default preset), `False` his "non-static" one (fine-tuned).
    `multichannel=True` is his "multichannel" variant: a fine-tuned copy of the
    embeddings beside them (two channels, the filters read both).

    Example:
        >>> model = CNNClassifier(vocabulary_size=20_000, num_classes=2)
        >>> model.compile()
        >>> logits = model(np.array([[12, 7, 99, 0, 0]]))
    """

    registered_as = "cnn_classifier"  # its compile() defaults are that catalogue entry's

    def __init__(
        self,
        *,
        vocabulary_size,
        num_classes=2,
        embedding_dim=128,
        filter_sizes=(3, 4, 5),
        num_filters=100,
        dropout=0.5,
        embedding_dropout=0.0,
        max_norm=None,
        freeze_embeddings=False,
        multichannel=False,
        dtype=None,
        **kwargs,
    ):
        check_int("vocabulary_size", vocabulary_size, minimum=2)
        check_int("num_classes", num_classes, minimum=2)
        check_int("embedding_dim", embedding_dim, minimum=1)
        check_int("num_filters", num_filters, minimum=1)
        check_fraction("dropout", dropout)
        check_fraction("embedding_dropout", embedding_dropout)
        if max_norm is not None:
            check_positive("max_norm", max_norm)
        if not isinstance(filter_sizes, (list, tuple)) or not filter_sizes:
            raise invalid_value("filter_sizes", "a non-empty list of filter widths", filter_sizes)
        filter_sizes = tuple(filter_sizes)  # a config read back from JSON gives a list
        for width in filter_sizes:
            check_int("filter_sizes", width, minimum=1)

        # === Layers ===
        self.token_embedding = keras.layers.Embedding(vocabulary_size, embedding_dim, dtype=dtype,
                                                      name="token_embedding")
        self.token_embedding.trainable = not freeze_embeddings
        # Kim's second channel: the same starting vectors (both get the checkpoint's), always trained.
        self.tuned_embedding = keras.layers.Embedding(vocabulary_size, embedding_dim, dtype=dtype,
                                                      name="tuned_token_embedding") if multichannel else None
        self.token_dropout = token_dropout(embedding_dropout, dtype=dtype)
        self.convolutions = [
            keras.layers.Conv1D(num_filters, width, padding="same", activation="relu", dtype=dtype,
                                name=f"conv_width_{width}")
            for width in filter_sizes
        ]
        self.pooling = MaskedMaxPooling(dtype=dtype, name="max_over_time")
        self.head = classifier_head(num_classes, dropout=dropout, max_norm=max_norm, dtype=dtype)

        # === Functional Model ===
        token_ids = keras.Input(shape=(None,), dtype="int32", name="token_ids")
        mask = ops.not_equal(token_ids, 0)
        embedded = self.token_embedding(token_ids)
        if multichannel:
            embedded = keras.layers.Concatenate(name="channels")([embedded, self.tuned_embedding(token_ids)])
        embedded = self.token_dropout(embedded)
        # Zeroed padding: a filter at the end of a text sees the zeros Kim padded with, whatever the batch's padding.
        embedded = embedded * ops.expand_dims(ops.cast(mask, embedded.dtype), -1)
        pooled = [self.pooling(convolution(embedded), mask=mask) for convolution in self.convolutions]
        features = pooled[0] if len(pooled) == 1 else keras.layers.Concatenate(name="features")(pooled)
        logits = apply(self.head, features)
        super().__init__(inputs=token_ids, outputs=logits, dtype=dtype, **kwargs)

        # === Config ===
        self.vocabulary_size = vocabulary_size
        self.num_classes = num_classes
        self.embedding_dim = embedding_dim
        self.filter_sizes = filter_sizes
        self.num_filters = num_filters
        self.dropout = dropout
        self.embedding_dropout = embedding_dropout
        self.max_norm = max_norm
        self.freeze_embeddings = freeze_embeddings
        self.multichannel = multichannel

    def embedding_layers(self):
        """The token embedding tables a checkpoint's vectors go into: one, or both channels."""
        return [self.token_embedding] + ([self.tuned_embedding] if self.multichannel else [])

    def get_config(self):
        return {
            **self._base_config(),
            "vocabulary_size": self.vocabulary_size,
            "num_classes": self.num_classes,
            "embedding_dim": self.embedding_dim,
            "filter_sizes": list(self.filter_sizes),
            "num_filters": self.num_filters,
            "dropout": self.dropout,
            "embedding_dropout": self.embedding_dropout,
            "max_norm": self.max_norm,
            "freeze_embeddings": self.freeze_embeddings,
            "multichannel": self.multichannel,
        }
