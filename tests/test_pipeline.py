"""tf.data pipelines: ids only, a few static shapes, deterministic splits."""

import numpy as np
import tensorflow as tf

import kzoo
from kzoo.data.pipeline import (
    SHUFFLE_BUFFER,
    bucket_lengths,
    classification_batches,
    count_batches,
    language_model_batches,
    split_validation,
)
from kzoo.text import CharPreprocessor, WordPiecePreprocessor, WordPreprocessor


def _demo_vectorizer(sequence_length=64):
    vectorizer = WordPreprocessor(max_tokens=1000, sequence_length=sequence_length)
    vectorizer.adapt(kzoo.data.load("demo"))
    return vectorizer


def test_bucketed_batches_have_few_static_lengths_and_no_strings():
    vectorizer = _demo_vectorizer()
    batches = classification_batches(kzoo.data.load("demo"), vectorizer, batch_size=32, shuffle=True)
    lengths = set()
    for ids, labels in batches:
        assert ids.dtype == tf.int32 and labels.dtype == tf.int64
        lengths.add(int(ids.shape[1]))
    assert lengths <= set(bucket_lengths(64)) and len(lengths) <= 3


def _reference_batches(data, preprocessor, *, batch_size, seed):
    """The batches tf.data's own `bucket_by_sequence_length` makes of the same shuffled examples."""
    examples = data.map(lambda text, label: (preprocessor.tokenize(text), label))
    examples = examples.shuffle(SHUFFLE_BUFFER, seed=seed, reshuffle_each_iteration=False)
    lengths = bucket_lengths(preprocessor.sequence_length)
    return examples.bucket_by_sequence_length(
        lambda ids, label: tf.shape(ids)[0], bucket_boundaries=[length + 1 for length in lengths],
        bucket_batch_sizes=[batch_size] * (len(lengths) + 1), pad_to_bucket_boundary=True)


def test_bucketed_batches_are_those_of_tf_data_bucket_by_sequence_length():
    # Seeded quality figures hold only while a seed gives the very same batches.
    data = kzoo.data.load("demo")
    encoder = WordPiecePreprocessor(max_tokens=300, sequence_length=20)
    encoder.adapt(data)
    ours = list(classification_batches(data, encoder, batch_size=16, shuffle=True, seed=5))
    reference = list(_reference_batches(data, encoder, batch_size=16, seed=5))
    assert len(ours) == len(reference) > 10
    assert len({ids.shape[1] for ids, _ in ours}) == 2  # both buckets, 16 and 20, in use
    for (ids, labels), (expected_ids, expected_labels) in zip(ours, reference):
        assert ids.dtype == expected_ids.dtype
        np.testing.assert_array_equal(ids, expected_ids)
        np.testing.assert_array_equal(labels, expected_labels)


def test_fixed_length_batches_for_tpu():
    vectorizer = _demo_vectorizer(sequence_length=24)
    batches = classification_batches(
        kzoo.data.load("demo"), vectorizer, batch_size=32, fixed_length=True, drop_remainder=True
    )
    assert batches.element_spec[0].shape.as_list() == [32, 24]


def test_keep_order_preserves_input_order():
    vectorizer = _demo_vectorizer(sequence_length=16)
    texts = ["the film was good and the cast was good", "bad", "the plot felt dull"]
    data = tf.data.Dataset.from_tensor_slices((texts, tf.zeros(3, tf.int64)))
    (ids, _), = list(classification_batches(data, vectorizer, batch_size=8, keep_order=True))
    np.testing.assert_array_equal(ids[1, :1], vectorizer.encode(tf.constant("bad")))
    direct = vectorizer(texts)  # the same ids as the preprocessor layer gives, padded to a bucket length
    assert ids.shape[1] in bucket_lengths(16)
    np.testing.assert_array_equal(ids[:, : direct.shape[1]], direct)
    assert not np.any(ids[:, direct.shape[1]:])


def test_split_validation_is_seeded_and_disjoint():
    data = tf.data.Dataset.from_tensor_slices(tf.range(1000))
    train, validation = split_validation(data, fraction=0.1, seed=3)
    train_ids = set(train.as_numpy_iterator())
    validation_ids = set(validation.as_numpy_iterator())
    assert not train_ids & validation_ids and len(train_ids | validation_ids) == 1000
    assert 50 < len(validation_ids) < 150
    again = set(split_validation(data, fraction=0.1, seed=3)[1].as_numpy_iterator())
    assert again == validation_ids


def test_language_model_windows_predict_the_next_character():
    text = "to be or not to be, that is the question\n" * 20
    tokenizer = CharPreprocessor(sequence_length=10)
    tokenizer.adapt([text])
    batches = language_model_batches(tf.data.Dataset.from_tensors(text), tokenizer, batch_size=4)
    inputs, targets = next(iter(batches))
    assert inputs.shape == (4, 10) and targets.shape == (4, 10)
    np.testing.assert_array_equal(inputs[:, 1:], targets[:, :-1])
    assert tokenizer.detokenize(inputs[0]) == text[:10]
    assert count_batches(batches) == len(text) // 11 // 4


def test_shuffled_language_model_passes_cut_the_text_at_a_seeded_offset():
    text = "".join(chr(ord("a") + i % 26) + chr(ord("A") + i // 26 % 26) for i in range(300))
    tokenizer = CharPreprocessor(sequence_length=10)
    tokenizer.adapt([text])

    def windows(seed):
        batches = language_model_batches(tf.data.Dataset.from_tensors(text), tokenizer, batch_size=2, shuffle=True,
                                         seed=seed)
        return [tokenizer.detokenize(np.append(inputs[i], targets[i, -1]))
                for inputs, targets in batches for i in range(2)]

    first = windows(0)
    assert first == windows(0)  # a seed fixes the pass: a resumed epoch sees the same windows
    assert all(len(window) == 11 and window in text for window in first)
    offsets = {min(text.index(window) % 11 for window in windows(seed)) for seed in range(8)}
    assert len(offsets) > 1  # other seeds cut the text elsewhere (an unshuffled pass always starts at 0)
    whole_batches = (len(text) // 11 - 1) // 2 * 2  # an offset loses one window at most
    assert all(len(windows(seed)) >= whole_batches for seed in range(8))


def test_wordpiece_batches_become_bert_inputs():
    encoder = WordPiecePreprocessor(max_tokens=60, sequence_length=16, bert_inputs=True)
    encoder.adapt(["a good film", "a bad film"] * 20)
    data = tf.data.Dataset.from_tensor_slices((["a good film", "bad"], tf.constant([1, 0], tf.int64)))
    (inputs, _), = list(classification_batches(data, encoder, batch_size=2, keep_order=True))
    assert set(inputs) == {"token_ids", "segment_ids", "padding_mask"}
    assert inputs["token_ids"][0, 0] == encoder.vocabulary.index("[CLS]")
    np.testing.assert_array_equal(inputs["padding_mask"], inputs["token_ids"] != 0)


def test_text_batches_run_without_tf_data_autotuning():
    # Its tuner thread held the end of every pass to its next wake-up (a 6.4 s epoch took 10.24 s).
    model = kzoo.create_model("lstm_language_model", preset="tiny")
    model.preprocessor.adapt(["to be or not to be"])
    batches = model.text_batches(["to be or not to be, that is the question"])
    assert batches.options().autotune.enabled is False
