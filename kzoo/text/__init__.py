"""Preprocessors: Keras layers that turn raw strings into a model's inputs inside tf.data.

Strings never reach the compiled step: `fit`, `predict` and `kzoo.train` map a
model's preprocessor over `tf.data`; exported SavedModels run it before the model.
"""

import json
import os

import keras

from kzoo.text.char_preprocessor import CharPreprocessor
from kzoo.text.text_preprocessor import NotAdaptedError, TextPreprocessor, as_text_dataset
from kzoo.text.translation_preprocessor import TranslationPreprocessor
from kzoo.text.word_preprocessor import WordPreprocessor
from kzoo.text.wordpiece_preprocessor import WordPiecePreprocessor

PREPROCESSOR_FILE = "preprocessor.json"


def save_preprocessor(preprocessor, directory):
    """Writes a preprocessor's config and vocabulary to `directory` (a run's assets).

    Example:
        >>> save_preprocessor(model.preprocessor, "runs/x/assets")
    """
    os.makedirs(directory, exist_ok=True)
    preprocessor.save_assets(directory)
    temporary = os.path.join(directory, PREPROCESSOR_FILE + ".tmp")
    with open(temporary, "w", encoding="utf-8") as handle:
        json.dump(keras.saving.serialize_keras_object(preprocessor), handle, indent=1)
    os.replace(temporary, os.path.join(directory, PREPROCESSOR_FILE))


def load_preprocessor(directory):
    """The preprocessor `save_preprocessor` wrote (safe mode: only registered kzoo classes)."""
    path = os.path.join(directory, PREPROCESSOR_FILE)
    if not os.path.exists(path):
        raise FileNotFoundError(f"Preprocessor missing: {path!r} (is this a kzoo run directory?)")
    with open(path, encoding="utf-8") as handle:
        preprocessor = keras.saving.deserialize_keras_object(json.load(handle), safe_mode=True)
    preprocessor.load_assets(directory)
    preprocessor.check_adapted()
    return preprocessor


__all__ = [
    "CharPreprocessor",
    "NotAdaptedError",
    "TextPreprocessor",
    "TranslationPreprocessor",
    "WordPiecePreprocessor",
    "WordPreprocessor",
    "as_text_dataset",
    "load_preprocessor",
    "save_preprocessor",
]
