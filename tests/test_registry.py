import pytest

import kzoo
from kzoo.training.train import TrainOptions


def test_list_models_filters_with_shell_patterns():
    assert kzoo.list_models("lstm*") == ["lstm_classifier", "lstm_language_model"]
    assert kzoo.list_models("*classifier") == [
        "bag_of_embeddings_classifier",
        "bert_classifier",
        "cnn_classifier",
        "lstm_classifier",
        "transformer_classifier",
    ]
    assert kzoo.list_models("nothing*") == []


def test_unknown_model_lists_valid_names_and_closest_match():
    with pytest.raises(ValueError, match="Unknown model 'lstm_clasifier'") as error:
        kzoo.create_model("lstm_clasifier")
    message = str(error.value)
    assert "Did you mean 'lstm_classifier'" in message
    assert "bag_of_embeddings_classifier" in message


def test_unknown_preset_and_hyperparameter_are_named():
    with pytest.raises(ValueError, match="Unknown preset of `lstm_classifier` 'huge'"):
        kzoo.create_model("lstm_classifier", preset="huge")
    with pytest.raises(TypeError, match="Unknown hyperparameter.*lstm_size"):
        kzoo.create_model("lstm_classifier", preset="tiny", lstm_size=3)


@pytest.mark.parametrize(
    "name, overrides, message",
    [
        ("lstm_classifier", {"num_classes": 1}, "Invalid value for `num_classes`: expected an int >= 2, received 1"),
        ("bag_of_embeddings_classifier", {"embedding_dim": -4}, "`embedding_dim`: expected an int >= 1, received -4"),
        ("transformer_classifier", {"dropout": 1.5}, "`dropout`: expected a float in \\[0, 1.0\\), received 1.5"),
        ("transformer_classifier", {"hidden_dim": 6, "num_heads": 4}, "`hidden_dim`: expected a multiple of num_heads=4"),
        ("lstm_language_model", {"vocabulary_size": True}, "`vocabulary_size`: expected an int >= 2, received True"),
        ("bert_classifier", {"checkpoint": "bert_nonexistent"}, "`checkpoint`: expected one of all_minilm_l6_v2"),
        ("linear_regression", {"num_features": 0}, "`num_features`: expected an int >= 1, received 0"),
    ],
)
def test_bad_values_name_the_argument_and_the_value(name, overrides, message):
    with pytest.raises(ValueError, match=message):
        kzoo.create_model(name, preset="tiny", **overrides)


def test_builders_are_keyword_only():
    with pytest.raises(TypeError):
        kzoo.get_spec("lstm_classifier").builder(10_000)  # positional arguments are refused


def test_model_info_carries_what_the_cli_needs():
    for name in kzoo.list_models():
        info = kzoo.model_info(name)
        assert info["name"] == name
        assert info["family"] and info["rebuilds"] and info["description"]
        assert info["input_kind"] in {"word_ids", "char_ids", "wordpiece_ids", "features", "source_target_ids"}
        assert "tiny" in info["presets"] and info["default_preset"] in info["presets"]
        defaults = info["compile_defaults"]
        assert defaults["optimizer"] and defaults["learning_rate"] > 0 and defaults["loss"]
    assert kzoo.model_info("bert_classifier")["hyperparameters"]["checkpoint"] == "all_minilm_l6_v2"


def test_create_model_applies_preset_and_overrides():
    model = kzoo.create_model("lstm_classifier", preset="tiny", num_classes=5)
    assert model.num_classes == 5 and model.lstm_units == 4
    assert model.output_shape == (None, 5)


def test_small_models_run_several_steps_per_call_and_the_caller_can_say_otherwise():
    assert kzoo.get_spec("bag_of_embeddings_classifier").compile_defaults.steps_per_execution > 1
    assert kzoo.get_spec("bert_classifier").compile_defaults.steps_per_execution == 1
    assert kzoo.get_spec("bag_of_embeddings_classifier").compile_defaults.steps_per_execution_with(2) == 1
    model = kzoo.create_model("bag_of_embeddings_classifier", preset="tiny", preprocessor=None)
    model.compile()
    assert model.steps_per_execution == kzoo.get_spec("bag_of_embeddings_classifier").compile_defaults.steps_per_execution
    model.compile(steps_per_execution=1)
    assert model.steps_per_execution == 1
    with pytest.raises(ValueError, match="steps_per_execution.*0"):
        TrainOptions(model="bag_of_embeddings_classifier", steps_per_execution=0).resolve()


def test_each_model_declares_where_xla_is_its_default_and_compile_follows_it():
    lstm = kzoo.get_spec("lstm_classifier").compile_defaults
    assert not lstm.jit_compile_on("cpu") and lstm.jit_compile_on("tpu") and "CPU" in lstm.xla_measured
    assert kzoo.get_spec("bag_of_embeddings_classifier").compile_defaults.jit_compile_on("cpu")
    for name, expected in (("lstm_classifier", False), ("bag_of_embeddings_classifier", True)):
        model = kzoo.create_model(name, preset="tiny", preprocessor=None)
        model.compile()
        assert model.jit_compile is expected
        model.compile(jit_compile=not expected)  # the caller decides when it says so
        assert model.jit_compile is (not expected)
