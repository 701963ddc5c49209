"""The catalogue of registered models: presets, compile defaults, preprocessors, builders.

Importing it registers every model without importing TensorFlow (each builder
imports its Keras model when called), so `kzoo list` and `kzoo info` answer at
once. The Keras models themselves live in `kzoo.models`.
"""

from kzoo.catalog import (  # noqa: F401  (each module registers one model)
    bag_of_embeddings,
    bert,
    cnn_classifier,
    linear_regression,
    lstm_classifier,
    lstm_language_model,
    transformer_classifier,
    transformer_language_model,
    transformer_translator,
)
