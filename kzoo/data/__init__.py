"""Named datasets -> `tf.data.Dataset` of `(text, label)`, of text, or of `(source, target)` texts.

`spec` is `demo`, a TFDS name (optionally `name:split`, or the first examples of a split: `demo:train[:1000]`,
as in TFDS), or a local path.

Example:
    >>> dataset = kzoo.data.load("demo")
    >>> dataset, info = kzoo.data.load("../shared/data/sst2/stsa.binary.train", with_info=True)
    >>> info.label_names
    ['0', '1']
"""

import dataclasses
import logging
import os

import tensorflow as tf

from kzoo.data import demo
from kzoo.data.labels import encode_labels, infer_label_names
from kzoo.data.local_files import FORMATS, DataFormatError, read_local
from kzoo.data.tfds_source import TFDS_DATASETS, DatasetUnavailableError, load_tfds
from kzoo.errors import unknown_name

TASKS = ("classification", "language_modeling", "translation")
logger = logging.getLogger("kzoo")


@dataclasses.dataclass
class DatasetInfo:
    spec: str
    split: str
    source: str  # "demo", "tfds" or "local"
    label_names: list | None
    num_examples: int | None
    num_skipped: int = 0


def list_datasets():
    """Names `load` accepts besides local paths."""
    return ["demo", *TFDS_DATASETS]


def parse_spec(spec, default_split="train"):
    """`(name_or_path, split)`; `imdb_reviews:test` names a split, `demo:train[:1000]` a slice of one (TFDS style)."""
    head = spec.split("[", 1)[0]  # a slice has a colon of its own
    if os.path.exists(spec) or ":" not in head:
        return spec, default_split
    cut = head.rindex(":")
    return spec[:cut], spec[cut + 1:]


def load(
    spec,
    *,
    split="train",
    task="classification",
    label_names=None,
    format=None,
    text_column="text",
    label_column="label",
    data_dir=None,
    with_info=False,
):
    """Loads `spec` as a `tf.data.Dataset` (and a `DatasetInfo` with `with_info=True`).

    Classification yields `(text, label_id)`; language modelling yields text;
    translation yields `(source, target)` strings (local `pairs` files).
    `label_names` fixes the label set (from the training data); a label outside
    it is an error naming the file and line.
    """
    if task not in TASKS:
        raise unknown_name("task", task, TASKS)
    name, split = parse_spec(spec, split)

    if name == "demo":
        info = DatasetInfo(spec, split, "demo", None, None)
        if task == "translation":
            sources, targets = demo.demo_pairs(split)
            dataset = tf.data.Dataset.from_tensor_slices((sources, targets))
            info.num_examples = len(sources)
        elif task == "language_modeling":
            dataset = tf.data.Dataset.from_tensors(demo.demo_text(split))
            info.num_examples = 1
        else:
            texts, labels = demo.demo_classification(split)
            dataset = tf.data.Dataset.from_tensor_slices((texts, tf.constant(labels, tf.int64)))
            info.label_names, info.num_examples = list(demo.LABEL_NAMES), len(texts)
    elif name not in TFDS_DATASETS and (os.path.exists(name) or _looks_like_path(name)):
        dataset, info = _load_local(
            name, split, task, label_names, format, text_column, label_column
        )
        info.spec = spec
    else:
        if name not in TFDS_DATASETS and not _is_tfds_name(name):
            raise unknown_name("dataset", name, [*list_datasets(), "<a local path>"])
        dataset, tfds_labels = load_tfds(name, split=split, data_dir=data_dir)
        info = DatasetInfo(spec, split, "tfds", tfds_labels, None)
        if task == "translation":
            raise ValueError(f"TFDS dataset {name!r} is not read as sentence pairs: give a `source<TAB>target` file.")
        if task == "classification" and tfds_labels is None:
            raise ValueError(f"TFDS dataset {name!r} has no labels: it is for language modelling.")
        if task == "language_modeling" and tfds_labels is not None:
            dataset = dataset.map(lambda text, label: text)
    return (dataset, info) if with_info else dataset


def _looks_like_path(name):
    return name.startswith((".", "/", "~")) or os.path.splitext(name)[1] != ""


def _is_tfds_name(name):
    import tensorflow_datasets as tfds

    return name in tfds.list_builders()


def _load_local(path, split, task, label_names, format, text_column, label_column):
    if format is not None and format not in FORMATS:
        raise unknown_name("format", format, FORMATS)
    examples = read_local(
        path, format=format, task=task, split=split, text_column=text_column, label_column=label_column
    )
    if examples.num_skipped:
        logger.warning("%s: skipped %d example(s) with empty text", path, examples.num_skipped)
    if not examples.texts:
        raise DataFormatError(f"{path}: no examples with text")
    info = DatasetInfo(path, split, "local", None, len(examples.texts), examples.num_skipped)
    if task == "language_modeling":
        return tf.data.Dataset.from_tensor_slices(examples.texts), info
    if task == "translation":
        if not examples.labels:
            raise DataFormatError(f"{path}: no target texts; translation reads `source<TAB>target` lines")
        return tf.data.Dataset.from_tensor_slices((examples.texts, examples.labels)), info
    if not examples.labels:
        raise DataFormatError(f"{path}: a plain text file has no labels; use it for language modelling")
    info.label_names = list(label_names) if label_names else infer_label_names(examples.labels)
    ids = encode_labels(examples.labels, info.label_names, examples.lines)
    dataset = tf.data.Dataset.from_tensor_slices((examples.texts, tf.constant(ids, tf.int64)))
    return dataset, info


__all__ = ["DataFormatError", "DatasetInfo", "DatasetUnavailableError", "list_datasets", "load", "parse_spec"]
