"""Embedding -> masked average -> Dense MLP: the fastText-like Keras classifier."""

import keras

from kzoo.errors import check_choice, check_fraction, check_int
from kzoo.layers import HashedNgrams, MaskedMaxPooling
from kzoo.models.task import Task, apply, classifier_head, masked_average, token_dropout


# What the MLP reads: the tokens' average, their average and maximum, or their average weighted by learnt attention.
POOLINGS = ("mean", "mean_max", "attention")


@keras.saving.register_keras_serializable(package="kzoo")
class BagOfEmbeddingsClassifier(Task):
    """Averages token (and hashed bigram) embeddings, then classifies with an MLP.

    Padding (id 0) is masked out of the average. With `ngram_buckets > 0`, hashed
    bigram ids are added to the bag, so some word order is seen (fastText).
    `freeze_embeddings=True` keeps pretrained token embeddings fixed.
    `embedding_dropout` drops whole tokens' vectors (and bigrams') from the bag while training.
    `pooling="mean_max"` gives the MLP each feature's maximum over the tokens
    beside their average (SWEM-concat, Shen et al., 2018); `pooling="attention"`
    weights the average by a learnt query (it starts as the plain average).

    Example:
        >>> model = BagOfEmbeddingsClassifier(vocabulary_size=10_000, num_classes=2)
        >>> model.compile()
        >>> logits = model(np.array([[12, 7, 99, 0, 0]]))
    """

    registered_as = "bag_of_embeddings_classifier"  # its compile() defaults are that catalogue entry's

    def __init__(
        self,
        *,
        vocabulary_size,
        num_classes=2,
        embedding_dim=50,
        hidden_dim=128,
        ngram_buckets=0,
        dropout=0.0,
        embedding_dropout=0.0,
        pooling="mean",
        freeze_embeddings=False,
        dtype=None,
        **kwargs,
    ):
        check_int("vocabulary_size", vocabulary_size, minimum=2)
        check_int("num_classes", num_classes, minimum=2)
        check_int("embedding_dim", embedding_dim, minimum=1)
        check_int("hidden_dim", hidden_dim, minimum=0)
        check_int("ngram_buckets", ngram_buckets, minimum=0)
        check_fraction("dropout", dropout)
        check_fraction("embedding_dropout", embedding_dropout)
        check_choice("pooling", pooling, POOLINGS)
        if freeze_embeddings and ngram_buckets:
            raise ValueError(f"`freeze_embeddings=True` would keep the {ngram_buckets} hashed bigram embeddings at "
                             "their random start: pass `ngram_buckets=0` with it.")

        # === Layers ===
        self.ngrams = (
            HashedNgrams(vocabulary_size=vocabulary_size, num_buckets=ngram_buckets, name="bigrams")
            if ngram_buckets
            else None
        )
        self.token_embedding = keras.layers.Embedding(
            vocabulary_size + ngram_buckets, embedding_dim, mask_zero=True, dtype=dtype, name="token_embedding"
        )
        self.token_embedding.trainable = not freeze_embeddings
        self.token_dropout = token_dropout(embedding_dropout, dtype=dtype)
        self.pooling = masked_average(pooling, dtype=dtype)
        self.max_pooling = MaskedMaxPooling(dtype=dtype, name="maximum") if pooling == "mean_max" else None
        self.head = classifier_head(num_classes, hidden_dim=hidden_dim, dropout=dropout, dtype=dtype)

        # === Functional Model ===
        token_ids = keras.Input(shape=(None,), dtype="int32", name="token_ids")
        x = self.ngrams(token_ids) if self.ngrams else token_ids
        vectors = self.token_dropout(self.token_embedding(x))
        x = self.pooling(vectors)
        if self.max_pooling is not None:
            x = keras.layers.Concatenate(dtype=dtype, name="average_and_maximum")([x, self.max_pooling(vectors)])
        logits = apply(self.head, x)
        super().__init__(inputs=token_ids, outputs=logits, dtype=dtype, **kwargs)

        # === Config ===
        self.vocabulary_size = vocabulary_size
        self.num_classes = num_classes
        self.embedding_dim = embedding_dim
        self.hidden_dim = hidden_dim
        self.ngram_buckets = ngram_buckets
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
            "hidden_dim": self.hidden_dim,
            "ngram_buckets": self.ngram_buckets,
            "dropout": self.dropout,
            "embedding_dropout": self.embedding_dropout,
            "pooling": self.pooling_mode,
            "freeze_embeddings": self.freeze_embeddings,
        }
