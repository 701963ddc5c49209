"""The Keras models (their catalogue entries, presets and builders are in `kzoo.catalog`).

Importing this package registers every model class, preprocessor and optimizer
with Keras, so `.keras` files load, and has Keras's TensorFlow einsum take
attention projections' kernel gradients as one matrix product each
(`kzoo._einsum_fix`: BERT-base trains 1.09x faster on an H200).
"""

from kzoo import _einsum_fix
from kzoo import text  # noqa: F401  (the preprocessors a saved model holds)

from kzoo.models.bag_of_embeddings import BagOfEmbeddingsClassifier
from kzoo.models.bert import BertClassifier
from kzoo.models.cnn_classifier import CNNClassifier
from kzoo.models.linear_regression import LinearRegression, fit_linear_regression, make_linear_data
from kzoo.models.lstm_classifier import LSTMClassifier
from kzoo.models.language_model import LanguageModel
from kzoo.models.lstm_language_model import LSTMLanguageModel
from kzoo.models.transformer_classifier import TransformerClassifier
from kzoo.models.transformer_language_model import TransformerLanguageModel
from kzoo.models.transformer_translator import TransformerTranslator

_einsum_fix.install()  # attention projections' kernel gradients as one matrix product each (see the module)


def load_model(path):
    """Loads a `.keras` file of a kzoo model (safe mode: no arbitrary code runs).

    The same as `keras.saving.load_model(path, safe_mode=True)` once this
    package is imported (that import is what registers kzoo's classes).

    Example:
        >>> model = kzoo.load_model("sentiment.keras")
        >>> model.predict(["a fine film"])
    """
    import keras

    return keras.saving.load_model(path, safe_mode=True)
