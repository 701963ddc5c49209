"""kzoo: the classic Keras text examples as reusable, fast, TensorFlow-native model builders.

`import kzoo` is instant: the model catalogue is TensorFlow-free, and the rest
(training, data, export, the Keras models) loads on first use. Keras learns
kzoo's model classes once `kzoo.models` is imported, which building, training
or `kzoo.load_model` do for you.

Example:
    >>> import kzoo
    >>> kzoo.list_models()
    >>> model = kzoo.create_model("lstm_classifier", num_classes=3)
    >>> model.preprocessor.adapt(texts); model.compile(); model.fit(texts, labels)
    >>> kzoo.export("runs/lstm", "exports/lstm")  # a SavedModel serving raw strings
    >>> kzoo.load_model("sentiment.keras").predict(["a fine film"])
"""

import importlib

from kzoo import _backend  # noqa: F401  (sets KERAS_BACKEND before keras loads)
from kzoo import catalog  # noqa: F401  (registers every model, without TensorFlow)
from kzoo.registry import create_model, get_spec, list_models, model_info, register_model

__version__ = "0.1.0"

# Public name -> (module, attribute or None for the module itself), imported on first use.
_LAZY = {
    "compile_arguments": ("kzoo.models.task", "compile_arguments"),
    "data": ("kzoo.data", None),
    "evaluate": ("kzoo.training", "evaluate"),
    "export": ("kzoo.serving", "export_run"),
    "generate": ("kzoo.training", "generate"),
    "load_model": ("kzoo.models", "load_model"),
    "load_run": ("kzoo.training", "load_run"),
    "losses": ("kzoo.losses", None),
    "models": ("kzoo.models", None),
    "optimizers": ("kzoo.optimizers", None),
    "predict": ("kzoo.training", "predict"),
    "train": ("kzoo.training", "train"),
}

__all__ = sorted([*_LAZY, "create_model", "get_spec", "list_models", "model_info", "register_model"])


def __getattr__(name):
    if name not in _LAZY:
        raise AttributeError(f"module 'kzoo' has no attribute {name!r}")
    module_name, attribute = _LAZY[name]
    module = importlib.import_module(module_name)
    value = module if attribute is None else getattr(module, attribute)
    globals()[name] = value
    return value


def __dir__():
    return sorted({*globals(), *_LAZY})
