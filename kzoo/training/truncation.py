"""How many texts of each split a model sees cut to its length cap, said in the log and in metrics.json."""

import logging

import tensorflow as tf

logger = logging.getLogger("kzoo")
COUNT_BATCH = 1024


def count_truncated(task, data, preprocessor):
    """`{"truncated": n, "examples": m, "share": n / m}` for one split, or None where nothing is ever cut.

    Language models read windows of one token stream, so none of their text is
    dropped; translation pairs count as cut when either side is.

    Example:
        >>> count_truncated("classification", kzoo.data.load("demo"), model.preprocessor)
        {'truncated': 0, 'examples': 2400, 'share': 0.0}
    """
    if task == "language_modeling":
        return None
    if task == "translation":
        flags = data.batch(COUNT_BATCH).map(preprocessor.truncated_pairs)
    else:
        flags = data.batch(COUNT_BATCH).map(lambda texts, labels: preprocessor.truncated(texts))
    zero = tf.constant(0, tf.int64)
    truncated, examples = flags.reduce(
        (zero, zero),
        lambda total, cut: (total[0] + tf.math.count_nonzero(cut), total[1] + tf.size(cut, out_type=tf.int64)),
    )
    truncated, examples = int(truncated), int(examples)
    return {"truncated": truncated, "examples": examples, "share": truncated / examples if examples else 0.0}


def truncation_report(task, splits, preprocessor):
    """`{"max_length": cap, split: count_truncated(...)}` for the splits given (None: a language model).

    A split with texts cut is logged as a warning naming the count, the share
    and the option that raises the cap.
    """
    if task == "language_modeling":
        return None
    counts = {name: count_truncated(task, data, preprocessor) for name, data in splits.items() if data is not None}
    for name, count in counts.items():
        if count["truncated"]:
            logger.warning(
                "%d of %d %s texts (%.1f%%) are longer than %d tokens and are cut to it; `max_length` "
                "(--max-length) raises the cap.", count["truncated"], count["examples"], name, 100 * count["share"],
                preprocessor.sequence_length,
            )
    return {"max_length": preprocessor.sequence_length, **counts}
