"""tf.data pipelines: tokenize -> cache -> shuffle -> bucket by length -> batch -> prefetch.

Bucketing pads each batch only up to its bucket's boundary, so XLA compiles one
program per bucket (a handful) and short texts do not pay for long ones.
"""

import tensorflow as tf

AUTOTUNE = tf.data.AUTOTUNE
BUCKET_LENGTHS = (16, 32, 64, 128, 256, 512, 1024)
TOKENIZE_BATCH = 256


def bucket_lengths(max_length):
    """The padded lengths used for `max_length`: the standard ones below it, then it."""
    return [length for length in BUCKET_LENGTHS if length < max_length] + [max_length]


def classification_batches(
    dataset,
    tokenizer,
    *,
    batch_size,
    max_length,
    shuffle=False,
    seed=0,
    drop_remainder=False,
    fixed_length=False,
    keep_order=False,
    model_inputs=None,
):
    """`(text, label)` -> batches of `(padded ids, label)` ready for a compiled step.

    Args:
        tokenizer: maps a batch of strings to ragged int ids (see `kzoo.text`).
        fixed_length: pad every batch to `max_length` (one static shape: TPUs).
        keep_order: one padded batch after another, in input order (prediction).
        model_inputs: maps a padded id batch to the model's inputs (BERT's dict).

    Example:
        >>> batches = classification_batches(kzoo.data.load("demo"), vectorizer,
        ...                                  batch_size=32, max_length=128, shuffle=True)
    """
    # Tokenizing a batch of strings at a time is several times faster than one
    # string at a time; unbatching gives back one variable-length example each.
    def tokenize(texts, labels):
        ragged = tokenizer(texts)[:, :max_length]
        return ragged.to_tensor(), tf.cast(ragged.row_lengths(), tf.int32), labels

    ids = (
        dataset.batch(TOKENIZE_BATCH)
        .map(tokenize, num_parallel_calls=AUTOTUNE)
        .unbatch()
        .map(lambda token_ids, length, label: (token_ids[:length], label), num_parallel_calls=AUTOTUNE)
        .cache()
    )
    if shuffle:
        ids = ids.shuffle(10_000, seed=seed, reshuffle_each_iteration=True)
    if fixed_length or keep_order:
        length = max_length if fixed_length else None
        batches = ids.padded_batch(batch_size, padded_shapes=([length], []), drop_remainder=drop_remainder)
    else:
        lengths = bucket_lengths(max_length)
        # One bucket per length, padded to it; the extra last bucket stays empty
        # because ids were cut to `max_length`.
        batches = ids.bucket_by_sequence_length(
            lambda token_ids, label: tf.shape(token_ids)[0],
            bucket_boundaries=[length + 1 for length in lengths],
            bucket_batch_sizes=[batch_size] * (len(lengths) + 1),
            pad_to_bucket_boundary=True,
            drop_remainder=drop_remainder,
        )
    if model_inputs is not None:
        batches = batches.map(lambda token_ids, label: (model_inputs(token_ids), label), num_parallel_calls=AUTOTUNE)
    return batches.prefetch(AUTOTUNE)


def language_model_batches(texts, tokenizer, *, window, batch_size, shuffle=False, seed=0):
    """Text -> `(ids[:-1], ids[1:])` windows: every position of a window is a target.

    Windows do not overlap, so one epoch predicts each token of the text once.
    """
    ids = texts.map(tokenizer, num_parallel_calls=AUTOTUNE).unbatch()
    windows = ids.batch(window + 1, drop_remainder=True).cache()
    if shuffle:
        windows = windows.shuffle(10_000, seed=seed, reshuffle_each_iteration=True)
    pairs = windows.map(lambda w: (w[:-1], w[1:]), num_parallel_calls=AUTOTUNE)
    return pairs.batch(batch_size, drop_remainder=True).prefetch(AUTOTUNE)


def split_validation(dataset, *, fraction=0.1, seed=0):
    """A seeded `(train, validation)` split of a finite dataset, by example."""

    def in_validation(index, example):
        draw = tf.random.stateless_uniform([], seed=tf.stack([tf.cast(seed, tf.int64), index]))
        return draw < fraction

    def in_train(index, example):
        return tf.logical_not(in_validation(index, example))

    def drop_index(index, example):
        return example

    indexed = dataset.enumerate()
    return indexed.filter(in_train).map(drop_index), indexed.filter(in_validation).map(drop_index)


def count_batches(batches):
    """Iterates once (which also fills the cache) and returns the number of batches."""
    return int(batches.reduce(tf.constant(0, tf.int64), lambda count, _: count + 1))
