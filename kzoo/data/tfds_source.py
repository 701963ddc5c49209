"""TensorFlow Datasets as `(text, label)` or text, with a fast failure offline."""

import socket

import tensorflow as tf

# name -> (text keys joined with a space, label key or None)
TFDS_DATASETS = {
    "imdb_reviews": (("text",), "label"),
    "glue/sst2": (("sentence",), "label"),
    "ag_news_subset": (("title", "description"), "label"),
    "yelp_polarity_reviews": (("text",), "label"),
    "tiny_shakespeare": (("text",), None),
}
# Where TFDS downloads from; checked before a download so that no network fails
# in seconds instead of after minutes of retries.
_DOWNLOAD_HOST = ("storage.googleapis.com", 443)


class DatasetUnavailableError(RuntimeError):
    """A dataset that is neither prepared locally nor downloadable."""


def network_reachable(timeout=3.0):
    try:
        with socket.create_connection(_DOWNLOAD_HOST, timeout=timeout):
            return True
    except OSError:
        return False


def _prepare(builder, name, data_dir):
    try:
        prepared = builder.is_prepared()
    except Exception:  # noqa: BLE001 - an unreadable cache counts as not prepared
        prepared = False
    if prepared:
        return
    if not network_reachable():
        raise DatasetUnavailableError(
            f"TFDS dataset {name!r} is not prepared in {data_dir or builder.data_dir!r} and cannot be "
            "downloaded: no network. Prepare it on a machine with network and pass its data_dir "
            "(--data-dir), or point --dataset at local files (a class-per-folder tree, CSV/TSV/JSONL, "
            "'<label> <text>' lines, or a plain text file)."
        )
    builder.download_and_prepare()


def load_tfds(name, *, split, data_dir=None):
    """`(dataset, label_names)` for a TFDS text dataset.

    The dataset yields `(text, label)` pairs, or text alone when the dataset has
    no label (language modelling); `label_names` is then None.
    """
    import tensorflow_datasets as tfds

    text_keys, label_key = TFDS_DATASETS.get(name, (("text",), "label"))
    builder = tfds.builder(name, data_dir=data_dir)
    _prepare(builder, name, data_dir)
    dataset = builder.as_dataset(split=split)

    def to_example(features):
        text = tf.strings.reduce_join([features[key] for key in text_keys], separator=" ")
        if label_key is None:
            return text
        return text, tf.cast(features[label_key], tf.int64)

    dataset = dataset.map(to_example, num_parallel_calls=tf.data.AUTOTUNE)
    if label_key is None:
        return dataset, None
    feature = builder.info.features[label_key]
    label_names = list(feature.names) if hasattr(feature, "names") else None
    if label_key and "test" in split and name == "glue/sst2":
        raise DatasetUnavailableError("glue/sst2's test split has no labels (-1); evaluate on `validation`.")
    return dataset, label_names
