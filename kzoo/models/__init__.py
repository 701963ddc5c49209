"""Model builders; importing this package registers every model."""

from kzoo.models.bag_of_embeddings import BagOfEmbeddingsClassifier, bag_of_embeddings_classifier
from kzoo.models.bert import BertClassifier, bert_classifier
from kzoo.models.linear_regression import (
    LinearRegression,
    fit_linear_regression,
    linear_regression,
    make_linear_data,
)
from kzoo.models.lstm_classifier import LSTMClassifier, lstm_classifier
from kzoo.models.lstm_language_model import LSTMLanguageModel, lstm_language_model
from kzoo.models.transformer_classifier import TransformerClassifier, transformer_classifier
