"""The code kzoo replaces, written as literally as Keras 3 allows, for side-by-side runs.

- the Keras text classification example: TextVectorization to a fixed length of
  100, Embedding(10000, 50) -> GlobalAveragePooling1D -> Dense(128) -> Dense(1, sigmoid);
- the Keras LSTM example: the same input, Embedding(10000, 50) -> LSTM(128) -> Dense(1, sigmoid),
  end-padded and unmasked, as written;
- keras-hub used directly: `BertTextClassifier.from_preset(...)` and `fit` on raw strings.
"""

import keras
import keras_hub
import numpy as np
import tensorflow as tf

EXAMPLE_VOCABULARY = 10_000
EXAMPLE_LENGTH = 100


def example_vectorize(train_texts, *texts_lists):
    """The example's preprocessing: a 10k vocabulary, every text padded/cut to 100 ids."""
    vectorizer = keras.layers.TextVectorization(
        max_tokens=EXAMPLE_VOCABULARY, output_mode="int", output_sequence_length=EXAMPLE_LENGTH
    )
    vectorizer.adapt(tf.constant(train_texts))
    return [vectorizer(tf.constant(texts)).numpy() for texts in (train_texts, *texts_lists)]


def example_bag_of_embeddings():
    model = keras.Sequential([
        keras.Input((EXAMPLE_LENGTH,), dtype="int32"),
        keras.layers.Embedding(EXAMPLE_VOCABULARY, 50),
        keras.layers.GlobalAveragePooling1D(),
        keras.layers.Dense(128, activation="relu"),
        keras.layers.Dense(1, activation="sigmoid"),
    ])
    model.compile(optimizer="adam", loss="binary_crossentropy", metrics=["accuracy"])
    return model


def example_lstm():
    model = keras.Sequential([
        keras.Input((EXAMPLE_LENGTH,), dtype="int32"),
        keras.layers.Embedding(EXAMPLE_VOCABULARY, 50),
        keras.layers.LSTM(128),
        keras.layers.Dense(1, activation="sigmoid"),
    ])
    model.compile(optimizer="adam", loss="binary_crossentropy", metrics=["accuracy"])
    return model


EXAMPLES = {"bag_of_embeddings_classifier": example_bag_of_embeddings, "lstm_classifier": example_lstm}


def keras_hub_bert(checkpoint_path, *, sequence_length, num_classes=2):
    """keras-hub's BertTextClassifier with its own preprocessor and compile defaults."""
    preprocessor = keras_hub.models.BertTextClassifierPreprocessor.from_preset(
        checkpoint_path, sequence_length=sequence_length
    )
    model = keras_hub.models.BertTextClassifier.from_preset(
        checkpoint_path, num_classes=num_classes, preprocessor=preprocessor
    )
    model.compile()  # keras-hub's defaults
    return model


def accuracy_of_sigmoid(model, x, y):
    return float(np.mean((model.predict(x, verbose=0)[:, 0] > 0.5) == np.asarray(y)))
