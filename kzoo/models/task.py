"""The base class of kzoo's own models: constructor-as-config and good compile defaults."""

import keras

from kzoo.errors import invalid_value
from kzoo.registry import CompileDefaults


def make_optimizer(name, *, learning_rate, clipnorm=None):
    """A Keras optimizer from its name; an unknown name gets an error that says so.

    Example:
        >>> make_optimizer("adamw", learning_rate=5e-5)
    """
    try:
        return keras.optimizers.get(
            {"class_name": name, "config": {"learning_rate": learning_rate, "clipnorm": clipnorm}}
        )
    except ValueError as error:
        raise ValueError(f"Invalid value for `optimizer`: expected a Keras optimizer name "
                         f"(adam, adamw, sgd, rmsprop, ...), received {name!r}") from error


def compile_arguments(defaults, *, learning_rate=None, optimizer="auto", loss="auto", metrics="auto"):
    """Keras `compile` keyword arguments built from a model's `CompileDefaults`.

    Any argument other than "auto" is kept as given.

    Example:
        >>> model.compile(**compile_arguments(CompileDefaults(), learning_rate=3e-4))
    """
    if optimizer == "auto":
        optimizer = make_optimizer(
            defaults.optimizer, learning_rate=learning_rate or defaults.learning_rate, clipnorm=defaults.clipnorm
        )
    if loss == "auto":
        loss_classes = {
            "sparse_categorical_crossentropy": keras.losses.SparseCategoricalCrossentropy,
            "mean_squared_error": keras.losses.MeanSquaredError,
        }
        if defaults.loss not in loss_classes:
            raise invalid_value("loss", f"one of {sorted(loss_classes)}", defaults.loss)
        loss = loss_classes[defaults.loss]()
        if isinstance(loss, keras.losses.SparseCategoricalCrossentropy):
            loss = keras.losses.SparseCategoricalCrossentropy(from_logits=defaults.from_logits)
    if metrics == "auto":
        metrics = [
            keras.metrics.SparseCategoricalAccuracy(name="accuracy") if m == "accuracy" else m
            for m in defaults.metrics
        ]
    return {"optimizer": optimizer, "loss": loss, "metrics": metrics}


class Task(keras.Model):
    """A functional model whose constructor arguments are its whole config.

    Subclasses build their layers and graph in `__init__`, call
    `super().__init__(inputs=..., outputs=...)`, then store their arguments and
    return them from `get_config` (the keras-hub convention).
    """

    compile_defaults = CompileDefaults()

    def compile(self, optimizer="auto", loss="auto", metrics="auto", **kwargs):
        """Compiles with the model's defaults; any argument can be overridden."""
        arguments = compile_arguments(
            self.compile_defaults, optimizer=optimizer, loss=loss, metrics=metrics
        )
        super().compile(**arguments, **kwargs)

    def _base_config(self):
        return {
            "name": self.name,
            "trainable": self.trainable,
            "dtype": keras.dtype_policies.serialize(self.dtype_policy),
        }

    @classmethod
    def from_config(cls, config):
        config = dict(config)
        if isinstance(config.get("dtype"), dict):
            config["dtype"] = keras.dtype_policies.deserialize(config["dtype"])
        return cls(**config)


def classifier_head(num_classes, *, hidden_dim=0, dropout=0.0, dtype=None, name="head"):
    """Dropout -> [Dense(hidden, relu) -> Dropout] -> Dense(num_classes) logits.

    The logits layer computes in float32 so that mixed precision stays stable.
    """
    layers = [keras.layers.Dropout(dropout, name=f"{name}_dropout")] if dropout else []
    if hidden_dim:
        layers.append(keras.layers.Dense(hidden_dim, activation="relu", dtype=dtype, name=f"{name}_hidden"))
        if dropout:
            layers.append(keras.layers.Dropout(dropout, name=f"{name}_hidden_dropout"))
    layers.append(keras.layers.Dense(num_classes, dtype="float32", name=f"{name}_logits"))
    return layers


def apply(layers, x):
    for layer in layers:
        x = layer(x)
    return x
