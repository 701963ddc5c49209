"""`y = W x + b`: the TF1 placeholder/Session example, rebuilt for TF2 and Keras 3."""

import keras
import numpy as np
import tensorflow as tf

from kzoo.errors import check_int
from kzoo.models.task import Task


@keras.saving.register_keras_serializable(package="kzoo")
class LinearRegression(Task):
    """One Dense unit: `y = x @ W + b`, trained on mean squared error.

    Example:
        >>> x, y = make_linear_data(num_examples=100, weight=3.0, bias=2.0)
        >>> model = LinearRegression(num_features=1)
        >>> model.compile()
        >>> model.fit(x, y, epochs=50, verbose=0)
    """

    registered_as = "linear_regression"  # its compile() defaults are that catalogue entry's

    def __init__(self, *, num_features=1, dtype=None, **kwargs):
        check_int("num_features", num_features, minimum=1)
        # === Layers ===
        self.linear = keras.layers.Dense(1, dtype=dtype, name="linear")
        # Predictions leave in float32 even under a mixed precision policy.
        self.output_cast = keras.layers.Activation("linear", dtype="float32", name="output_cast")
        # === Functional Model ===
        features = keras.Input(shape=(num_features,), name="features")
        outputs = self.output_cast(self.linear(features))
        super().__init__(inputs=features, outputs=outputs, dtype=dtype, **kwargs)
        # === Config ===
        self.num_features = num_features

    def get_config(self):
        return {**self._base_config(), "num_features": self.num_features}


def make_linear_data(*, num_examples=200, weight=0.1, bias=0.3, noise=0.01, num_features=1, seed=0):
    """Noisy samples of `y = x @ weight + bias`, x uniform in [0, 1) (float32 arrays)."""
    rng = np.random.default_rng(seed)
    x = rng.random((num_examples, num_features), dtype=np.float32)
    w = np.full((num_features, 1), weight, dtype=np.float32)
    y = x @ w + bias + rng.normal(0.0, noise, size=(num_examples, 1)).astype(np.float32)
    return x, y


def fit_linear_regression(x, y, *, steps=200, learning_rate=0.5):
    """The TF1 Session loop as a TF2 `tf.function`: returns the fitted `(W, b)`.

    Where TF1 built `train = GradientDescentOptimizer(0.5).minimize(loss)` and ran
    `sess.run(train)` in a loop, TF2 computes the gradient with a GradientTape
    inside one compiled function.

    Example:
        >>> W, b = fit_linear_regression(*make_linear_data(weight=0.1, bias=0.3))
    """
    x = tf.convert_to_tensor(x, tf.float32)
    y = tf.convert_to_tensor(y, tf.float32)
    weight = tf.Variable(tf.random.uniform((x.shape[1], 1), -1.0, 1.0, seed=0))
    bias = tf.Variable(tf.zeros((1,)))

    @tf.function(jit_compile=True)
    def train_step():
        with tf.GradientTape() as tape:
            loss = tf.reduce_mean(tf.square(x @ weight + bias - y))
        grad_w, grad_b = tape.gradient(loss, [weight, bias])
        weight.assign_sub(learning_rate * grad_w)
        bias.assign_sub(learning_rate * grad_b)
        return loss

    for _ in range(steps):
        train_step()
    return weight.numpy(), bias.numpy()
