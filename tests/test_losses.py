"""kzoo's sparse cross-entropy with label smoothing, and where the models' defaults use it."""

import keras
import numpy as np
import pytest

import kzoo
from kzoo.losses import SparseCategoricalCrossentropy

LABELS = np.array([[3, 1, 0, 0], [2, 0, 0, 0]])  # 0: padding
LOGITS = np.random.default_rng(0).normal(size=(2, 4, 5)).astype("float32")


def test_without_smoothing_it_is_keras_sparse_cross_entropy_padding_included():
    ours = SparseCategoricalCrossentropy(ignore_class=0)(LABELS, LOGITS)
    keras_loss = keras.losses.SparseCategoricalCrossentropy(from_logits=True, ignore_class=0)(LABELS, LOGITS)
    np.testing.assert_allclose(np.array(ours), np.array(keras_loss), rtol=1e-5)
    everything = keras.losses.SparseCategoricalCrossentropy(from_logits=True)(LABELS, LOGITS)
    np.testing.assert_allclose(np.array(SparseCategoricalCrossentropy()(LABELS, LOGITS)), np.array(everything),
                               rtol=1e-5)


def test_smoothing_is_keras_categorical_smoothing_averaged_over_the_kept_tokens():
    per_token = keras.losses.CategoricalCrossentropy(from_logits=True, label_smoothing=0.1, reduction=None)(
        keras.ops.one_hot(LABELS, 5), LOGITS)
    expected = np.array(per_token)[LABELS != 0].mean()
    got = SparseCategoricalCrossentropy(label_smoothing=0.1, ignore_class=0)(LABELS, LOGITS)
    np.testing.assert_allclose(np.array(got), expected, rtol=1e-5)


def test_it_round_trips_through_keras_serialization_and_checks_its_value():
    loss = SparseCategoricalCrossentropy(label_smoothing=0.2, ignore_class=0)
    restored = keras.saving.deserialize_keras_object(keras.saving.serialize_keras_object(loss))
    assert (type(restored), restored.label_smoothing, restored.ignore_class) == (type(loss), 0.2, 0)
    with pytest.raises(ValueError, match=r"`label_smoothing`: expected a float in \[0, 1.0\), received 1.5"):
        SparseCategoricalCrossentropy(label_smoothing=1.5)


def test_the_translator_smooths_its_targets_by_default_in_kzoo_train_and_compile():
    from kzoo.training import TrainOptions

    def resolved(**options):
        options = TrainOptions(**options)
        options.resolve()
        return options.label_smoothing

    assert resolved(model="transformer_translator") == 0.1
    assert resolved(model="transformer_translator", label_smoothing=0.0) == 0.0
    assert resolved(model="lstm_classifier") == 0.0
    with pytest.raises(ValueError, match=r"`label_smoothing`: linear_regression trains on mean squared error.*"
                                         r"received 0.1"):
        TrainOptions(model="linear_regression", label_smoothing=0.1).resolve()

    model = kzoo.create_model("transformer_translator", preset="tiny", preprocessor=None)
    model.compile()
    assert (type(model.loss), model.loss.label_smoothing, model.loss.ignore_class) == (
        SparseCategoricalCrossentropy, 0.1, 0)
    classifier = kzoo.create_model("lstm_classifier", preset="tiny", preprocessor=None, num_classes=2)
    classifier.compile()
    assert type(classifier.loss) is keras.losses.SparseCategoricalCrossentropy
