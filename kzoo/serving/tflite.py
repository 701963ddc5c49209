"""TFLite export of a classifier that takes raw strings, checked against the TFLite interpreter.

The converter takes the SavedModel `export_model` writes. String ops and the
vocabulary lookups run as TensorFlow ops inside TFLite (`SELECT_TF_OPS`, the
Flex delegate): the TFLite runtime must be built with it (the `tensorflow` pip
package's `tf.lite.Interpreter` is).
"""

import os
import tempfile

import numpy as np
import tensorflow as tf

from kzoo.serving.export import export_model

TFLITE_FILE = "model.tflite"


def export_tflite(model, directory, *, version=1, label_names=None):
    """Writes `directory/<version>/model.tflite` (and `labels.txt`); returns the file's path.

    Example:
        >>> export_tflite(run.model, "exports/sentiment-tflite", label_names=run.label_names)
    """
    if model.task_kind != "classification":
        raise ValueError("TFLite export is built for classifiers only; export a language model as a SavedModel.")
    target = os.path.join(directory, str(version))
    if os.path.exists(target):
        raise FileExistsError(f"{target!r} exists already: choose another --version or folder.")
    with tempfile.TemporaryDirectory() as folder:
        saved = export_model(model, folder, label_names=label_names)
        converter = tf.lite.TFLiteConverter.from_saved_model(saved, signature_keys=["serving_default"])
        converter.target_spec.supported_ops = [tf.lite.OpsSet.TFLITE_BUILTINS, tf.lite.OpsSet.SELECT_TF_OPS]
        try:
            flatbuffer = converter.convert()
        except Exception as error:  # noqa: BLE001 - the converter raises several kinds of errors
            raise ValueError(f"The TFLite converter cannot take {type(model).__name__}: "
                             f"{str(error).strip().splitlines()[0][:300]}") from error
    os.makedirs(target)
    path = os.path.join(target, TFLITE_FILE)
    with open(path, "wb") as handle:
        handle.write(flatbuffer)
    return path


def classify_tflite(path, texts):
    """Runs an exported `.tflite` classifier on Python strings; returns numpy outputs like `classify_exported`."""
    interpreter = tf.lite.Interpreter(model_path=path)
    runner = interpreter.get_signature_runner("serving_default")
    outputs = runner(text=np.array([text.encode("utf-8") for text in texts], dtype=object))
    return {key: np.asarray(value) for key, value in outputs.items()}
