"""From a dataset spec and a model spec to splits, a fitted preprocessor and batches."""

import tensorflow as tf

from kzoo import data as kdata
from kzoo.data.pipeline import (
    batch_examples,
    batch_pairs,
    batch_windows,
    epoch_seed,
    language_model_stream,
    split_validation,
    tokenized_examples,
    tokenized_pairs,
)
from kzoo.errors import invalid_value

TASK_OF_OUTPUT = {"class_logits": "classification", "next_token_logits": "language_modeling",
                  "translation_logits": "translation"}


def task_of(spec):
    if spec.output_kind not in TASK_OF_OUTPUT:
        raise ValueError(
            f"`{spec.name}` is not a text model (output: {spec.output_kind}); kzoo.train trains text models. "
            "Train it with `kzoo.models.fit_linear_regression` or Keras `fit`."
        )
    return TASK_OF_OUTPUT[spec.output_kind]


def join_texts(dataset):
    """All texts of a text dataset as one Python string (language modelling)."""
    return "".join(t.decode("utf-8") for t in dataset.as_numpy_iterator())


def load_splits(task, dataset, validation, test, *, options, validation_fraction, seed):
    """`(train, validation, test, info)`; validation split off train when not given."""
    train, info = kdata.load(dataset, task=task, with_info=True, **options)
    names = {"label_names": info.label_names} if task == "classification" else {}
    valid = kdata.load(validation, task=task, split="validation", **names, **options) if validation else None
    tested = kdata.load(test, task=task, split="test", **names, **options) if test else None
    if task == "language_modeling":
        train = join_texts(train)
        if valid is None:
            cut = int(len(train) * (1 - validation_fraction))
            train, valid = train[:cut], train[cut:]
        else:
            valid = join_texts(valid)
        tested = join_texts(tested) if tested is not None else None
    elif valid is None:
        train, valid = split_validation(train, fraction=validation_fraction, seed=seed)
    return train, valid, tested, info


def training_texts(task, train):
    """What a preprocessor adapts on: the texts of `(text, label)` data, a language model's text, or the pairs."""
    if task == "language_modeling":
        return [train]
    if task == "translation":
        return train
    return train.map(lambda text, label: text)


def new_preprocessor(spec, hyperparameters, task, train, *, max_length):
    """The model's preprocessor (its registry entry says which), adapted on `train` where it learns a vocabulary."""
    preprocessor = spec.make_preprocessor(hyperparameters, max_length=max_length)
    if not preprocessor.is_adapted:
        preprocessor.adapt(training_texts(task, train))
    return preprocessor


def data_hyperparameters(spec, hyperparameters, overrides, preprocessor, label_names):
    """The hyperparameters the data fixes: vocabulary size and number of classes.

    A `num_classes` the user set that disagrees with the data's labels is an error.
    """
    fixed = {}
    if spec.input_kind != "wordpiece_ids" or hyperparameters.get("checkpoint") is None:
        fixed.update(preprocessor.vocabulary_sizes())
    if label_names is not None:
        if len(label_names) < 2:
            raise ValueError(
                f"The training data has only one label ({label_names[0]!r}): a classifier needs examples of at "
                "least two labels."
            )
        given = overrides.get("num_classes")
        if given is not None and given != len(label_names):
            raise invalid_value("num_classes", f"{len(label_names)} (the data has labels {label_names})", given)
        fixed["num_classes"] = len(label_names)
    return fixed


class Batches:
    """The batches of one split, tokenized once (cached) and re-batched per epoch.

    `for_epoch(epoch)` shuffles with a seed made of the run's seed and the
    epoch, so epoch N's order does not depend on how many epochs this process
    has already run: a resumed run sees what the uninterrupted one would.

    Example:
        >>> batches = Batches("classification", train, preprocessor, batch_size=32, shuffle=True, seed=0)
        >>> dataset = batches.for_epoch(3)
    """

    def __init__(self, task, data, preprocessor, *, batch_size, shuffle=False, seed=0, fixed_length=False,
                 keep_order=False):
        self.task, self.shuffle, self.seed = task, shuffle, seed
        if task == "language_modeling":
            self._examples = language_model_stream(tf.data.Dataset.from_tensors(data), preprocessor)
            self._batch = lambda stream, **order: batch_windows(
                stream, window=preprocessor.sequence_length, batch_size=batch_size, **order,
            )
        elif task == "translation":
            self._examples = tokenized_pairs(data, preprocessor)
            self._batch = lambda examples, **order: batch_pairs(
                examples, preprocessor, batch_size=batch_size, drop_remainder=fixed_length,
                fixed_length=fixed_length, **order,
            )
        else:
            self._examples = tokenized_examples(data, preprocessor)
            self._batch = lambda examples, **order: batch_examples(
                examples, preprocessor, batch_size=batch_size, drop_remainder=fixed_length,
                fixed_length=fixed_length, keep_order=keep_order, **order,
            )

    def for_epoch(self, epoch=0):
        if not self.shuffle:
            return self._batch(self._examples)
        return self._batch(self._examples, shuffle=True, seed=epoch_seed(self.seed, epoch))

    def __call__(self, epoch=0):
        return self.for_epoch(epoch)


def make_batches(task, data, preprocessor, *, batch_size, fixed_length=False, keep_order=False):
    """Unshuffled batches of a split (evaluation)."""
    return Batches(task, data, preprocessor, batch_size=batch_size, fixed_length=fixed_length,
                   keep_order=keep_order).for_epoch()
