"""Embedding -> (stacked, optionally bidirectional) LSTM -> Dense: the Keras LSTM sentiment example."""

import keras

from kzoo.errors import check_choice, check_fraction, check_int
from kzoo.layers import MaskedAttentionPooling, MaskedMaxPooling
from kzoo.models.task import Task, apply, classifier_head, token_dropout


# What the head reads: the final state, each feature's max over the steps, or their attention-weighted average.
POOLINGS = ("last", "max", "attention")


@keras.saving.register_keras_serializable(package="kzoo")
class LSTMClassifier(Task):
    """An LSTM text classifier whose padding is masked out of the recurrence.

    The Keras example pads at the end without a mask, so the LSTM's last state
    is mostly padding and it never learns; here `mask_zero=True` carries the
    mask through every LSTM layer.
    `pooling="last"` classifies the last LSTM layer's final state (the example's
    way); `pooling="max"` the largest value of each feature over every unmasked
    step (BiLSTM-max, Conneau et al., 2017); `pooling="attention"` the steps'
    average weighted by a learnt query (`kzoo.layers.MaskedAttentionPooling`).
    `freeze_embeddings=True` keeps pretrained token embeddings fixed.
    `dropout` drops single embedding values (and the head's input);
    `embedding_dropout` drops whole tokens' vectors while training.

    Example:
        >>> model = LSTMClassifier(vocabulary_size=10_000, num_classes=3, bidirectional=True, pooling="max")
        >>> logits = model(np.array([[5, 8, 2, 0]]))
    """

    registered_as = "lstm_classifier"  # its compile() defaults are that catalogue entry's

    def __init__(
        self,
        *,
        vocabulary_size,
        num_classes=2,
        embedding_dim=50,
        lstm_units=128,
        num_layers=1,
        bidirectional=False,
        dropout=0.0,
        embedding_dropout=0.0,
        pooling="last",
        freeze_embeddings=False,
        dtype=None,
        **kwargs,
    ):
        check_int("vocabulary_size", vocabulary_size, minimum=2)
        check_int("num_classes", num_classes, minimum=2)
        check_int("embedding_dim", embedding_dim, minimum=1)
        check_int("lstm_units", lstm_units, minimum=1)
        check_int("num_layers", num_layers, minimum=1)
        check_fraction("dropout", dropout)
        check_fraction("embedding_dropout", embedding_dropout)
        check_choice("pooling", pooling, POOLINGS)

        # === Layers ===
        self.token_embedding = keras.layers.Embedding(
            vocabulary_size, embedding_dim, mask_zero=True, dtype=dtype, name="token_embedding"
        )
        self.token_embedding.trainable = not freeze_embeddings
        self.input_dropout = keras.layers.Dropout(dropout, name="embedding_dropout")
        self.token_dropout = token_dropout(embedding_dropout, dtype=dtype)
        self.lstm_layers = []
        for index in range(num_layers):
            lstm = keras.layers.LSTM(
                lstm_units,
                return_sequences=index < num_layers - 1 or pooling != "last",
                dtype=dtype,
                name=f"lstm_{index}",
            )
            if bidirectional:
                lstm = keras.layers.Bidirectional(lstm, dtype=dtype, name=f"bidirectional_lstm_{index}")
            self.lstm_layers.append(lstm)
        self.step_pooling = None  # "last": the LSTM's final state is the head's input
        if pooling == "max":
            self.step_pooling = MaskedMaxPooling(dtype=dtype, name="max_over_time")
        elif pooling == "attention":
            self.step_pooling = MaskedAttentionPooling(dtype=dtype, name="attention_over_time")
        self.head = classifier_head(num_classes, dropout=dropout, dtype=dtype)

        # === Functional Model ===
        token_ids = keras.Input(shape=(None,), dtype="int32", name="token_ids")
        x = self.token_dropout(self.input_dropout(self.token_embedding(token_ids)))
        x = apply(self.lstm_layers, x)
        if self.step_pooling is not None:
            x = self.step_pooling(x)
        logits = apply(self.head, x)
        super().__init__(inputs=token_ids, outputs=logits, dtype=dtype, **kwargs)

        # === Config ===
        self.vocabulary_size = vocabulary_size
        self.num_classes = num_classes
        self.embedding_dim = embedding_dim
        self.lstm_units = lstm_units
        self.num_layers = num_layers
        self.bidirectional = bidirectional
        self.dropout = dropout
        self.embedding_dropout = embedding_dropout
        self.pooling_mode = pooling
        self.freeze_embeddings = freeze_embeddings

    def get_config(self):
        return {
            **self._base_config(),
            "vocabulary_size": self.vocabulary_size,
            "num_classes": self.num_classes,
            "embedding_dim": self.embedding_dim,
            "lstm_units": self.lstm_units,
            "num_layers": self.num_layers,
            "bidirectional": self.bidirectional,
            "dropout": self.dropout,
            "embedding_dropout": self.embedding_dropout,
            "pooling": self.pooling_mode,
            "freeze_embeddings": self.freeze_embeddings,
        }
