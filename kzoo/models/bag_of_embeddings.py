"""Embedding -> masked average -> Dense MLP: the fastText-like Keras classifier."""

import keras

from kzoo.errors import check_fraction, check_int
from kzoo.layers import HashedNgrams, MaskedMeanPooling
from kzoo.models.pretrained_embeddings import build_with_pretrained_embeddings
from kzoo.models.task import Task, apply, classifier_head
from kzoo.registry import CompileDefaults, register_model
from kzoo.text.selection import classifier_preprocessor


@keras.saving.register_keras_serializable(package="kzoo")
class BagOfEmbeddingsClassifier(Task):
    """Averages token (and hashed bigram) embeddings, then classifies with an MLP.

    Padding (id 0) is masked out of the average. With `ngram_buckets > 0`, hashed
    bigram ids are added to the bag, so some word order is seen (fastText).

    Example:
        >>> model = BagOfEmbeddingsClassifier(vocabulary_size=10_000, num_classes=2)
        >>> model.compile()
        >>> logits = model(np.array([[12, 7, 99, 0, 0]]))
    """

    compile_defaults = CompileDefaults(optimizer="adam", learning_rate=1e-3)

    def __init__(
        self,
        *,
        vocabulary_size,
        num_classes=2,
        embedding_dim=50,
        hidden_dim=128,
        ngram_buckets=0,
        dropout=0.0,
        dtype=None,
        **kwargs,
    ):
        check_int("vocabulary_size", vocabulary_size, minimum=2)
        check_int("num_classes", num_classes, minimum=2)
        check_int("embedding_dim", embedding_dim, minimum=1)
        check_int("hidden_dim", hidden_dim, minimum=0)
        check_int("ngram_buckets", ngram_buckets, minimum=0)
        check_fraction("dropout", dropout)

        # === Layers ===
        self.ngrams = (
            HashedNgrams(vocabulary_size=vocabulary_size, num_buckets=ngram_buckets, name="bigrams")
            if ngram_buckets
            else None
        )
        self.token_embedding = keras.layers.Embedding(
            vocabulary_size + ngram_buckets, embedding_dim, mask_zero=True, dtype=dtype, name="token_embedding"
        )
        self.pooling = MaskedMeanPooling(dtype=dtype, name="average")
        self.head = classifier_head(num_classes, hidden_dim=hidden_dim, dropout=dropout, dtype=dtype)

        # === Functional Model ===
        token_ids = keras.Input(shape=(None,), dtype="int32", name="token_ids")
        x = self.ngrams(token_ids) if self.ngrams else token_ids
        x = self.pooling(self.token_embedding(x))
        logits = apply(self.head, x)
        super().__init__(inputs=token_ids, outputs=logits, dtype=dtype, **kwargs)

        # === Config ===
        self.vocabulary_size = vocabulary_size
        self.num_classes = num_classes
        self.embedding_dim = embedding_dim
        self.hidden_dim = hidden_dim
        self.ngram_buckets = ngram_buckets
        self.dropout = dropout

    def get_config(self):
        return {
            **self._base_config(),
            "vocabulary_size": self.vocabulary_size,
            "num_classes": self.num_classes,
            "embedding_dim": self.embedding_dim,
            "hidden_dim": self.hidden_dim,
            "ngram_buckets": self.ngram_buckets,
            "dropout": self.dropout,
        }


@register_model(
    family="bag_of_embeddings",
    rebuilds="Keras text classification: Embedding -> GlobalAveragePooling1D -> Dense(128, relu) -> Dense(softmax)",
    presets={
        "tiny": {"vocabulary_size": 10, "embedding_dim": 4, "hidden_dim": 4, "ngram_buckets": 8, "dropout": 0.1},
        # The example exactly: vocab 10k, embedding 50, Dense(128), no bigrams, no dropout.
        "example": {"vocabulary_size": 10_000, "embedding_dim": 50, "hidden_dim": 128, "ngram_buckets": 0,
                    "dropout": 0.0},
        # fastText style: hashed bigrams and dropout generalise better.
        "fasttext": {
            "vocabulary_size": 20_000,
            "embedding_dim": 64,
            "hidden_dim": 128,
            "ngram_buckets": 100_000,
            "dropout": 0.5,
        },
        # The default: start from all-MiniLM-L6-v2's WordPiece embeddings (384-d),
        # which generalise far better than embeddings learnt from a few thousand examples.
        "minilm": {"pretrained_embeddings": "all_minilm_l6_v2", "hidden_dim": 128, "ngram_buckets": 0, "dropout": 0.5},
    },
    default_preset="minilm",
    input_kind="word_ids",
    output_kind="class_logits",
    compile_defaults=BagOfEmbeddingsClassifier.compile_defaults,
    preprocessor=classifier_preprocessor,
)
def bag_of_embeddings_classifier(
    *,
    vocabulary_size=20_000,
    num_classes=2,
    embedding_dim=64,
    hidden_dim=128,
    ngram_buckets=100_000,
    dropout=0.5,
    pretrained_embeddings=None,
    dtype=None,
    preprocessor=None,
):
    """Embedding + masked average pooling + MLP text classifier (fastText-like).

    `pretrained_embeddings="all_minilm_l6_v2"` starts the token embeddings from
    that BERT checkpoint's WordPiece embeddings (kzoo.train then tokenizes with
    its WordPiece vocabulary).

    Example:
        >>> model = kzoo.create_model("bag_of_embeddings_classifier", num_classes=4)
    """
    return build_with_pretrained_embeddings(
        BagOfEmbeddingsClassifier, locals(), dim_argument="embedding_dim", embedding_layer=lambda model: model.token_embedding
    )
