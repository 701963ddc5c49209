"""The LayerNorm forms exported for GPU timing compute what Keras's layer computes (kzoo.bench.layer_norm_variants)."""

import keras
import numpy as np
import pytest
import tensorflow as tf

from kzoo.bench.layer_norm_variants import layer_norm_variant


def _values_and_gradients(variant, inputs):
    layer = keras.layers.LayerNormalization(epsilon=1e-6)
    layer.build(inputs.shape)
    layer.gamma.assign(np.linspace(0.5, 1.5, inputs.shape[-1]))
    layer.beta.assign(np.linspace(-1.0, 1.0, inputs.shape[-1]))
    weights = tf.sin(tf.range(inputs.shape[-1], dtype=tf.float32))
    with layer_norm_variant(variant), tf.GradientTape() as tape:
        tape.watch(inputs)
        outputs = layer(inputs)
        loss = tf.reduce_sum(tf.cast(outputs, tf.float32) * weights)
    return [outputs, *tape.gradient(loss, [inputs, layer.gamma, layer.beta])]


@pytest.mark.parametrize("policy", ["float32", "mixed_bfloat16"])
def test_the_flat_layer_norm_gives_keras_values_and_gradients(policy):
    keras.config.set_dtype_policy(policy)
    inputs = tf.random.stateless_normal([3, 5, 8], seed=[1, 2]) * 4.0 + 2.0
    tolerance = 1e-5 if policy == "float32" else 2e-2
    for flat, reference in zip(_values_and_gradients("flat", inputs), _values_and_gradients("keras", inputs)):
        assert flat.shape == reference.shape
        np.testing.assert_allclose(np.float32(flat), np.float32(reference), rtol=tolerance, atol=tolerance)


def test_affine_only_skips_the_statistics_and_the_layer_comes_back_afterwards():
    inputs = tf.constant([[[1.0, 3.0]]])
    outputs, *_ = _values_and_gradients("affine_only", inputs)
    np.testing.assert_allclose(outputs, [[[1.0 * 0.5 - 1.0, 3.0 * 1.5 + 1.0]]])
    plain = keras.layers.LayerNormalization(epsilon=1e-6, center=False, scale=False)  # outside any block
    np.testing.assert_allclose(plain(inputs), [[[-1.0, 1.0]]], atol=1e-5)
    with pytest.raises(ValueError, match="Unknown LayerNorm variant 'fused'"):
        with layer_norm_variant("fused"):
            pass
