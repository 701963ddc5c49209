"""Exporting a trained model as a SavedModel that serves raw strings (TensorFlow Serving layout).

The exported `tf.Module` tracks the model and its preprocessor (so lookup
tables and vocabularies are saved with it: keras-hub#2015) and has one
`serving_default` signature:

- classifiers: `text` (string, `[None]`) -> `label` (string, `[None]`),
  `probabilities` (float32, `[None, classes]`), `label_names` (the names in
  column order, one row per text);
- language models: `prompt` (string, `[None]`), `num_tokens` (int32 scalar),
  `seed` (int32 scalar) -> `text` (prompt + continuation, string `[None]`);
- translators: `text` (string, `[None]`) -> `translation` (string, `[None]`), greedy.

A server needs TensorFlow, and tensorflow-text's op library for WordPiece
models (`import tensorflow_text` before loading; TF Serving builds with it).
"""

import os

import numpy as np
import tensorflow as tf

from kzoo.errors import check_int
from kzoo.generation.generator import decode_tokens, left_align
from kzoo.generation.samplers import make_sampler


class ClassifierExport(tf.Module):
    """Raw strings -> label and class probabilities.

    Example:
        >>> module = ClassifierExport(model, ["negative", "positive"])
        >>> module.classify(tf.constant(["a fine film"]))["label"]
    """

    def __init__(self, model, label_names):
        super().__init__()
        self.model = model
        self.preprocessor = model.preprocessor
        self.label_names = tf.Variable(label_names, dtype=tf.string, trainable=False, name="label_names")

    @tf.function(input_signature=[tf.TensorSpec([None], tf.string, name="text")])
    def classify(self, text):
        logits = self.model(self.preprocessor(text), training=False)
        probabilities = tf.nn.softmax(tf.cast(logits, tf.float32), axis=-1)
        label = tf.gather(self.label_names, tf.argmax(probabilities, axis=-1))
        names = tf.broadcast_to(self.label_names[None, :], tf.shape(probabilities))
        return {"label": label, "probabilities": probabilities, "label_names": names}


class GeneratorExport(tf.Module):
    """Raw prompts -> prompt + `num_tokens` sampled tokens, with a keras-hub sampler (no XLA in serving).

    Prompts are tokenized and left-aligned, as `TextGenerator` does; a token
    outside the vocabulary decodes as the unknown token. A model with a
    position limit refuses (InvalidArgumentError) prompt + `num_tokens` beyond it.
    """

    def __init__(self, model, *, sampler="top_p", temperature=1.0, k=5, p=0.9):
        super().__init__()
        self.model = model
        self.preprocessor = model.preprocessor
        self.sampler = make_sampler(sampler, temperature=temperature, k=k, p=p)
        generator = getattr(self.sampler, "seed_generator", None)
        self.seed_state = generator.state if generator is not None else None
        self.vocabulary = tf.Variable(self.preprocessor.vocabulary, dtype=tf.string, trainable=False,
                                      name="vocabulary")

    @tf.function(input_signature=[
        tf.TensorSpec([None], tf.string, name="prompt"),
        tf.TensorSpec([], tf.int32, name="num_tokens"),
        tf.TensorSpec([], tf.int32, name="seed"),
    ])
    def generate(self, prompt, num_tokens, seed):
        if self.seed_state is not None:
            self.seed_state.assign(tf.cast(tf.stack([seed, 0]), self.seed_state.dtype))
        ids = self.preprocessor.encode(prompt)
        tf.debugging.assert_positive(
            ids.row_lengths(), message="every prompt needs at least one token for a language model to start from")
        width = tf.reduce_max(tf.cast(ids.row_lengths(), tf.int32))
        if self.model.max_positions is not None:
            tf.debugging.assert_less_equal(
                width + num_tokens, self.model.max_positions,
                message=f"prompt + num_tokens is longer than the model's {self.model.max_positions} positions")
        prompt_ids, lengths = left_align(ids, width)
        tokens = decode_tokens(self.model, self.sampler, prompt_ids, lengths, num_tokens)
        new_ids = tf.gather(tokens, lengths[:, None] + tf.range(num_tokens)[None, :], batch_dims=1)
        known = new_ids < tf.shape(self.vocabulary, out_type=new_ids.dtype)[0]
        words = tf.gather(self.vocabulary, tf.where(known, new_ids, self.preprocessor.unknown_id))
        continuation = tf.strings.reduce_join(words, axis=-1, separator=self.preprocessor.separator)
        separator = tf.where(tf.strings.length(continuation) > 0, self.preprocessor.separator, "")
        return {"text": tf.strings.join([prompt, separator, continuation])}


class TranslatorExport(tf.Module):
    """Raw source strings -> greedy translations (the same decoding as `model.translate`, without XLA)."""

    def __init__(self, model):
        super().__init__()
        self.model = model
        self.preprocessor = model.preprocessor
        self.sampler = make_sampler("greedy")
        self.start_id, self.end_id = self.preprocessor.start_id, self.preprocessor.end_id
        self.vocabulary = tf.Variable(self.preprocessor.target.vocabulary + ["", ""], dtype=tf.string,
                                      trainable=False, name="target_vocabulary")

    @tf.function(input_signature=[tf.TensorSpec([None], tf.string, name="text")])
    def translate(self, text):
        tokens = self.model.decode_ids(self.preprocessor(text), self.sampler, start_id=self.start_id,
                                       end_id=self.end_id)[:, 1:]
        before_end = tf.cumsum(tf.cast(tokens == self.end_id, tf.int32), axis=1) == 0
        # As `TranslationPreprocessor.detokenize`: no padding, unknown or special id (a model sized larger).
        kept = tf.ragged.boolean_mask(tokens, before_end & (tokens > 0) & (tokens < self.start_id))
        words = tf.gather(self.vocabulary, kept)
        return {"translation": tf.strings.reduce_join(words, axis=-1, separator=self.preprocessor.target.separator)}


def export_model(model, directory, *, version=1, label_names=None, sampler="top_p"):
    """Writes `directory/<version>/` (TF Serving's layout): a SavedModel taking raw strings.

    Classifiers need `label_names` (a run's, or `range(num_classes)` as strings).
    Returns the version folder.

    Example:
        >>> export_model(run.model, "exports/sentiment", label_names=run.label_names)
        'exports/sentiment/1'
    """
    check_int("version", version, minimum=1)
    if getattr(model, "preprocessor", None) is None:
        raise ValueError("Only a model with a preprocessor can be exported for raw strings; "
                         "build it with `kzoo.create_model` (not `preprocessor=None`).")
    model.preprocessor.check_adapted()
    target = os.path.join(directory, str(version))
    if os.path.exists(target):
        raise FileExistsError(f"{target!r} exists already: choose another --version or folder.")
    if model.task_kind == "language_modeling":
        module = GeneratorExport(model, sampler=sampler)
        signature = module.generate
    elif model.task_kind == "classification":
        num_classes = int(model.output_shape[-1])
        names = [str(name) for name in (label_names if label_names is not None else range(num_classes))]
        if len(names) != num_classes:
            raise ValueError(f"Invalid value for `label_names`: expected {num_classes} names, received {names!r}")
        module = ClassifierExport(model, names)
        signature = module.classify
    elif model.task_kind == "translation":
        module = TranslatorExport(model)
        signature = module.translate
    else:
        raise ValueError(f"A {model.task_kind} model takes no text: export it with `model.export(...)`.")
    tf.saved_model.save(module, target, signatures={"serving_default": signature})
    return target


def export_run(run_dir, directory, *, version=1, sampler="top_p"):
    """Exports a run's `model.keras` with its label names (see `export_model`); returns the version folder.

    Example:
        >>> kzoo.export("runs/sst2-bag", "exports/sentiment")
        'exports/sentiment/1'
    """
    from kzoo.training import load_run  # serving sits above training

    run = load_run(run_dir)
    return export_model(run.model, directory, version=version, label_names=run.label_names, sampler=sampler)


def load_exported(path):
    """Loads an exported SavedModel's serving function (imports tensorflow-text's ops first)."""
    import tensorflow_text  # noqa: F401  (registers the WordPiece ops a WordPiece model needs)

    return tf.saved_model.load(path).signatures["serving_default"]


def classify_exported(signature, texts):
    """Calls an exported classifier on Python strings; returns numpy outputs."""
    outputs = signature(text=tf.constant(list(texts), tf.string))
    return {key: np.asarray(value) for key, value in outputs.items()}


__all__ = ["ClassifierExport", "GeneratorExport", "TranslatorExport", "classify_exported", "export_model", "export_run",
           "load_exported"]
