"""TPU readiness, checked on CPU: one static batch shape and no string op in the traced step, for every family."""

import json

import pytest
import tensorflow as tf

import kzoo
from kzoo.data import demo
from kzoo.training import train_module
from kzoo.training.inputs import TASK_OF_OUTPUT, Batches, make_batches
from kzoo.training.loop import Trainer
from kzoo.training.static_shapes import check_static_batches, check_tpu_ready, string_ops

TEXT_MODELS = [name for name in kzoo.list_models() if kzoo.get_spec(name).output_kind in TASK_OF_OUTPUT]


def _data_file(tmp_path, name):
    if kzoo.get_spec(name).output_kind == "next_token_logits":
        path = tmp_path / "text.txt"
        path.write_text(demo.demo_text("train")[:3000])
    elif kzoo.get_spec(name).output_kind == "translation_logits":
        sources, targets = demo.demo_pairs("train")
        path = tmp_path / "pairs.tsv"
        path.write_text("".join(f"{s}\t{t}\n" for s, t in zip(sources[:120], targets)), encoding="utf-8")
    else:
        texts, labels = demo.demo_classification("train")
        path = tmp_path / "train.txt"
        path.write_text("".join(f"{label} {text}\n" for text, label in zip(texts[:120], labels[:120])))
    return path


def _prepared(tmp_path, name, fixed_length):
    options = train_module.TrainOptions(model=name, dataset=str(_data_file(tmp_path, name)), preset="tiny",
                                        batch_size=8, max_length=16, fixed_length=fixed_length,
                                        run_dir=str(tmp_path / "run"), precision="float32")
    spec = options.resolve()
    data = train_module.prepare_data(spec, options)
    strategy = tf.distribute.get_strategy()
    model, optimizer = train_module.build_model(spec, options, data, strategy, total_steps=10)
    trainer = Trainer(model, optimizer=optimizer, task=data.task, strategy=strategy, jit_compile=False)
    batching = {"batch_size": 8, "fixed_length": fixed_length}
    train = Batches(data.task, data.train, data.preprocessor, shuffle=True, **batching).for_epoch(0)
    return trainer, {"train": train, "validation": make_batches(data.task, data.validation, data.preprocessor,
                                                                **batching)}


@pytest.mark.parametrize("name", TEXT_MODELS)
def test_every_family_is_tpu_ready_with_static_shapes(name, tmp_path):
    assert "linear_regression" not in TEXT_MODELS and len(TEXT_MODELS) >= 5
    trainer, batches = _prepared(tmp_path, name, fixed_length=True)
    report = check_tpu_ready(trainer, batches)
    assert report["train_step_ops"] > 0 and report["eval_step_ops"] > 0
    for split in batches.values():
        for spec in tf.nest.flatten(split.element_spec):
            assert spec.shape.is_fully_defined() and spec.shape[0] == 8  # the last partial batch is dropped


def test_bucketed_batches_are_refused_with_the_shape_named(tmp_path):
    _, batches = _prepared(tmp_path, "bag_of_embeddings_classifier", fixed_length=False)
    with pytest.raises(ValueError, match=r"train batches are not of one static shape: .* has shape \(None, None\)"):
        check_static_batches(batches["train"], "train")


def test_a_step_that_takes_strings_is_found():
    @tf.function(input_signature=[tf.TensorSpec([None], tf.string)])
    def lowercase_then_count(texts):
        return tf.strings.length(tf.strings.lower(texts))

    found = string_ops(lowercase_then_count.get_concrete_function().graph)
    assert any(op.startswith("StringLower") for op in found)


def test_static_shapes_run_records_the_check_and_defaults_to_float32_off_tpu(tmp_path):
    data = _data_file(tmp_path, "bag_of_embeddings_classifier")
    metrics = kzoo.train("bag_of_embeddings_classifier", dataset=str(data), preset="tiny", epochs=1, batch_size=8,
                         max_length=16, fixed_length=True, run_dir=str(tmp_path / "run"), verbose=0)
    assert metrics["static_shapes"] is True and metrics["precision"] == "float32"
    config = json.loads((tmp_path / "run" / "config.json").read_text())
    assert config["settings"]["fixed_length"] is True and config["settings"]["precision"] == "float32"
