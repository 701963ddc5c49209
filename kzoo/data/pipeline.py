"""tf.data pipelines: tokenize -> cache -> shuffle -> bucket by length -> batch -> prefetch.

Bucketing pads each batch only up to its bucket's boundary, so XLA compiles one
program per bucket (a handful) and short texts do not pay for long ones.
"""

import tensorflow as tf

AUTOTUNE = tf.data.AUTOTUNE
BUCKET_LENGTHS = (16, 32, 64, 128, 256, 512, 1024, 2048)
TOKENIZE_BATCH = 256


def bucket_lengths(max_length):
    """The padded lengths used for `max_length`: the standard ones below it, then it."""
    return [length for length in BUCKET_LENGTHS if length < max_length] + [max_length]


def bucket_indices(lengths, max_length):
    """The index in `bucket_lengths(max_length)` of the shortest length that holds each of `lengths` (int64)."""
    bounds = tf.constant(bucket_lengths(max_length), tf.int64)
    return tf.searchsorted(bounds, tf.cast(lengths, tf.int64), side="left", out_type=tf.int64)


def bucket_length(buckets, max_length):
    """The length of the longest of `buckets` (indices from `bucket_indices`): a batch's padded length."""
    return tf.gather(tf.constant(bucket_lengths(max_length), tf.int64), tf.reduce_max(buckets))


def batched_by_bucket(examples, *, batch_size, drop_remainder=False):
    """Batches of examples from one bucket each, in the order `Dataset.bucket_by_sequence_length` gives.

    Each example's last component is its bucket index. A key function that
    only picks a component is not run per example: tf.data short-circuits it.
    """
    return examples.group_by_window(
        key_func=lambda *example: example[-1],
        reduce_func=lambda bucket, window: window.batch(batch_size, drop_remainder=drop_remainder),
        window_size=batch_size,
    )


SHUFFLE_BUFFER = 10_000


def without_autotuning(dataset):
    """`dataset` with tf.data's autotuning off, for passes that run to their end, epoch after epoch.

    The autotuning thread sleeps 10 ms, 20 ms, 40 ms, ... between rounds, and a
    pass did not end before it woke: an epoch of 6.4 s of steps took 10.24 s,
    others 20.48 s (TF 2.21, CPU; kzoo's loop and Keras `fit` alike). Without it,
    AUTOTUNE maps run one call per core, as fast here.
    """
    options = tf.data.Options()
    options.autotune.enabled = False
    return dataset.with_options(options)


def epoch_seed(seed, epoch):
    """The shuffling seed of one epoch: a function of the run's seed and the epoch alone.

    So a resumed run shuffles its later epochs exactly as the uninterrupted run
    would have (tf.data's own reshuffling restarts with every new pipeline).
    """
    return seed * 100_003 + epoch


def pad_to_bucket(token_ids, max_length):
    """Pads a `(batch, length)` id batch up to the next bucket length (see `bucket_lengths`).

    So a compiled predict step sees a handful of shapes, not one per batch.
    """
    length = tf.shape(token_ids, out_type=tf.int64)[1]
    target = bucket_length(bucket_indices([length], max_length), max_length)
    return tf.pad(token_ids, [[0, 0], [0, target - length]])


def tokenized_examples(dataset, preprocessor):
    """`(text, label)` -> cached `(ids, label, bucket)` examples.

    `ids` are cut to the preprocessor's `sequence_length`; `bucket` is the
    index of the shortest of its `bucket_lengths` that holds them.
    """
    # All per-example work happens here, a batch of strings at a time: tf.data
    # runs a function once per example at ~15-20 µs each on 2 cores, more than
    # WordPiece takes per sentence. Unbatching ragged ids gives one
    # variable-length example each without any.
    def tokenize(texts, labels):
        ids = preprocessor.tokenize(texts)
        return ids, labels, bucket_indices(ids.row_lengths(), preprocessor.sequence_length)

    return dataset.batch(TOKENIZE_BATCH).map(tokenize, num_parallel_calls=AUTOTUNE).unbatch().cache()


def _shuffled(dataset, shuffle, seed):
    """A seed fixes the order (one pass: kzoo.train seeds each epoch); no seed reshuffles every pass."""
    if not shuffle:
        return dataset
    return dataset.shuffle(SHUFFLE_BUFFER, seed=seed, reshuffle_each_iteration=seed is None)


def batch_examples(examples, preprocessor, *, batch_size, shuffle=False, seed=None, drop_remainder=False,
                   fixed_length=False, keep_order=False):
    """Tokenized examples -> batches of `(model inputs, label)` ready for a compiled step.

    By default, examples are grouped by bucket and each batch is padded to its
    bucket's length, the batches `Dataset.bucket_by_sequence_length` makes.

    Args:
        shuffle, seed: shuffle with this seed (the same order every pass), or
            differently on every pass when `seed` is None.
        fixed_length: pad every batch to `sequence_length` (one static shape: TPUs).
        keep_order: one batch after another, in input order, padded to the
            bucket length of its longest example (prediction).
    """
    max_length = preprocessor.sequence_length
    examples = _shuffled(examples, shuffle, seed)
    if fixed_length or keep_order:
        batches = examples.batch(batch_size, drop_remainder=drop_remainder)
    else:
        batches = batched_by_bucket(examples, batch_size=batch_size, drop_remainder=drop_remainder)

    def padded(token_ids, label, buckets):
        if fixed_length:
            token_ids = token_ids.to_tensor(shape=[batch_size if drop_remainder else None, max_length])
        else:
            token_ids = _to_length(token_ids, bucket_length(buckets, max_length))
        return preprocessor.model_inputs(token_ids), label

    return batches.map(padded, num_parallel_calls=AUTOTUNE).prefetch(AUTOTUNE)


def _to_length(ragged_ids, length):
    """A ragged id batch -> dense, padded with 0 to `length`."""
    return ragged_ids.to_tensor(shape=tf.stack([ragged_ids.nrows(), tf.cast(length, ragged_ids.row_splits.dtype)]))


def classification_batches(dataset, preprocessor, *, batch_size, **options):
    """`(text, label)` -> batches of `(model inputs, label)`: `tokenized_examples` then `batch_examples`.

    `preprocessor` is a `kzoo.text` preprocessor: `tokenize` gives ragged ids cut
    to its `sequence_length`, `model_inputs` turns a padded id batch into the
    model's inputs (BERT's dict).

    Example:
        >>> batches = classification_batches(kzoo.data.load("demo"), model.preprocessor,
        ...                                  batch_size=32, shuffle=True)
    """
    return batch_examples(tokenized_examples(dataset, preprocessor), preprocessor, batch_size=batch_size, **options)


STREAM_LIMIT = 2**62  # ids in one language-model stream: unbounded in practice


def language_model_stream(texts, preprocessor):
    """Texts -> a cached dataset of one element: the ids of all the texts joined (1-D)."""
    ids = texts.map(preprocessor.encode, num_parallel_calls=AUTOTUNE).unbatch()
    return ids.batch(STREAM_LIMIT).cache()


def stream_windows(stream, *, window, shuffle=False, seed=None):
    """A stream of ids -> its non-overlapping windows of `window + 1` ids.

    A shuffled pass starts its first window at a random offset in
    `[0, window]` (drawn with `seed`, or anew every pass without one), so that
    each epoch cuts the text at other places: a model with learnt positions
    then sees every character at many positions and in many contexts instead
    of memorising fixed windows (nanoGPT samples its windows' starts for the
    same reason). One pass predicts each token once, but for fewer than
    `window + 1` at each end.
    """
    size = window + 1

    def cut(ids, offset):
        count = tf.maximum(tf.size(ids) - offset, 0) // size
        return tf.reshape(ids[offset:offset + count * size], [count, size])

    if shuffle:
        draws = tf.data.Dataset.random(seed=seed, rerandomize_each_iteration=seed is None)
        offsets = draws.map(lambda draw: tf.cast(draw % size, tf.int32))
    else:
        offsets = tf.data.Dataset.from_tensors(0).repeat()
    return tf.data.Dataset.zip(stream, offsets).map(cut).unbatch()


def batch_windows(stream, *, window, batch_size, shuffle=False, seed=None):
    """A stream of ids -> batches of `(ids[:-1], ids[1:])` of its windows: every position is a target."""
    windows = stream_windows(stream, window=window, shuffle=shuffle, seed=seed)
    pairs = _shuffled(windows, shuffle, seed).map(lambda w: (w[:-1], w[1:]), num_parallel_calls=AUTOTUNE)
    return pairs.batch(batch_size, drop_remainder=True).prefetch(AUTOTUNE)


def language_model_batches(texts, preprocessor, *, batch_size, shuffle=False, seed=None, window=None):
    """Texts -> batches of next-token windows (default window: the preprocessor's `sequence_length`).

    Example:
        >>> batches = language_model_batches(tf.data.Dataset.from_tensors(text), model.preprocessor,
        ...                                  batch_size=4, shuffle=True, seed=0)
    """
    return batch_windows(language_model_stream(texts, preprocessor), window=window or preprocessor.sequence_length,
                         batch_size=batch_size, shuffle=shuffle, seed=seed)


def tokenized_pairs(pairs, preprocessor):
    """`(source, target)` strings -> cached `(source ids, target ids, bucket)` examples (a `TranslationPreprocessor`).

    `bucket` holds the longer side, counting the target's added `[START]`.
    """

    def tokenize(sources, targets):  # per batch, as in `tokenized_examples`
        source_ids, target_ids = preprocessor.tokenize_pairs(sources, targets)
        longer = tf.maximum(source_ids.row_lengths(), target_ids.row_lengths() + 1)
        return source_ids, target_ids, bucket_indices(longer, preprocessor.sequence_length)

    return pairs.batch(TOKENIZE_BATCH).map(tokenize, num_parallel_calls=AUTOTUNE).unbatch().cache()


def batch_pairs(examples, preprocessor, *, batch_size, shuffle=False, seed=None, drop_remainder=False,
                fixed_length=False):
    """Tokenized pairs -> batches of `({"encoder_token_ids", "decoder_token_ids"}, labels)` for teacher forcing.

    Pairs are bucketed by their longer side and both sides padded to the
    bucket's length (one shape per bucket; `fixed_length`: one shape in all).
    """
    max_length = preprocessor.sequence_length
    preprocessor.start_id  # noqa: B018  (reads the vocabulary size eagerly, before the maps trace)
    examples = _shuffled(examples, shuffle, seed)
    if fixed_length:
        batches = examples.batch(batch_size, drop_remainder=drop_remainder)
    else:
        batches = batched_by_bucket(examples, batch_size=batch_size, drop_remainder=drop_remainder)

    def padded(source_ids, target_ids, buckets):
        if fixed_length:
            rows = batch_size if drop_remainder else None
            source = source_ids.to_tensor(shape=[rows, max_length])
            target = target_ids.to_tensor(shape=[rows, max_length - 1])
        else:
            length = bucket_length(buckets, max_length)
            source, target = _to_length(source_ids, length), _to_length(target_ids, length)
        inputs, labels = preprocessor.training_inputs(source, target, target_ids.row_lengths())
        # The target side gets one token longer ([START] / [END]): cut it back to the source's padded length.
        length = tf.shape(source)[1]
        return {"encoder_token_ids": inputs["encoder_token_ids"],
                "decoder_token_ids": inputs["decoder_token_ids"][:, :length]}, labels[:, :length]

    return batches.map(padded, num_parallel_calls=AUTOTUNE).prefetch(AUTOTUNE)


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
