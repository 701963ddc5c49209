"""Behaviour particular to one model family (the shared contract is elsewhere)."""

import keras
import numpy as np
import pytest
import tensorflow as tf

import kzoo
from kzoo.layers import HashedNgrams, MaskedAttentionPooling, MaskedMaxPooling, MaskedMeanPooling
from kzoo.models import fit_linear_regression, make_linear_data
from kzoo.pretrained import resolve_checkpoint


def test_linear_regression_recovers_weight_and_bias_with_keras_fit():
    x, y = make_linear_data(num_examples=500, weight=0.1, bias=0.3, noise=0.01, seed=1)
    model = kzoo.create_model("linear_regression")
    model.compile()
    model.fit(x, y, epochs=60, batch_size=50, verbose=0)
    weight, bias = model.get_layer("linear").get_weights()
    assert weight[0, 0] == pytest.approx(0.1, abs=0.01)
    assert bias[0] == pytest.approx(0.3, abs=0.01)


def test_linear_regression_recovers_weight_and_bias_with_tf_function_loop():
    x, y = make_linear_data(num_examples=200, weight=-2.0, bias=0.5, noise=0.05, num_features=2, seed=2)
    weight, bias = fit_linear_regression(x, y, steps=400)
    np.testing.assert_allclose(weight[:, 0], [-2.0, -2.0], atol=0.05)
    assert bias[0] == pytest.approx(0.5, abs=0.05)


def test_language_model_stepwise_state_matches_full_sequence():
    model = kzoo.create_model("lstm_language_model", preset="tiny")
    ids = np.array([[1, 4, 2, 7, 3], [5, 5, 9, 1, 2]], dtype=np.int32)
    full = keras.ops.convert_to_numpy(model(ids))
    logits, state = model.call_with_state(ids[:, :3])
    stepped = [keras.ops.convert_to_numpy(logits)]
    for t in range(3, 5):
        logits, state = model.call_with_state(ids[:, t : t + 1], state)
        stepped.append(keras.ops.convert_to_numpy(logits))
    np.testing.assert_allclose(np.concatenate(stepped, axis=1), full, atol=1e-5)


def test_transformer_language_model_cached_steps_match_full_sequence():
    model = kzoo.create_model("transformer_language_model", preset="tiny", vocabulary_size=12)
    ids = np.array([[1, 4, 2, 7, 3], [5, 5, 9, 1, 2]], dtype=np.int32)
    full = keras.ops.convert_to_numpy(model(ids))
    cache = model.start_cache(ids[:, :3], 3, 5)
    stepped = []
    for index in range(3, 6):
        logits, cache = model.next_token_logits(ids, cache, index)
        stepped.append(keras.ops.convert_to_numpy(logits))
    np.testing.assert_allclose(np.stack(stepped, axis=1), full[:, 2:], atol=1e-5)
    assert model.count_params() == model.embeddings.count_params() + sum(
        layer.count_params() for layer in [*model.decoder_layers, model.final_norm])  # the output reuses the embeddings


@pytest.mark.parametrize("pooling", ["last", "max"])
def test_lstm_classifier_ignores_padding(pooling):
    model = kzoo.create_model("lstm_classifier", preset="tiny", pooling=pooling)
    short = model(np.array([[3, 4, 5]]))
    padded = model(np.array([[3, 4, 5, 0, 0, 0]]))
    np.testing.assert_allclose(short, padded, atol=1e-5)


@pytest.mark.parametrize("name, pooling, layer, size, unknown", [
    ("bag_of_embeddings_classifier", "mean_max", "average_and_maximum", "embedding_dim", "max"),  # average, max
    ("lstm_classifier", "max", "max_over_time", "lstm_units", "mean"),  # each direction's max over the steps
])
def test_pooling_options_reach_the_head_and_round_trip(tmp_path, name, pooling, layer, size, unknown):
    model = kzoo.create_model(name, preset="tiny", pooling=pooling)
    assert model.get_layer(layer).output.shape[-1] == 2 * getattr(model, size)
    assert model.get_config()["pooling"] == pooling
    path = str(tmp_path / "model.keras")
    model.save(path)
    ids = np.array([[3, 4, 5, 0], [6, 0, 0, 0]])
    np.testing.assert_allclose(keras.saving.load_model(path)(ids), model(ids), atol=1e-6)
    with pytest.raises(ValueError, match=f"pooling.*'{unknown}'"):
        kzoo.create_model(name, preset="tiny", pooling=unknown)


@pytest.mark.parametrize("name, layer", [("bag_of_embeddings_classifier", "attention_average"),
                                         ("lstm_classifier", "attention_over_time"),
                                         ("transformer_classifier", "attention_average")])
def test_attention_pooling_ignores_padding_and_round_trips_what_it_learnt(tmp_path, name, layer):
    model = kzoo.create_model(name, preset="tiny", pooling="attention")
    query = model.get_layer(layer).query
    query.assign(np.linspace(-2.0, 2.0, query.shape[0]))  # as if trained: no longer the plain average
    ids = np.array([[3, 4, 5, 0, 0], [6, 7, 0, 0, 0]])
    np.testing.assert_allclose(model(ids[:1, :3]), model(ids[:1]), atol=1e-5)
    path = str(tmp_path / "model.keras")
    model.save(path)
    restored = keras.saving.load_model(path, safe_mode=True)
    assert restored.get_config()["pooling"] == "attention"
    np.testing.assert_allclose(restored(ids), model(ids), atol=1e-6)


@pytest.mark.parametrize("name, options", [("bag_of_embeddings_classifier", {}), ("cnn_classifier", {}),
                                           ("transformer_classifier", {}),
                                           ("bag_of_embeddings_classifier", {"pooling": "mean_max"})])
def test_pooled_classifiers_ignore_padding(name, options):
    model = kzoo.create_model(name, preset="tiny", **options)
    short = model(np.array([[3, 4, 5]]))
    padded = model(np.array([[3, 4, 5, 0, 0]]))
    np.testing.assert_allclose(short, padded, atol=1e-5)


def test_hashed_ngrams_appends_bigrams_and_masks_padding():
    layer = HashedNgrams(vocabulary_size=10, num_buckets=100)
    out = keras.ops.convert_to_numpy(layer(np.array([[2, 3, 4, 0]])))
    assert out.shape == (1, 7)
    np.testing.assert_array_equal(out[0, :4], [2, 3, 4, 0])
    assert np.all(out[0, 4:6] >= 10) and out[0, 6] == 0  # (4, 0) touches padding
    again = keras.ops.convert_to_numpy(layer(np.array([[2, 3]])))
    assert again[0, 2] == out[0, 4]  # the same bigram hashes the same way


def test_masked_mean_pooling_gives_zero_for_an_all_padding_row():
    embedded = keras.layers.Embedding(10, 3, mask_zero=True)
    x = np.array([[0, 0], [4, 0]])
    pooled = keras.ops.convert_to_numpy(MaskedMeanPooling()(embedded(x), mask=x > 0))
    assert np.all(np.isfinite(pooled)) and np.all(pooled[0] == 0)
    np.testing.assert_allclose(pooled[1], keras.ops.convert_to_numpy(embedded(np.array([4])))[0])


def test_masked_max_pooling_keeps_padding_out_of_the_max_and_gives_zero_for_an_all_padding_row():
    features = np.array([[[-3.0, -7.0], [5.0, 9.0]], [[1.0, 2.0], [3.0, 4.0]]], np.float32)
    pooled = keras.ops.convert_to_numpy(MaskedMaxPooling()(features, mask=np.array([[True, False], [False, False]])))
    np.testing.assert_array_equal(pooled, [[-3.0, -7.0], [0.0, 0.0]])  # the padded step's larger values lose


def test_masked_attention_pooling_starts_as_the_average_and_learns_which_steps_count():
    features = np.array([[[1.0, 0.0], [0.0, 1.0], [9.0, 9.0]], [[5.0, 5.0], [7.0, 7.0], [3.0, 3.0]]], np.float32)
    mask = np.array([[True, True, False], [False, False, False]])
    layer = MaskedAttentionPooling()
    np.testing.assert_allclose(keras.ops.convert_to_numpy(layer(features, mask=mask)),
                               keras.ops.convert_to_numpy(MaskedMeanPooling()(features, mask=mask)))
    layer.query.assign([np.log(3.0), 0.0])  # the first step scores log 3, the second 0: weights 3/4 and 1/4
    pooled = keras.ops.convert_to_numpy(layer(features, mask=mask))
    np.testing.assert_allclose(pooled, [[0.75, 0.25], [0.0, 0.0]], atol=1e-6)  # padding gets no weight
    np.testing.assert_allclose(keras.ops.convert_to_numpy(layer(features[:1, :2])), pooled[:1], atol=1e-6)


def test_cnn_classifier_is_kims_and_can_freeze_its_embeddings(tmp_path):
    kim = kzoo.create_model("cnn_classifier", preset="rand")
    assert (kim.filter_sizes, kim.num_filters, kim.dropout) == ((3, 4, 5), 100, 0.5)
    model = kzoo.create_model("cnn_classifier", preset="tiny", freeze_embeddings=True)
    table = model.token_embedding.embeddings
    assert table.path not in {weight.path for weight in model.trainable_weights}
    logits = keras.ops.convert_to_numpy(model(np.array([[0, 0, 0], [3, 0, 0]])))
    assert np.all(np.isfinite(logits))  # an empty text too
    model.save(tmp_path / "model.keras")
    restored = keras.saving.load_model(tmp_path / "model.keras", safe_mode=True)
    assert restored.freeze_embeddings and not restored.token_embedding.trainable and restored.filter_sizes == (2, 3)
    np.testing.assert_allclose(keras.ops.convert_to_numpy(restored(np.array([[0, 0, 0], [3, 0, 0]]))), logits,
                               atol=1e-6)
    with pytest.raises(ValueError, match="Invalid value for `filter_sizes`"):
        kzoo.create_model("cnn_classifier", preset="tiny", filter_sizes=[])


@pytest.mark.parametrize("name", ["cnn_classifier", "lstm_classifier", "bag_of_embeddings_classifier",
                                  "transformer_classifier"])
def test_embedding_dropout_drops_whole_tokens_in_training_only(name):
    model = kzoo.create_model(name, preset="tiny", embedding_dropout=0.5, dropout=0.0)  # the only noise
    assert type(model).from_config(model.get_config()).embedding_dropout == 0.5
    embedded = keras.ops.convert_to_numpy(model.token_dropout(np.ones((4, 20, 8)), training=True))
    per_token = embedded.reshape(-1, 8)
    assert set(np.unique(per_token)) == {0.0, 2.0} and np.all(per_token.min(axis=1) == per_token.max(axis=1))
    ids = np.array([[3, 4, 5, 6, 0]])
    np.testing.assert_array_equal(keras.ops.convert_to_numpy(model(ids)), keras.ops.convert_to_numpy(model(ids)))
    # On the model's path (a functional model's layers are those between its inputs and outputs), and noisy
    # there while training; probed at its own output, which a tiny head's dead ReLUs cannot hide.
    assert model.token_dropout in model.layers
    probe = keras.Model(model.inputs, model.token_dropout.output)
    trained = [keras.ops.convert_to_numpy(probe(ids, training=True)) for _ in range(8)]
    assert any(not np.array_equal(trained[0], other) for other in trained[1:])
    with pytest.raises(ValueError, match="embedding_dropout"):
        kzoo.create_model(name, preset="tiny", embedding_dropout=1.5)


def test_cnn_max_norm_caps_each_class_weight_vector_after_every_update():
    model = kzoo.create_model("cnn_classifier", preset="tiny", max_norm=0.05)
    assert kzoo.models.CNNClassifier.from_config(model.get_config()).max_norm == 0.05
    model.compile(optimizer=keras.optimizers.SGD(10.0), loss=keras.losses.SparseCategoricalCrossentropy(from_logits=True))
    model.fit(np.array([[3, 4, 5, 0], [6, 7, 0, 0]]), np.array([0, 1]), epochs=2, verbose=0)
    norms = np.linalg.norm(keras.ops.convert_to_numpy(model.get_layer("head_logits").kernel), axis=0)
    np.testing.assert_allclose(norms, 0.05, rtol=1e-3)  # a step of 10 pushes them far past it; each is cut back
    for bad in (0, -1.0, "3", True):
        with pytest.raises(ValueError, match="Invalid value for `max_norm`"):
            kzoo.create_model("cnn_classifier", preset="tiny", max_norm=bad)


def test_cnn_multichannel_starts_both_channels_from_the_checkpoint_and_trains_only_the_second(tmp_path):
    from kzoo.models.pretrained_embeddings import checkpoint_embeddings

    model = kzoo.create_model("cnn_classifier", preset="minilm_multichannel", num_filters=2)
    vectors = checkpoint_embeddings("all_minilm_l6_v2")
    for layer in model.embedding_layers():
        np.testing.assert_array_equal(keras.ops.convert_to_numpy(layer.embeddings), vectors)
    trainable = {weight.path for weight in model.trainable_weights}
    assert model.tuned_embedding.embeddings.path in trainable
    assert model.token_embedding.embeddings.path not in trainable
    token_ids = np.array([[101, 2307, 3185, 102, 0]])
    model.save(tmp_path / "model.keras")
    restored = keras.saving.load_model(tmp_path / "model.keras", safe_mode=True)
    assert restored.multichannel
    np.testing.assert_allclose(keras.ops.convert_to_numpy(restored(token_ids)),
                               keras.ops.convert_to_numpy(model(token_ids)), atol=1e-5)


@pytest.mark.parametrize("layer", [HashedNgrams(vocabulary_size=5, num_buckets=7), MaskedAttentionPooling(),
                                   MaskedMaxPooling(), MaskedMeanPooling()])
def test_layers_round_trip_their_config(layer):
    restored = layer.__class__.from_config(layer.get_config())
    assert restored.get_config() == layer.get_config()


def test_offline_minilm_checkpoint_classifies_two_sentences():
    try:
        resolve_checkpoint("all_minilm_l6_v2")
    except ModuleNotFoundError as error:
        pytest.skip(f"offline MiniLM checkpoint not installed: {error}")
    model = kzoo.create_model("bert_classifier", num_classes=2, max_length=16)
    assert model.backbone.num_layers == 6 and model.backbone.hidden_dim == 384
    inputs = model.preprocessor(["a gripping, beautiful film", "dull and far too long"])
    assert inputs["token_ids"][0, 0] == 101  # [CLS] in the uncased WordPiece vocab
    probabilities = keras.ops.softmax(model.predict(inputs, verbose=0))
    np.testing.assert_allclose(model.predict(["a gripping, beautiful film", "dull and far too long"], verbose=0),
                               model.predict(inputs, verbose=0), atol=1e-5)
    assert probabilities.shape == (2, 2)
    np.testing.assert_allclose(keras.ops.sum(probabilities, axis=-1), [1.0, 1.0], atol=1e-5)


def _bert_inputs(token_ids, length):
    token_ids = np.array([token_ids + [0] * (length - len(token_ids))], dtype=np.int32)
    return {"token_ids": token_ids, "segment_ids": np.zeros_like(token_ids), "padding_mask": token_ids != 0}


@pytest.mark.parametrize("pooling", ["cls", "mean"])
def test_bert_pooling_ignores_padding_trains_every_used_weight_and_reloads(pooling, tmp_path):
    model = kzoo.create_model("bert_classifier", preset="tiny", pooling=pooling, dropout=0.0)
    short, padded = _bert_inputs([2, 7, 9, 3], 6), _bert_inputs([2, 7, 9, 3], 16)
    np.testing.assert_allclose(model(short), model(padded), atol=1e-5)

    with tf.GradientTape() as tape:
        loss = keras.ops.sum(model(padded, training=True))
    gradients = tape.gradient(loss, model.trainable_weights)
    assert all(gradient is not None for gradient in gradients)
    pooler_is_trained = any("pooled_dense" in weight.path for weight in model.trainable_weights)
    assert pooler_is_trained == (pooling == "cls")

    model.save(tmp_path / "model.keras")
    restored = keras.saving.load_model(tmp_path / "model.keras", safe_mode=True)
    assert restored.pooling == pooling
    np.testing.assert_array_equal(restored.predict(padded, verbose=0), model.predict(padded, verbose=0))
    with pytest.raises(ValueError, match="pooling"):
        kzoo.create_model("bert_classifier", preset="tiny", pooling="max")


def test_transformer_frozen_embeddings_stay_fixed_through_training_and_reload(tmp_path):
    model = kzoo.create_model("transformer_classifier", preset="tiny", freeze_embeddings=True)
    model.compile(jit_compile=False)  # what stays fixed does not depend on XLA (the contract test compiles the step)
    token_table = model.embeddings.token_embedding.embeddings
    before = token_table.numpy().copy()
    model.fit(np.array([[1, 2, 3, 0], [4, 5, 0, 0]] * 4), np.array([0, 1] * 4), epochs=2, verbose=0)
    np.testing.assert_array_equal(token_table.numpy(), before)
    assert token_table.path not in {weight.path for weight in model.trainable_weights}

    model.save(tmp_path / "model.keras")
    restored = keras.saving.load_model(tmp_path / "model.keras", safe_mode=True)
    assert restored.freeze_embeddings and not restored.embeddings.token_embedding.trainable


def test_pretrained_minilm_embeddings_initialise_the_embedding_table():
    try:
        resolve_checkpoint("all_minilm_l6_v2")
    except ModuleNotFoundError as error:
        pytest.skip(f"offline MiniLM checkpoint not installed: {error}")
    from kzoo.models.pretrained_embeddings import checkpoint_embeddings

    model = kzoo.create_model("bag_of_embeddings_classifier", preset="minilm")
    matrix = checkpoint_embeddings("all_minilm_l6_v2")
    assert model.vocabulary_size == matrix.shape[0] and model.embedding_dim == matrix.shape[1]
    np.testing.assert_array_equal(model.token_embedding.embeddings.numpy(), matrix)
    with pytest.raises(ValueError, match="Invalid value for `checkpoint`"):
        kzoo.create_model("lstm_classifier", preset="tiny", pretrained_embeddings="no_such_checkpoint")


def test_example_presets_are_the_examples_architectures():
    bag = kzoo.create_model("bag_of_embeddings_classifier", preset="example")
    assert (bag.vocabulary_size, bag.embedding_dim, bag.hidden_dim, bag.ngram_buckets, bag.dropout) == (10_000, 50, 128, 0, 0.0)
    lstm = kzoo.create_model("lstm_classifier", preset="example")
    assert (lstm.vocabulary_size, lstm.embedding_dim, lstm.lstm_units, lstm.num_layers, lstm.bidirectional) == (
        10_000, 50, 128, 1, False)
    transformer = kzoo.create_model("transformer_classifier", preset="base")
    assert (transformer.hidden_dim, transformer.num_heads, transformer.num_layers, transformer.intermediate_dim,
            transformer.dropout) == (512, 8, 2, 2048, 0.1)


def test_a_seeded_model_on_pretrained_embeddings_starts_the_same_whatever_the_process_built_before():
    from kzoo.models.pretrained_embeddings import checkpoint_backbone, checkpoint_embeddings

    def initial_weights():
        keras.utils.set_random_seed(3)
        return kzoo.create_model("cnn_classifier", preset="minilm_static", num_filters=2).get_weights()

    checkpoint_backbone.cache_clear()  # the first model loads the checkpoint, the second finds it cached
    checkpoint_embeddings.cache_clear()
    first, second = initial_weights(), initial_weights()
    for a, b in zip(first, second):
        np.testing.assert_array_equal(a, b)


@pytest.mark.parametrize("name, options", [("bag_of_embeddings_classifier", {"ngram_buckets": 0}),
                                           ("lstm_classifier", {})])
def test_frozen_token_embeddings_are_not_trained_and_survive_a_reload(name, options, tmp_path):
    model = kzoo.create_model(name, preset="tiny", freeze_embeddings=True, **options)
    assert model.token_embedding.embeddings.path not in {weight.path for weight in model.trainable_weights}
    model.save(tmp_path / "model.keras")
    restored = keras.saving.load_model(tmp_path / "model.keras", safe_mode=True)
    assert not restored.token_embedding.trainable


def test_a_frozen_bag_with_hashed_bigrams_is_refused():
    with pytest.raises(ValueError, match="`freeze_embeddings=True` would keep the 8 hashed bigram embeddings"):
        kzoo.create_model("bag_of_embeddings_classifier", preset="tiny", freeze_embeddings=True)
