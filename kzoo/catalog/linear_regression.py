"""Catalogue entry: linear regression, the TF1 session example (`kzoo.models.linear_regression`)."""

from kzoo.registry import CompileDefaults, register_model


@register_model(
    family="linear",
    rebuilds="TF1 linear regression: y = W*x + b with placeholders, a Session and GradientDescentOptimizer",
    presets={"tiny": {"num_features": 1}, "example": {"num_features": 1}},
    default_preset="example",
    input_kind="features",
    output_kind="regression",
    # The TF1 example: GradientDescentOptimizer(0.5) on mean squared error.
    compile_defaults=CompileDefaults(
        optimizer="sgd", learning_rate=0.5, loss="mean_squared_error", from_logits=False, metrics=("mae",),
        xla_devices=("cpu", "gpu"),
        # One step per call, XLA was 0.89x and 0.88x of no-XLA (2026-11-25, -26); at 16 steps per call it runs the
        # whole loop as one program.
        xla_measured="2 CPU cores, batch 32, 16 steps per call: XLA 1.14x, 1.18x, 1.22x and 1.19x of no-XLA "
                     "(4 runs of 6 epochs of 640 steps per mode taken in turns, 2026-11-28)",
        # A step costs less than the call into TensorFlow: 16 steps per call train 4.2x faster (188k vs 45k
        # examples/s without XLA, 2 CPU cores, batch 32; 6 epochs of 64 steps per setting taken in turns, 2026-11-27).
        steps_per_execution=16,
    ),
)
def linear_regression(*, num_features=1, dtype=None):
    """Linear regression `y = x @ W + b` as a Keras model.

    Example:
        >>> model = kzoo.create_model("linear_regression", num_features=3)
    """
    from kzoo.models.linear_regression import LinearRegression

    return LinearRegression(num_features=num_features, dtype=dtype)
