"""The contract every registered model meets, run over the whole registry.

A newly registered model is tested here without writing a new test.
"""

import json

import keras
import numpy as np
import pytest
import tensorflow as tf

import kzoo
from kzoo.testing import random_batch

MODEL_NAMES = kzoo.list_models()


def _tiny(name):
    hyperparameters = kzoo.get_spec(name).hyperparameters("tiny")
    model = kzoo.create_model(name, preset="tiny")
    sizes = {key: getattr(model, key) for key in ("vocabulary_size", "num_classes") if hasattr(model, key)}
    x, y = random_batch(name, {**hyperparameters, **sizes})
    return model, x, y


def _config_json(model):
    return json.dumps(keras.saving.serialize_keras_object(model)["config"], sort_keys=True)


def test_registry_lists_the_nine_models():
    assert MODEL_NAMES == [
        "bag_of_embeddings_classifier",
        "bert_classifier",
        "cnn_classifier",
        "linear_regression",
        "lstm_classifier",
        "lstm_language_model",
        "transformer_classifier",
        "transformer_language_model",
        "transformer_translator",
    ]


@pytest.mark.parametrize("name", MODEL_NAMES)
def test_forward_backward_every_weight_gets_a_gradient(name):
    model, x, y = _tiny(name)
    loss_fn = kzoo.compile_arguments(kzoo.get_spec(name).compile_defaults)["loss"]
    with tf.GradientTape() as tape:
        outputs = model(x, training=True)
        loss = loss_fn(y, outputs)
    gradients = tape.gradient(loss, model.trainable_weights)
    assert np.all(np.isfinite(keras.ops.convert_to_numpy(outputs)))
    assert np.isfinite(float(loss))
    missing = [w.path for w, g in zip(model.trainable_weights, gradients) if g is None]
    assert not missing, f"weights without a gradient: {missing}"
    for weight, gradient in zip(model.trainable_weights, gradients):
        assert np.all(np.isfinite(tf.convert_to_tensor(gradient))), weight.path


@pytest.mark.parametrize("name", MODEL_NAMES)
def test_compile_uses_the_registry_defaults(name):
    model, _, _ = _tiny(name)
    model.compile()
    defaults = kzoo.get_spec(name).compile_defaults
    assert model.compile_defaults == defaults
    assert type(model.optimizer).__name__.lower() == defaults.optimizer
    assert float(model.optimizer.learning_rate) == pytest.approx(defaults.learning_rate)
    assert model.steps_per_execution == defaults.steps_per_execution


@pytest.mark.parametrize("name", MODEL_NAMES)
def test_eager_and_symbolic_calls_agree_in_shape(name):
    model, x, _ = _tiny(name)
    eager = model(x)
    symbolic_inputs = keras.tree.map_structure(
        lambda a: keras.KerasTensor(a.shape, dtype=a.dtype), x
    )
    symbolic = model(symbolic_inputs)
    assert tuple(symbolic.shape) == tuple(eager.shape)


@pytest.mark.parametrize("name", MODEL_NAMES)
def test_config_round_trip(name):
    model, x, _ = _tiny(name)
    config = model.get_config()
    restored = model.__class__.from_config(config)
    assert _config_json(restored) == _config_json(model)
    restored.set_weights(model.get_weights())
    np.testing.assert_allclose(restored.predict(x, verbose=0), model.predict(x, verbose=0), atol=1e-6)


@pytest.mark.parametrize("name", MODEL_NAMES)
def test_keras_file_save_load_gives_identical_outputs(name, tmp_path):
    model, x, _ = _tiny(name)
    path = tmp_path / "model.keras"
    model.save(path)
    restored = keras.saving.load_model(path, safe_mode=True)
    np.testing.assert_array_equal(restored.predict(x, verbose=0), model.predict(x, verbose=0))


@pytest.mark.parametrize("name", MODEL_NAMES)
def test_fit_step_with_xla_under_mixed_bfloat16_on_tf_data(name):
    """The TPU configuration (XLA, bfloat16 compute, float32 variables), fed by tf.data as kzoo.train feeds it."""
    keras.config.set_dtype_policy("mixed_bfloat16")
    model, x, y = _tiny(name)
    outputs = model(x)
    assert np.all(np.isfinite(keras.ops.convert_to_numpy(keras.ops.cast(outputs, "float32"))))
    if isinstance(model, kzoo.models.task.Task):
        assert outputs.dtype == tf.float32  # kzoo's heads keep logits in float32
    assert all(weight.dtype == "float32" for weight in model.weights)
    model.compile(jit_compile=True)  # the model's own defaults: nothing else to pass
    history = model.fit(tf.data.Dataset.from_tensor_slices((x, y)).batch(2), epochs=1, verbose=0)
    assert model.jit_compile
    assert np.isfinite(history.history["loss"][0])


@pytest.mark.parametrize("name", MODEL_NAMES)
def test_fit_on_arrays_in_float32(name):
    # Without XLA: one XLA compile per model (above) is what the suite's time allows; kzoo.train,
    # the CLI and the notebooks run float32 steps under XLA.
    model, x, y = _tiny(name)
    model.compile(jit_compile=False)
    created_while_tracing = []

    def record_variables_created_in_graphs(next_creator, **kwargs):
        if not tf.executing_eagerly():
            created_while_tracing.append(kwargs.get("name"))
        return next_creator(**kwargs)

    with tf.variable_creator_scope(record_variables_created_in_graphs):
        history = model.fit(x, y, epochs=1, batch_size=2, verbose=0)
    assert np.isfinite(history.history["loss"][0])
    # A variable created in the first trace makes tf.function trace the whole train step a second time.
    assert created_while_tracing == []
