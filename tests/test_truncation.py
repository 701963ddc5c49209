"""Length caps: whole documents for the linear-cost models, and every cut text counted and reported."""

import logging

import numpy as np
import pytest
import tensorflow as tf

import kzoo
from kzoo.registry import WHOLE_TEXT_MAX_LENGTH, get_spec
from kzoo.text import CharPreprocessor, TranslationPreprocessor, WordPiecePreprocessor, WordPreprocessor
from kzoo.training.truncation import count_truncated

TEXTS = ["", "one", "one two three", "one two three four five", "unbelievably unremarkable", "naïve café au lait",
         "短い文です", "one, two; three!"]


def _preprocessors(length):
    word = WordPreprocessor(max_tokens=50, sequence_length=length)
    word.adapt(TEXTS)
    char = CharPreprocessor(sequence_length=length)
    char.adapt(TEXTS)
    return [word, char, WordPiecePreprocessor.from_checkpoint("all_minilm_l6_v2", sequence_length=length)]


@pytest.mark.parametrize("length", [3, 5, 12])
def test_truncated_says_exactly_which_texts_tokenize_cuts(length):
    texts = tf.constant([text.encode() for text in TEXTS] + [b"a\xff\xfe invalid bytes"])
    for preprocessor in _preprocessors(length):
        whole = [len(ids) + preprocessor.special_tokens for ids in preprocessor.encode(texts).to_list()]
        expected = [count > length for count in whole]
        assert preprocessor.truncated(texts).numpy().tolist() == expected, type(preprocessor).__name__
        kept = preprocessor.tokenize(texts).row_lengths().numpy()
        np.testing.assert_array_equal(kept, np.minimum(whole, length))


def test_a_translation_pair_is_cut_when_either_side_is():
    pairs = tf.data.Dataset.from_tensor_slices((["hi", "one two three four five six", "hi"],
                                                ["你好", "一二", "一二三四五六七八九十"]))
    preprocessor = TranslationPreprocessor(sequence_length=5)
    preprocessor.adapt(pairs)
    assert count_truncated("translation", pairs, preprocessor) == {"truncated": 2, "examples": 3, "share": 2 / 3}
    assert count_truncated("language_modeling", tf.data.Dataset.from_tensors("abc"), preprocessor) is None


def test_linear_cost_models_read_whole_documents_and_the_others_keep_their_caps():
    document = " ".join(["word"] * 3000)
    for name in ("bag_of_embeddings_classifier", "cnn_classifier"):
        spec = get_spec(name)
        preprocessor = spec.make_preprocessor(spec.hyperparameters())
        assert preprocessor.sequence_length == WHOLE_TEXT_MAX_LENGTH
        assert not preprocessor.truncated([document]).numpy()[0]
    for name, cap in (("lstm_classifier", 256), ("transformer_classifier", 128), ("bert_classifier", 128)):
        spec = get_spec(name)
        assert spec.make_preprocessor(spec.hyperparameters()).sequence_length == cap, name


def test_train_reports_the_texts_it_cuts(tmp_path, caplog):
    with caplog.at_level(logging.WARNING, logger="kzoo"):
        metrics = kzoo.train("bag_of_embeddings_classifier", preset="tiny", dataset="demo:train[:200]", epochs=1,
                             max_length=8, run_dir=str(tmp_path / "run"), verbose=0, jit_compile=False)
    texts = [text for text, _ in kzoo.data.load("demo:train[:200]").as_numpy_iterator()]
    preprocessor = kzoo.load_run(str(tmp_path / "run")).preprocessor
    longer = sum(len(ids) > 8 for ids in preprocessor.encode(tf.constant(texts)).to_list())
    report = metrics["truncation"]
    assert report["max_length"] == 8 and 0 < longer < len(texts)
    assert report["train"]["truncated"] + report["validation"]["truncated"] == longer
    assert report["train"]["examples"] + report["validation"]["examples"] == len(texts)
    assert f"{report['train']['truncated']} of {report['train']['examples']} train texts" in caplog.text
    assert "longer than 8 tokens" in caplog.text and "--max-length" in caplog.text
