"""The model registry: one decorated builder per model, variants as data.

A model is registered by decorating its builder function (timm style):

    @register_model(
        family="lstm",
        rebuilds="Keras LSTM sentiment example",
        presets={"tiny": {...}, "example": {...}},
        default_preset="example",
        input_kind="word_ids",
        output_kind="class_logits",
        compile_defaults=CompileDefaults(...),
    )
    def lstm_classifier(*, num_classes=2, ...):
        ...

`create_model(name, preset=..., **overrides)` merges the preset's arguments with
the overrides and calls the builder.
"""

import dataclasses
import fnmatch
import inspect
from typing import Any, Callable

from kzoo.errors import unknown_name

INPUT_KINDS = ("word_ids", "char_ids", "wordpiece_ids", "features", "source_target_ids")
OUTPUT_KINDS = ("class_logits", "next_token_logits", "translation_logits", "regression")
MAX_BERT_POSITIONS = 512  # position embeddings of the BERT checkpoints kzoo loads
# The length cap of models whose cost grows linearly with length (bag of embeddings, CNN): they read
# whole documents (a review's verdict is often at its end); the cap only bounds a batch's memory.
WHOLE_TEXT_MAX_LENGTH = 4096
# Builder arguments that are inputs, not hyperparameters: never in a preset, a config or a run's record.
BUILD_INPUTS = ("preprocessor", "training_texts")


@dataclasses.dataclass(frozen=True)
class CompileDefaults:
    """What `compile()` and `kzoo.train` use when the caller does not say otherwise."""

    # Fields that record how a default was measured and change no training (not a dataclass field: no annotation).
    NOTE_FIELDS = ("xla_measured",)

    optimizer: str = "adam"
    learning_rate: float = 1e-3
    loss: str = "sparse_categorical_crossentropy"
    from_logits: bool = True
    metrics: tuple = ("accuracy",)
    # Further arguments of the default optimizer (e.g. {"beta_2": 0.99, "weight_decay": 0.1}); not given to
    # another optimizer a caller picks.
    optimizer_arguments: dict = dataclasses.field(default_factory=dict)
    warmup_fraction: float = 0.0  # of all training steps, then cosine decay
    clipnorm: float | None = None  # gradient norm clipping (recurrent language models)
    label_smoothing: float = 0.0  # of the training targets (cross-entropy losses); `--label-smoothing` overrides it
    epochs: int = 5
    batch_size: int = 32
    # Tokens kept per example (window length for a language model); kzoo.train reports how many
    # texts of each split it cuts (metrics.json "truncation").
    max_length: int = 256
    # Device kinds ("cpu", "gpu") whose training step is XLA-compiled by default: the faster
    # mode, measured (`xla_measured` says where and how); TPUs always compile. `--xla` /
    # `--no-xla` (`jit_compile=True/False`) override it.
    xla_devices: tuple = ("cpu", "gpu")
    xla_measured: str = ""
    # Training steps per call into TensorFlow: > 1 where one step costs little more than the call itself
    # (small models), as measured in the catalogue; same results, fewer progress updates.
    # `--steps-per-execution` overrides it.
    steps_per_execution: int = 1

    def jit_compile_on(self, device_kind):
        """Whether the step is XLA-compiled by default on `device_kind` ("cpu", "gpu" or "tpu")."""
        return device_kind == "tpu" or device_kind in self.xla_devices

    def steps_per_execution_with(self, num_replicas):
        """Training steps per call by default with `num_replicas` replicas: one with several, where the gather
        of the replicas' sparse (embedding) gradients mismatches inside a multi-step loop (TF 2.21)."""
        return 1 if num_replicas > 1 else self.steps_per_execution


@dataclasses.dataclass(frozen=True)
class ModelSpec:
    name: str
    builder: Callable[..., Any]
    family: str
    rebuilds: str
    presets: dict
    default_preset: str
    input_kind: str
    output_kind: str
    compile_defaults: CompileDefaults
    description: str
    preprocessor: Callable[..., Any] | None = None  # (hyperparameters, *, sequence_length) -> preprocessor

    def sequence_length(self, hyperparameters, max_length=None):
        """Tokens kept per text: `max_length` (default: the model's), capped by its position embeddings."""
        requested = max_length or self.compile_defaults.max_length
        for key in ("sequence_length", "max_sequence_length"):
            if hyperparameters.get(key):
                return min(requested, hyperparameters[key])
        if self.input_kind == "wordpiece_ids" and hyperparameters.get("checkpoint"):
            return min(requested, MAX_BERT_POSITIONS)
        return requested

    def make_preprocessor(self, hyperparameters, *, max_length=None):
        """The preprocessor this model takes text with (None for a model without text input)."""
        if self.preprocessor is None:
            return None
        return self.preprocessor(hyperparameters, sequence_length=self.sequence_length(hyperparameters, max_length))

    def hyperparameters(self, preset=None):
        """The builder's keyword defaults merged with a preset's values."""
        preset = self.default_preset if preset is None else preset
        if preset not in self.presets:
            raise unknown_name(f"preset of `{self.name}`", preset, self.presets)
        return {**self.keyword_defaults(), **self.presets[preset]}

    def keyword_defaults(self):
        """The builder's keyword defaults (its hyperparameters without a preset)."""
        signature = inspect.signature(self.builder)
        defaults = {
            key: param.default
            for key, param in signature.parameters.items()
            if param.kind is inspect.Parameter.KEYWORD_ONLY
            and param.default is not inspect.Parameter.empty
        }
        for build_input in BUILD_INPUTS:
            defaults.pop(build_input, None)
        return defaults

    @property
    def takes_training_texts(self):
        """Whether the builder's initial weights depend on the training texts (`training_texts=`)."""
        return "training_texts" in inspect.signature(self.builder).parameters


_REGISTRY: dict = {}


def register_model(
    *,
    family,
    rebuilds,
    presets,
    default_preset,
    input_kind,
    output_kind,
    compile_defaults=CompileDefaults(),
    preprocessor=None,
):
    """Registers a keyword-only builder function under its own name.

    `preprocessor(hyperparameters, *, sequence_length)` makes the preprocessor
    the model takes text with (see `kzoo.catalog.preprocessors`); the builder then
    receives it as its `preprocessor` argument.
    """
    if input_kind not in INPUT_KINDS:
        raise unknown_name("input_kind", input_kind, INPUT_KINDS)
    if output_kind not in OUTPUT_KINDS:
        raise unknown_name("output_kind", output_kind, OUTPUT_KINDS)
    if "tiny" not in presets or default_preset not in presets:
        raise ValueError("Every model needs a `tiny` preset and its default preset.")

    def decorate(builder):
        positional = [
            p.name
            for p in inspect.signature(builder).parameters.values()
            if p.kind not in (p.KEYWORD_ONLY, p.VAR_KEYWORD)
        ]
        if positional:
            raise TypeError(f"Builder `{builder.__name__}` must be keyword-only: {positional}")
        if preprocessor is not None and "preprocessor" not in inspect.signature(builder).parameters:
            raise TypeError(f"Builder `{builder.__name__}` declares a preprocessor but takes no `preprocessor`.")
        if builder.__name__ in _REGISTRY:
            raise ValueError(f"Model `{builder.__name__}` is already registered.")
        doc = inspect.getdoc(builder) or ""
        _REGISTRY[builder.__name__] = ModelSpec(
            name=builder.__name__,
            builder=builder,
            family=family,
            rebuilds=rebuilds,
            presets=dict(presets),
            default_preset=default_preset,
            input_kind=input_kind,
            output_kind=output_kind,
            compile_defaults=compile_defaults,
            description=doc.split("\n")[0],
            preprocessor=preprocessor,
        )
        return builder

    return decorate


def list_models(pattern="*"):
    """Sorted names of registered models matching a shell-style pattern.

    Example:
        >>> kzoo.list_models("lstm*")
        ['lstm_classifier', 'lstm_language_model']
    """
    return sorted(name for name in _REGISTRY if fnmatch.fnmatch(name, pattern))


def get_spec(name):
    """The `ModelSpec` registered under `name`; the error lists valid names."""
    if name not in _REGISTRY:
        raise unknown_name("model", name, _REGISTRY)
    return _REGISTRY[name]


def model_info(name):
    """A plain dict describing a registered model, for users and the CLI.

    Example:
        >>> kzoo.model_info("lstm_classifier")["input_kind"]
        'word_ids'
    """
    spec = get_spec(name)
    return {
        "name": spec.name,
        "family": spec.family,
        "description": spec.description,
        "rebuilds": spec.rebuilds,
        "input_kind": spec.input_kind,
        "output_kind": spec.output_kind,
        "default_preset": spec.default_preset,
        "presets": {k: dict(v) for k, v in spec.presets.items()},
        "hyperparameters": spec.hyperparameters(),
        "compile_defaults": dataclasses.asdict(spec.compile_defaults),
        "preprocessor": spec.preprocessor.__name__ if spec.preprocessor else None,
    }


def create_model(name, *, preset=None, preprocessor="auto", max_length=None, training_texts=None, **overrides):
    """Builds a registered model from a preset plus keyword overrides.

    A text model gets the preprocessor its registry entry declares (keeping
    `max_length` tokens per text; default: the model's), so it takes raw
    strings; `preprocessor=None` gives a model that takes token ids.
    `training_texts` go to builders whose initial weights are made from them
    (`spec.takes_training_texts`: the CNN's context vectors).

    Example:
        >>> model = kzoo.create_model("lstm_classifier", preset="tiny", num_classes=3)
        >>> model.preprocessor.adapt(train_texts)  # only where a vocabulary is learnt
    """
    spec = get_spec(name)
    arguments = spec.hyperparameters(preset)
    inputs = {}
    if training_texts is not None:
        if not spec.takes_training_texts:
            raise TypeError(f"`{name}` makes no initial weights from text, so it takes no `training_texts`.")
        inputs["training_texts"] = training_texts
    unknown = sorted(set(overrides) - set(arguments))
    if unknown:
        raise TypeError(
            f"Unknown hyperparameter(s) for `{name}`: {', '.join(unknown)}. "
            f"Valid: {', '.join(sorted(arguments))}."
        )
    arguments.update(overrides)
    if preprocessor == "auto":
        preprocessor = spec.make_preprocessor(arguments, max_length=max_length)
    elif max_length is not None:
        raise TypeError("`max_length` sets the length of the preprocessor kzoo makes; with `preprocessor=` given, "
                        "set its `sequence_length` instead.")
    if spec.preprocessor is None:
        if preprocessor is not None:
            raise TypeError(f"`{name}` takes no text, so it takes no preprocessor.")
        return spec.builder(**arguments, **inputs)
    return spec.builder(**arguments, **inputs, preprocessor=preprocessor)
