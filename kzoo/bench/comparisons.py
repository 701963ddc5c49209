"""kzoo side by side with the code it replaces, measured in the same run."""

import statistics
import time

import keras
import numpy as np
import tensorflow as tf

from kzoo.bench import baselines
from kzoo.bench.speed import make_trainer, train_speed
from kzoo.data.pipeline import classification_batches
from kzoo.pretrained import resolve_checkpoint
from kzoo.text import WordPiecePreprocessor, WordPreprocessor


class _EpochTimer(keras.callbacks.Callback):
    def on_epoch_begin(self, epoch, logs=None):
        self.started = time.perf_counter()

    def on_epoch_end(self, epoch, logs=None):
        self.seconds.append(time.perf_counter() - self.started)

    def on_train_begin(self, logs=None):
        self.seconds = []


def keras_fit_speed(model, x, y, *, batch_size, repeats):
    """Median examples/s of `model.fit` epochs (the first, compiling epoch excluded)."""
    timer = _EpochTimer()
    model.fit(x, y, batch_size=batch_size, epochs=repeats + 1, verbose=0, callbacks=[timer])
    return len(y) / statistics.median(timer.seconds[1:])


def example_versus_kzoo(name, texts, labels, *, repeats=3, batch_size=32):
    """The Keras example as written versus kzoo's `example` preset (same architecture)."""
    x, = baselines.example_vectorize(texts)
    y = np.asarray(labels, np.float32)
    example_speed = keras_fit_speed(baselines.EXAMPLES[name](), x, y, batch_size=batch_size, repeats=repeats)

    data = tf.data.Dataset.from_tensor_slices((texts, np.asarray(labels, np.int64)))
    vectorizer = WordPreprocessor(max_tokens=baselines.EXAMPLE_VOCABULARY, sequence_length=baselines.EXAMPLE_LENGTH)
    vectorizer.adapt(texts)
    batches = classification_batches(data, vectorizer, batch_size=batch_size, shuffle=True, seed=0).cache()
    from kzoo.registry import get_spec

    hyperparameters = {**get_spec(name).hyperparameters("example"), "vocabulary_size": vectorizer.vocabulary_size}
    kzoo_speed = train_speed(make_trainer(name, hyperparameters, jit_compile=True), batches, repeats=repeats)
    return {"comparison": f"{name}: kzoo (example preset) vs the Keras example", "baseline": example_speed,
            "kzoo": kzoo_speed, "ratio": kzoo_speed / example_speed, "target": 2.0}


def bert_versus_keras_hub(texts, labels, *, sequence_length=128, batch_size=32, repeats=2):
    """keras-hub's BertTextClassifier.fit(raw strings) versus kzoo's bert_classifier, same checkpoint and length."""
    path = resolve_checkpoint("all_minilm_l6_v2")
    direct = baselines.keras_hub_bert(path, sequence_length=sequence_length)
    baseline_speed = keras_fit_speed(direct, np.asarray(texts), np.asarray(labels), batch_size=batch_size,
                                     repeats=repeats)
    encoder = WordPiecePreprocessor.from_checkpoint("all_minilm_l6_v2", sequence_length=sequence_length,
                                                    bert_inputs=True)
    data = tf.data.Dataset.from_tensor_slices((texts, np.asarray(labels, np.int64)))
    batches = classification_batches(data, encoder, batch_size=batch_size, shuffle=True, seed=0).cache()
    from kzoo.registry import get_spec

    trainer = make_trainer("bert_classifier", get_spec("bert_classifier").hyperparameters(), jit_compile=True)
    kzoo_speed = train_speed(trainer, batches, repeats=repeats)
    return {"comparison": f"bert_classifier: kzoo vs keras-hub fit(raw strings), length {sequence_length}",
            "baseline": baseline_speed, "kzoo": kzoo_speed, "ratio": kzoo_speed / baseline_speed, "target": 2.0}
