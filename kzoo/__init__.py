"""kzoo: the classic Keras text examples as reusable, fast, TensorFlow-native model builders.

Example:
    >>> import kzoo
    >>> kzoo.list_models()
    >>> model = kzoo.create_model("lstm_classifier", num_classes=3)
    >>> model.preprocessor.adapt(texts); model.compile(); model.fit(texts, labels)
    >>> kzoo.export("runs/lstm", "exports/lstm")  # a SavedModel serving raw strings
"""

from kzoo import _backend  # noqa: F401  (sets KERAS_BACKEND before keras loads)
from kzoo import models  # noqa: F401  (registers every model)
from kzoo.models.task import compile_arguments
from kzoo.registry import create_model, get_spec, list_models, model_info, register_model
from kzoo import data  # noqa: E402
from kzoo.training import evaluate, generate, load_run, predict, train
from kzoo.serving import export_run as export

__version__ = "0.1.0"

__all__ = [
    "compile_arguments",
    "create_model",
    "data",
    "evaluate",
    "export",
    "generate",
    "get_spec",
    "list_models",
    "load_run",
    "model_info",
    "predict",
    "register_model",
    "train",
]
