"""Runs that resume exactly, checkpoints that survive damage, run directories that cannot be poisoned."""

import json
import os
import subprocess
import sys


import numpy as np
import pytest

import kzoo
from kzoo.cli import main
from kzoo.data import demo

TIMING_KEYS = ("examples_per_second", "epoch_seconds")


def _write_demo_file(path, count=240, split="train"):
    texts, labels = demo.demo_classification(split)
    path.write_text("".join(f"{label} {text}\n" for text, label in zip(texts[:count], labels[:count])))
    return path


def _train_arguments(run_dir, data, epochs, *extra):
    return ["train", *extra, "--preset", "tiny", "--dataset", str(data), "--batch-size", "16", "--max-length", "16",
            "--epochs", str(epochs), "--seed", "5", "--run-dir", str(run_dir)]


def _train_process(run_dir, data, epochs, *extra, fault=None):
    """`kzoo train` in a process of its own (killed with SIGKILL where `fault` says), as a user runs it."""
    environment = {name: value for name, value in os.environ.items() if name != "KZOO_FAULT"}
    if fault:
        environment["KZOO_FAULT"] = fault
    command = [sys.executable, "-m", "kzoo", *_train_arguments(run_dir, data, epochs, *extra)]
    return subprocess.run(command, env=environment, capture_output=True, text=True, timeout=300)


def _train_uninterrupted(run_dir, data, epochs, *extra):
    """The reference run: the same `kzoo train` command, in this process (no fault to inject)."""
    assert main(_train_arguments(run_dir, data, epochs, *extra)) == 0


def _history(run_dir):
    entries = json.loads((run_dir / "history.json").read_text())
    return [{k: v for k, v in entry.items() if k not in TIMING_KEYS} for entry in entries]


def _weights(run_dir):
    model = kzoo.load_model(run_dir / "model.keras")
    return model.get_weights()


def _assert_same_run(resumed, uninterrupted):
    assert _history(resumed) == _history(uninterrupted)  # every loss and accuracy, bit for bit
    for a, b in zip(_weights(resumed), _weights(uninterrupted)):
        np.testing.assert_array_equal(a, b)


def test_a_classifier_killed_in_evaluation_and_in_saving_ends_as_if_never_stopped(tmp_path):
    data = _write_demo_file(tmp_path / "train.txt", count=160)
    model = ("bag_of_embeddings_classifier", "--set", "dropout=0.5")  # the resumed run must draw the same masks
    uninterrupted = tmp_path / "uninterrupted"
    _train_uninterrupted(uninterrupted, data, 3, *model)

    resumed = tmp_path / "resumed"
    # A kill mid-training is the language model's test below (and the two-worker one's); here the XLA step
    # retrains epoch 2 after a kill in its evaluation.
    for fault in ("evaluate:2", "checkpoint:3"):
        result = _train_process(resumed, data, 3, *model, fault=fault)
        assert result.returncode == -9, result.stderr[-2000:]  # SIGKILL: no clean-up code ran
        assert not (resumed / "metrics.json").exists()
    finished = _train_process(resumed, data, 3, *model)
    assert finished.returncode == 0, finished.stderr[-2000:]
    assert "resuming after epoch 2" in finished.stdout  # the kill while saving epoch 3 lost only epoch 3
    assert "cudart_stub" not in finished.stderr and "absl::InitializeLog" not in finished.stderr  # TF kept quiet
    _assert_same_run(resumed, uninterrupted)
    assert not [name for name in os.listdir(resumed / "checkpoints") if "_temp" in name]


def test_a_language_model_killed_mid_epoch_ends_as_if_never_stopped(tmp_path):
    text = tmp_path / "text.txt"
    text.write_text(demo.demo_text("train")[:4000])
    uninterrupted, resumed = tmp_path / "uninterrupted", tmp_path / "resumed"
    model = ("lstm_language_model", "--no-xla")  # exactness under XLA: the classifier test above
    _train_uninterrupted(uninterrupted, text, 3, *model)
    assert _train_process(resumed, text, 3, *model, fault="train:2").returncode == -9
    assert _train_process(resumed, text, 3, *model).returncode == 0
    _assert_same_run(resumed, uninterrupted)


def _train(run_dir, data, epochs=2, **options):
    # No XLA: what resuming restores does not depend on it (the kill tests above run the default, XLA).
    return kzoo.train("bag_of_embeddings_classifier", dataset=str(data), preset="tiny", epochs=epochs,
                      batch_size=32, max_length=16, run_dir=str(run_dir), verbose=0, jit_compile=False, **options)


def test_a_damaged_newest_checkpoint_falls_back_to_the_intact_one(tmp_path, caplog):
    data = _write_demo_file(tmp_path / "train.txt")
    run_dir = tmp_path / "run"
    _train(run_dir, data, epochs=2)
    (run_dir / "metrics.json").unlink()  # as if killed after saving epoch 2
    data_file = next(p for p in (run_dir / "checkpoints").iterdir() if p.name.startswith("ckpt-2.data"))
    data_file.write_bytes(data_file.read_bytes()[: data_file.stat().st_size // 2])  # truncated
    (run_dir / "checkpoints" / "ckpt-3_temp").mkdir()  # left by a kill during saving
    metrics = _train(run_dir, data, epochs=2)
    assert metrics["resumed_from_epoch"] == 1 and metrics["epochs"] == 2
    assert "ckpt-2" in caplog.text and "is damaged" in caplog.text and "costs 1 epoch(s)" in caplog.text
    assert not (run_dir / "checkpoints" / "ckpt-3_temp").exists()

    (run_dir / "metrics.json").unlink()
    for checkpoint in (run_dir / "checkpoints").glob("ckpt-*.index"):
        checkpoint.write_bytes(b"not a checkpoint index")
    with pytest.raises(ValueError, match="No checkpoint in .* can be restored"):
        _train(run_dir, data, epochs=3)


@pytest.mark.parametrize("option, value", [("batch_size", 0), ("max_length", 0), ("learning_rate", 0.0),
                                           ("epochs", -1), ("batch_size", 2.5), ("learning_rate", "fast")])
def test_every_numeric_option_is_checked(option, value, tmp_path):
    with pytest.raises(ValueError, match=f"Invalid value for `{option}`.*received {value!r}"):
        kzoo.train("bag_of_embeddings_classifier", **{option: value}, run_dir=str(tmp_path / "run"), verbose=0)
    assert not (tmp_path / "run").exists()


def test_cli_numeric_options_are_checked_not_replaced(tmp_path, capsys):
    for flag in ("--batch-size", "--max-length", "--learning-rate"):
        assert main(["train", "bag_of_embeddings_classifier", flag, "0", "--run-dir", str(tmp_path / "r")]) == 2
        assert "Invalid value for" in capsys.readouterr().err
    assert not (tmp_path / "r").exists()


def test_a_failed_run_leaves_nothing_that_blocks_the_next(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    one_label = tmp_path / "one_label.txt"
    one_label.write_text("1 a fine film\n1 a great film\n" * 20)
    run_dir = tmp_path / "run"
    with pytest.raises(ValueError, match=r"only one label \('1'\)"):
        _train(run_dir, one_label)
    assert not run_dir.exists()
    assert _train(run_dir, _write_demo_file(tmp_path / "train.txt"))["epochs"] == 2
    assert main(["train", "lstm_classifier", "--dataset", str(tmp_path / "missing.txt")]) == 2
    assert not (tmp_path / "runs").exists()  # a failed run writes no default run directory


def test_resuming_checks_the_data_and_settings(tmp_path, capsys):
    data = _write_demo_file(tmp_path / "train.txt")
    other = _write_demo_file(tmp_path / "other.txt", split="validation")
    run_dir = tmp_path / "run"
    first = _train(run_dir, data, epochs=1)
    with pytest.raises(ValueError, match=r"other settings or data.*data dataset"):
        _train(run_dir, other, epochs=2)
    with pytest.raises(ValueError, match=r"batch_size: 32 in the run, 64 now"):
        kzoo.train("bag_of_embeddings_classifier", dataset=str(data), preset="tiny", epochs=2, batch_size=64,
                   max_length=16, run_dir=str(run_dir), verbose=0)
    with pytest.raises(ValueError, match="holds a run of 'bag_of_embeddings_classifier', not 'lstm_classifier'"):
        kzoo.train("lstm_classifier", dataset=str(data), run_dir=str(run_dir), verbose=0)
    assert _train(run_dir, other, epochs=1, overwrite=True)["dataset"] == str(other)

    # A finished run says so, and keeps its metrics (wall time included).
    capsys.readouterr()
    again = kzoo.train("bag_of_embeddings_classifier", dataset=str(other), preset="tiny", epochs=1, batch_size=32,
                       max_length=16, run_dir=str(run_dir), verbose=1)
    assert "already finished" in capsys.readouterr().out
    assert again["wall_seconds"] == json.loads((run_dir / "metrics.json").read_text())["wall_seconds"] > 0
    assert first["wall_seconds"] > 0


def test_predict_prints_no_keras_warnings(tmp_path):
    run_dir = tmp_path / "run"
    _train(run_dir, _write_demo_file(tmp_path / "train.txt"), epochs=1)
    result = subprocess.run([sys.executable, "-m", "kzoo", "predict", str(run_dir), "a good film", "dull"],
                            capture_output=True, text=True, timeout=120)
    assert result.returncode == 0 and len(result.stdout.strip().splitlines()) == 2
    assert "ran out of data" not in result.stderr and "UserWarning" not in result.stderr
