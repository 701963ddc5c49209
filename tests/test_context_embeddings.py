"""The CNN's context vectors: MiniLM's states after a layer, pooled over the training texts."""

import json
import os
import subprocess
import sys

import keras
import numpy as np
import pytest

import kzoo
from kzoo.pretrained import resolve_checkpoint

CHECKPOINT = "all_minilm_l6_v2"
TEXTS = ["a fine film", "the film is dull", "a quiet , fine score"]


@pytest.fixture(scope="module")
def preprocessor():
    try:
        resolve_checkpoint(CHECKPOINT)
    except ModuleNotFoundError as error:
        pytest.skip(f"offline MiniLM checkpoint not installed: {error}")
    from kzoo.text import WordPiecePreprocessor

    return WordPiecePreprocessor.from_checkpoint(CHECKPOINT, sequence_length=16)


def _layer_states(ids, layer):
    """The checkpoint's states after `layer` (0: its embeddings) for one batch of ids, without kzoo's helpers."""
    import keras_hub

    backbone = keras_hub.models.BertBackbone.from_preset(resolve_checkpoint(CHECKPOINT))
    name = f"transformer_layer_{layer - 1}" if layer else "embeddings_layer_norm"
    probe = keras.Model(backbone.inputs, backbone.get_layer(name).output)
    return np.asarray(probe({"token_ids": ids, "segment_ids": np.zeros_like(ids), "padding_mask": ids != 0}))


def test_a_tokens_vector_is_its_mean_state_over_its_occurrences_or_its_state_alone(preprocessor):
    from kzoo.models.context_embeddings import pooled_states

    ids = preprocessor.tokenize(TEXTS).to_tensor().numpy()
    vocabulary = preprocessor.vocabulary
    states, counts = pooled_states(CHECKPOINT, layer=2, token_ids=[ids], cls_token_id=vocabulary.index("[CLS]"),
                                   sep_token_id=vocabulary.index("[SEP]"))
    expected = _layer_states(ids, 2)
    film, fine, unseen = (vocabulary.index(word) for word in ("film", "fine", "excellent"))
    assert counts[film] == 2 and counts[fine] == 2 and counts[unseen] == 0 and counts[0] == 0  # padding not counted
    np.testing.assert_allclose(states[film], expected[ids == film].mean(axis=0), rtol=1e-4, atol=1e-5)
    alone = np.array([[vocabulary.index("[CLS]"), unseen, vocabulary.index("[SEP]")]])
    np.testing.assert_allclose(states[unseen], _layer_states(alone, 2)[0, 1], rtol=1e-4, atol=1e-5)


def test_states_of_several_layers_are_averaged_before_pooling(preprocessor):
    from kzoo.models.context_embeddings import pooled_states

    ids = preprocessor.tokenize(TEXTS).to_tensor().numpy()
    vocabulary = preprocessor.vocabulary
    states, _ = pooled_states(CHECKPOINT, layer=[0, 2], token_ids=[ids], cls_token_id=vocabulary.index("[CLS]"),
                              sep_token_id=vocabulary.index("[SEP]"))
    film, unseen = vocabulary.index("film"), vocabulary.index("excellent")
    expected = (_layer_states(ids, 0) + _layer_states(ids, 2)) / 2
    np.testing.assert_allclose(states[film], expected[ids == film].mean(axis=0), rtol=1e-4, atol=1e-5)
    alone = np.array([[vocabulary.index("[CLS]"), unseen, vocabulary.index("[SEP]")]])
    expected_alone = (_layer_states(alone, 0) + _layer_states(alone, 2))[0, 1] / 2
    np.testing.assert_allclose(states[unseen], expected_alone, rtol=1e-4, atol=1e-5)


def test_context_vectors_take_the_input_embeddings_spread_and_keep_their_bracketed_rows(preprocessor):
    from kzoo.models.context_embeddings import context_embeddings
    from kzoo.models.pretrained_embeddings import checkpoint_embeddings

    ids = preprocessor.tokenize(TEXTS).to_tensor().numpy()
    vocabulary = preprocessor.vocabulary
    matrix = context_embeddings(CHECKPOINT, layer=2, token_ids=[ids], vocabulary=vocabulary)
    inputs = checkpoint_embeddings(CHECKPOINT)
    bracketed = np.array([token.startswith("[") and token.endswith("]") for token in vocabulary])
    np.testing.assert_array_equal(matrix[bracketed], inputs[bracketed])
    np.testing.assert_allclose(matrix[~bracketed].std(), inputs[~bracketed].std(), rtol=1e-4)
    np.testing.assert_allclose(matrix[~bracketed].mean(axis=0), 0.0, atol=1e-6)
    assert not np.allclose(matrix[vocabulary.index("film")], inputs[vocabulary.index("film")])


def test_the_default_cnn_starts_from_its_training_texts_contexts_and_reloads_without_them(preprocessor, tmp_path):
    alone = kzoo.create_model("cnn_classifier", num_filters=2)
    model = kzoo.create_model("cnn_classifier", num_filters=2, training_texts=TEXTS)
    film = preprocessor.vocabulary.index("film")
    table, table_alone = model.token_embedding.embeddings.numpy(), alone.token_embedding.embeddings.numpy()
    assert not np.allclose(table[film], table_alone[film])
    assert "context_layer" not in json.dumps(model.get_config())  # it shapes the initial weights only
    model.save(tmp_path / "model.keras")
    restored = keras.saving.load_model(tmp_path / "model.keras", safe_mode=True)
    np.testing.assert_array_equal(restored.token_embedding.embeddings.numpy(), table)


def test_kzoo_train_gives_a_new_run_its_training_split_as_context(preprocessor, tmp_path, monkeypatch):
    import kzoo.models.context_embeddings as context

    seen = []
    original = context.load_context_embeddings

    def recording(model, checkpoint, *, layer, texts, **options):
        seen.append((layer, None if texts is None else len(list(texts.as_numpy_iterator()))))
        return original(model, checkpoint, layer=layer, texts=texts, **options)

    monkeypatch.setattr(context, "load_context_embeddings", recording)
    data = tmp_path / "train.txt"
    data.write_text("".join(f"{i % 2} {text} {i}\n" for i, text in enumerate(TEXTS * 4)))
    kzoo.train("cnn_classifier", dataset=str(data), validation=str(data), epochs=1, overrides={"num_filters": 2},
               run_dir=str(tmp_path / "run"), verbose=0)
    assert seen == [((0, 2), 12)]


def test_context_layer_errors_name_the_value(preprocessor):
    with pytest.raises(ValueError, match=r"Invalid value for `context_layer`.*0 to 6.*7"):
        kzoo.create_model("cnn_classifier", context_layer=[0, 7])
    for bad in (-1, [], [2, "4"], 2.0):
        with pytest.raises(ValueError, match="Invalid value for `context_layer`"):
            kzoo.create_model("cnn_classifier", context_layer=bad)
    with pytest.raises(ValueError, match="without `pretrained_embeddings`"):
        kzoo.create_model("cnn_classifier", preset="rand", context_layer=2)
    with pytest.raises(TypeError, match="takes no `training_texts`"):
        kzoo.create_model("bert_classifier", preset="tiny", training_texts=TEXTS)


@pytest.mark.parametrize("name, table", [("bag_of_embeddings_classifier", lambda model: model.token_embedding),
                                         ("lstm_classifier", lambda model: model.token_embedding),
                                         ("transformer_classifier", lambda model: model.embeddings.token_embedding)])
def test_every_family_on_a_checkpoints_embeddings_can_start_from_context_vectors(preprocessor, name, table):
    from kzoo.models.context_embeddings import context_embeddings

    model = kzoo.create_model(name, context_layer=2, training_texts=TEXTS)
    ids = preprocessor.tokenize(TEXTS).to_tensor().numpy()
    expected = context_embeddings(CHECKPOINT, layer=2, token_ids=[ids], vocabulary=preprocessor.vocabulary)
    np.testing.assert_allclose(table(model).embeddings.numpy()[: len(expected)], expected, rtol=1e-5, atol=1e-6)


def test_pooling_batches_are_sorted_by_length_padded_to_a_multiple_and_sampled_past_the_budget():
    from kzoo.models.context_embeddings import length_sorted_batches

    rows = [np.arange(1, n + 1) for n in (20, 3, 5, 40)]
    batches = list(length_sorted_batches(rows, batch_tokens=48, budget=1_000, multiple=16))
    assert [batch.shape for batch in batches] == [(2, 16), (1, 32), (1, 48)]
    np.testing.assert_array_equal(batches[0][0], [1, 2, 3] + [0] * 13)
    assert sum(int((batch != 0).sum()) for batch in batches) == 68  # every id, once
    sampled = list(length_sorted_batches(rows, batch_tokens=48, budget=34, multiple=16))  # 68 ids: every 2nd row
    assert sorted(int((batch != 0).sum()) for batch in sampled) == [5, 20]



def _train_process(run_dir, data, *, fault=None):
    """The default CNN's `kzoo train` in a process of its own, killed with SIGKILL where `fault` says."""
    environment = {name: value for name, value in os.environ.items() if name != "KZOO_FAULT"}
    environment.update({"KZOO_FAULT": fault} if fault else {})
    command = [sys.executable, "-m", "kzoo", "train", "cnn_classifier", "--set", "num_filters=2", "--dataset",
               str(data), "--epochs", "2", "--batch-size", "16", "--seed", "5", "--run-dir", str(run_dir)]
    return subprocess.run(command, env=environment, capture_output=True, text=True, timeout=300)


def test_a_killed_run_resumes_its_context_vectors_from_the_checkpoint(preprocessor, tmp_path):
    data = tmp_path / "train.txt"
    data.write_text("".join(f"{i % 2} {text} number {i}\n" for i, text in enumerate(TEXTS * 20)))
    uninterrupted, resumed = tmp_path / "uninterrupted", tmp_path / "resumed"
    assert _train_process(uninterrupted, data).returncode == 0
    killed = _train_process(resumed, data, fault="checkpoint:2")
    assert killed.returncode == -9, killed.stderr[-2000:]  # SIGKILL while saving epoch 2
    finished = _train_process(resumed, data)
    assert finished.returncode == 0 and "resuming after epoch 1" in finished.stdout, finished.stderr[-2000:]
    # Built without pooling (its vectors come back with the checkpoint), it ends as the uninterrupted run.
    assert json.loads((resumed / "history.json").read_text())[-1]["loss"] == \
        json.loads((uninterrupted / "history.json").read_text())[-1]["loss"]
    for a, b in zip(kzoo.load_model(resumed / "model.keras").get_weights(),
                    kzoo.load_model(uninterrupted / "model.keras").get_weights()):
        np.testing.assert_array_equal(a, b)
