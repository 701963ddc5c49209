"""Models that take text: raw strings through fit/evaluate/predict/save, the serving export, bad input."""

import json
import subprocess
import sys
import textwrap
import warnings

import keras
import numpy as np
import pytest
import tensorflow as tf

import kzoo
from kzoo.data import demo
from kzoo.pretrained import resolve_checkpoint
from kzoo.serving import classify_exported, export_model, load_exported
from kzoo.text import NotAdaptedError

CLASSIFIERS = [name for name in kzoo.list_models() if kzoo.get_spec(name).output_kind == "class_logits"]
BAD_TEXTS = ["", "   \t\n", b"caf\xe9 \xff\xfe".decode("latin-1"), "good " * 200_000, "a good film"]
NON_UTF8 = b"caf\xe9 \xff\xfe film"  # Latin-1 bytes: not valid UTF-8


def _demo(split, count):
    texts, labels = demo.demo_classification(split)
    return list(texts[:count]), np.asarray(labels[:count], np.int64)


def _has_minilm():
    try:
        resolve_checkpoint("all_minilm_l6_v2")
        return True
    except ModuleNotFoundError:
        return False


def _tiny_text_model(name, train_texts):
    model = kzoo.create_model(name, preset="tiny", max_length=16)
    if not model.preprocessor.is_adapted:
        model.preprocessor.adapt(train_texts)
    return model


@pytest.mark.parametrize("name", CLASSIFIERS)
def test_the_readme_snippet_runs_as_written_with_the_default_preset(name):
    """The issue's snippet, default presets (MiniLM WordPiece, BERT fine-tuning), on a slice of the demo data."""
    if not _has_minilm():
        pytest.skip("offline MiniLM checkpoint not installed")
    train_texts, train_labels = _demo("train", 32)
    dev_texts, dev_labels = _demo("validation", 16)
    model = kzoo.create_model(name, num_classes=2, max_length=16)
    if not model.preprocessor.is_adapted:  # the MiniLM presets bring their vocabulary
        model.preprocessor.adapt(train_texts)
    model.compile()
    history = model.fit(train_texts, train_labels, validation_data=(dev_texts, dev_labels), epochs=1,
                        batch_size=32, verbose=0)
    assert np.isfinite(history.history["loss"][0]) and "val_accuracy" in history.history
    logits = model.predict(["a gripping, beautifully acted film"], verbose=0)
    assert logits.shape == (1, 2) and np.all(np.isfinite(logits))


@pytest.mark.parametrize("name", CLASSIFIERS)
def test_raw_strings_fit_evaluate_predict_and_keras_round_trip(name, tmp_path):
    texts, labels = _demo("train", 64)
    model = _tiny_text_model(name, texts)
    model.compile(jit_compile=False)  # XLA is the contract tests' business; here, the text paths
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        model.fit(texts, labels, epochs=1, batch_size=16, verbose=0)
    assert not [w for w in caught if "ran out of data" in str(w.message)]  # Keras's needless warning on buckets
    dataset = tf.data.Dataset.from_tensor_slices((texts, labels))
    model.fit(dataset, epochs=1, batch_size=16, verbose=0)  # unbatched: bucketed by kzoo
    model.fit(dataset.batch(16), epochs=1, verbose=0)  # batched: preprocessed batch by batch
    loss, accuracy = model.evaluate(texts, labels, verbose=0)
    assert np.isfinite(loss) and 0 <= accuracy <= 1

    # predict keeps the input order, whatever the padding of each batch
    together = model.predict(texts[:10], batch_size=4, verbose=0)
    alone = np.concatenate([model.predict([text], verbose=0) for text in texts[:10]])
    np.testing.assert_allclose(together, alone, atol=1e-5)

    path = tmp_path / "model.keras"
    model.save(path)
    restored = kzoo.load_model(path)
    assert restored.preprocessor.vocabulary == model.preprocessor.vocabulary
    np.testing.assert_allclose(restored.predict(texts[:8], verbose=0), model.predict(texts[:8], verbose=0),
                               atol=1e-6)


def test_bert_compile_defaults_fine_tune_with_warmup():
    model = kzoo.create_model("bert_classifier", preset="tiny", max_length=16)
    model.preprocessor.adapt(_demo("train", 64)[0])
    model.compile(jit_compile=False)
    assert type(model.optimizer).__name__ == "AdamW"
    assert float(model.optimizer.learning_rate) == pytest.approx(5e-5)
    texts, labels = _demo("train", 40)
    model.fit(texts, labels, epochs=2, batch_size=8, verbose=0)
    schedule = model.optimizer._learning_rate
    assert isinstance(schedule, keras.optimizers.schedules.CosineDecay)
    # 10% of 2 epochs x 5 steps of warmup: one step, then cosine decay from 5e-5.
    assert schedule.warmup_steps == 1 and schedule.warmup_target == pytest.approx(5e-5)


def _trained_language_model(text):
    """A tiny char LSTM fitted for one epoch on `text`, in ordinary Keras code."""
    model = kzoo.create_model("lstm_language_model", preset="tiny", vocabulary_size=64, lstm_units=16, max_length=16)
    model.preprocessor.adapt([text])
    model.compile()
    model.fit([text], epochs=1, batch_size=4, verbose=0)
    return model


def test_language_model_fits_and_generates_from_raw_text(tmp_path):
    model = _trained_language_model("to be or not to be, that is the question. " * 30)
    first = model.generate(["to be", "that"], max_length=12)
    assert first[0].startswith("to be") and first[1].startswith("that")
    model.save(tmp_path / "lm.keras")
    restored = keras.saving.load_model(tmp_path / "lm.keras", safe_mode=True)
    assert restored.generate(["to be", "that"], max_length=12) == first
    with pytest.raises(TypeError, match="generate"):
        model.predict(["to be"])


def test_fresh_process_reloads_keras_file_and_savedmodel_with_identical_outputs(tmp_path):
    texts, labels = _demo("train", 64)
    model = _tiny_text_model("lstm_classifier", texts)
    model.compile()
    model.fit(texts, labels, epochs=1, verbose=0)
    model.save(tmp_path / "model.keras")
    export_dir = export_model(model, str(tmp_path / "export"), label_names=["negative", "positive"])
    probe = ["a gripping, beautifully acted film", "", "dull and far too long"]
    expected = keras.ops.convert_to_numpy(keras.ops.softmax(model.predict(probe, verbose=0)))

    # One fresh process: first a server (TensorFlow and the exported folder only: kzoo is not imported),
    # then a Keras user loading the .keras file.
    script = textwrap.dedent(f"""
        import json, sys
        import tensorflow as tf
        serve = tf.saved_model.load({export_dir!r}).signatures["serving_default"]
        out = serve(text=tf.constant({probe!r}))
        served = {{"p": out["probabilities"].numpy().tolist(), "label": [x.decode() for x in out["label"].numpy()],
                   "kzoo_imported": "kzoo" in sys.modules}}
        import keras, kzoo.models  # importing kzoo.models registers kzoo's classes with Keras
        model = keras.saving.load_model({str(tmp_path / "model.keras")!r}, safe_mode=True)
        reloaded = keras.ops.convert_to_numpy(keras.ops.softmax(model.predict({probe!r}, verbose=0))).tolist()
        print(json.dumps({{"served": served, "reloaded": reloaded}}))
    """)
    result = json.loads(subprocess.run([sys.executable, "-c", script], check=True, capture_output=True,
                                       text=True).stdout.strip().splitlines()[-1])
    served = result["served"]
    assert served["kzoo_imported"] is False
    np.testing.assert_allclose(served["p"], expected, atol=1e-5)
    assert served["label"] == [["negative", "positive"][i] for i in np.argmax(expected, -1)]
    np.testing.assert_allclose(result["reloaded"], expected, atol=1e-6)


@pytest.mark.parametrize("name", ["bag_of_embeddings_classifier", "lstm_classifier", "bert_classifier"])
def test_bad_input_gives_defined_outputs_everywhere(name, tmp_path):
    """Words (bag, LSTM: empty rows) and WordPiece (BERT) preprocessors; the transformer shares the word path."""
    texts, labels = _demo("train", 48)
    model = _tiny_text_model(name, texts)
    model.compile(jit_compile=False)
    preprocessor = model.preprocessor

    empty = preprocessor(tf.constant([], tf.string))
    ids = empty["token_ids"] if isinstance(empty, dict) else empty
    assert ids.shape[0] == 0
    batch = preprocessor(BAD_TEXTS + [NON_UTF8])
    ids = batch["token_ids"] if isinstance(batch, dict) else batch
    assert ids.shape[0] == len(BAD_TEXTS) + 1 and ids.shape[1] <= preprocessor.sequence_length  # 1 MB cut

    assert model.predict([], verbose=0).shape == (0, 2)
    logits = model.predict(BAD_TEXTS, verbose=0)
    assert logits.shape == (len(BAD_TEXTS), 2) and np.all(np.isfinite(logits))

    signature = load_exported(export_model(model, str(tmp_path / "export"), label_names=["n", "p"]))
    assert classify_exported(signature, [])["probabilities"].shape == (0, 2)
    served = signature(text=tf.constant([t.encode() for t in BAD_TEXTS] + [NON_UTF8]))
    probabilities = served["probabilities"].numpy()
    assert probabilities.shape == (len(BAD_TEXTS) + 1, 2) and np.all(np.isfinite(probabilities))
    np.testing.assert_allclose(probabilities[: len(BAD_TEXTS)],
                               keras.ops.convert_to_numpy(keras.ops.softmax(logits)), atol=1e-5)


def test_a_vocabulary_never_adapted_is_a_clear_error(tmp_path):
    model = kzoo.create_model("lstm_classifier", preset="tiny")
    model.compile()
    message = r"no vocabulary yet: call `model.preprocessor.adapt\(texts\)`"
    with pytest.raises(NotAdaptedError, match=message):
        model.predict(["a film"])
    with pytest.raises(NotAdaptedError, match=message):
        model.fit(["a film", "another"], [0, 1])
    with pytest.raises(NotAdaptedError, match=message):
        model.preprocessor(["a film"])
    with pytest.raises(NotAdaptedError, match=message):
        export_model(model, str(tmp_path / "export"))
    with pytest.raises(ValueError, match="found no words"):
        model.preprocessor.adapt(["", "  "])
    with pytest.raises(TypeError, match="not one string"):
        model.preprocessor.adapt(["fine"]) or model.predict("a single string")
    ids_only = kzoo.create_model("lstm_classifier", preset="tiny", preprocessor=None)
    with pytest.raises(TypeError, match="takes token ids, not text"):
        ids_only.predict(["a film"])


def test_exported_language_model_generates_what_generate_gives(tmp_path):
    model = _trained_language_model("the cat sat on the mat. the dog sat on the log. " * 20)
    signature = load_exported(export_model(model, str(tmp_path / "lm"), sampler="greedy"))
    prompts = ["the cat", "t"]
    served = signature(prompt=tf.constant(prompts), num_tokens=tf.constant(10), seed=tf.constant(0))["text"]
    assert [x.decode() for x in served.numpy()] == model.generate(prompts, max_length=10)
    with pytest.raises(tf.errors.InvalidArgumentError, match="at least one token"):
        signature(prompt=tf.constant(["the", ""]), num_tokens=tf.constant(10), seed=tf.constant(0))
