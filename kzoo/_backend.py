"""Makes sure Keras runs on the TensorFlow backend before anything imports it."""

import os
import sys

os.environ.setdefault("KERAS_BACKEND", "tensorflow")
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

if "keras" in sys.modules:
    import keras

    if keras.backend.backend() != "tensorflow":
        raise ImportError(
            "kzoo is TensorFlow-native and needs the Keras backend `tensorflow`, "
            f"but Keras was already imported with backend `{keras.backend.backend()}`. "
            "Set KERAS_BACKEND=tensorflow before importing keras."
        )
