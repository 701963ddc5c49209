"""`EinsumDense` kernels get their gradient from one matrix product, with the same values as Keras's own einsum."""

import keras
import numpy as np
import pytest
import tensorflow as tf

import kzoo.models  # importing it installs the fix
from kzoo import _einsum_fix


@pytest.mark.parametrize("subscripts, expected", [
    ("abc,cde->abde", 1), ("abcd,cde->abe", 2), ("abc,cd->abd", 1), ("ab,bc->ac", 1), ("abc, cde -> abde", 1),
    ("ab,cb->ac", None),        # the kernel's contracted axis is not its first
    ("abc,dce->abde", None),    # nor here
    ("abcd,aecd->acbe", None),  # attention scores: a batched product, not a tensordot
    ("abc,cde->adbe", None),    # output axes reordered
    ("ab,b", None),             # implicit output
    ("...c,cd->...d", None),    # ellipsis
    ("aab,bc->aac", None),      # a repeated label
    ("c,cd->d", None),          # no free axis on the input
    ("abc,cd,de->abe", None),   # three operands
])
def test_contracted_axes_recognises_exactly_the_tensordots(subscripts, expected):
    assert _einsum_fix.contracted_axes(subscripts) == expected


def _projection_gradients(equation, output_shape, inputs, *, compiled):
    keras.utils.set_random_seed(0)
    layer = keras.layers.EinsumDense(equation, output_shape=output_shape, bias_axes=None)
    layer.build(inputs.shape)

    @tf.function(jit_compile=compiled)
    def step(x):
        with tf.GradientTape() as tape:
            loss = tf.reduce_sum(tf.square(layer(x)))
        return loss, tape.gradient(loss, layer.kernel.value)

    return step, [value.numpy() for value in step(inputs)]


@pytest.mark.parametrize("equation, output_shape, input_shape", [
    ("abc,cde->abde", (None, 3, 4), (5, 7, 6)),       # a query/key/value projection
    ("abcd,cde->abe", (None, 6), (5, 7, 3, 4)),       # the output projection
])
def test_projections_match_keras_and_differentiate_without_a_per_example_kernel(equation, output_shape, input_shape):
    inputs = tf.constant(np.random.default_rng(0).normal(size=input_shape), tf.float32)
    _einsum_fix.uninstall()
    try:
        _, expected = _projection_gradients(equation, output_shape, inputs, compiled=False)
    finally:
        _einsum_fix.install()
    step, eager = _projection_gradients(equation, output_shape, inputs, compiled=False)
    _, compiled = _projection_gradients(equation, output_shape, inputs, compiled=True)
    for got in (eager, compiled):
        np.testing.assert_allclose(got[0], expected[0], rtol=1e-5)
        np.testing.assert_allclose(got[1], expected[1], rtol=1e-5, atol=1e-5)
    # Keras's own einsum differentiates through a broadcast BatchMatMul (a kernel-sized gradient per example).
    graph = step.get_concrete_function(inputs).graph
    assert not [op.type for op in graph.get_operations() if op.type.startswith("BatchMatMul")]


def test_install_is_idempotent_and_uninstall_restores_keras():
    from keras.src.backend.tensorflow import numpy as tensorflow_numpy

    fixed = tensorflow_numpy.einsum
    assert getattr(fixed, "_kzoo_tensordot", False), f"importing {kzoo.models.__name__} did not install it"
    _einsum_fix.install()
    assert tensorflow_numpy.einsum is fixed
    _einsum_fix.uninstall()
    try:
        assert not getattr(tensorflow_numpy.einsum, "_kzoo_tensordot", False)
        assert tensorflow_numpy.einsum is fixed.__wrapped__
    finally:
        _einsum_fix.install()
    # Everything that is not a tensordot still goes to Keras: a batched product, integers, a mixed-dtype pair.
    x = np.arange(24, dtype="float32").reshape(2, 3, 4)
    np.testing.assert_allclose(keras.ops.einsum("abc,adc->abd", x, x), np.einsum("abc,adc->abd", x, x))
    np.testing.assert_array_equal(keras.ops.einsum("ab,bc->ac", np.ones((2, 3), "int32"), np.ones((3, 2), "int32")),
                                  np.full((2, 2), 3))
    assert keras.ops.einsum("ab,bc->ac", np.ones((2, 3), "float32"), np.ones((3, 2), "float16")).shape == (2, 2)
