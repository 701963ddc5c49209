"""A run killed after its first epoch resumes at the next one and loses nothing."""

import json
import os
import signal
import subprocess
import sys
import time

import pytest


def test_killed_run_resumes_with_same_vocabulary_and_history(tmp_path):
    run_dir = tmp_path / "run"
    command = [sys.executable, "-m", "kzoo", "train", "lstm_classifier", "--preset", "tiny",
               "--set", "vocabulary_size=500", "--batch-size", "64", "--max-length", "16",
               "--run-dir", str(run_dir)]
    process = subprocess.Popen([*command, "--epochs", "50"], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    history_path = run_dir / "history.json"
    deadline = time.time() + 240
    while not (history_path.exists() and (run_dir / "checkpoints" / "checkpoint").exists()):
        if process.poll() is not None or time.time() > deadline:
            process.kill()
            pytest.fail("the first run ended or stalled before finishing an epoch")
        time.sleep(0.05)
    process.send_signal(signal.SIGKILL)  # a crash: no clean-up code runs
    process.wait()
    finished = len(json.loads(history_path.read_text()))
    vocabulary = (run_dir / "assets" / "vocabulary.txt").read_bytes()
    assert finished >= 1 and not (run_dir / "metrics.json").exists()

    target = finished + 1
    result = subprocess.run([*command, "--epochs", str(target)], capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stderr[-2000:]
    assert f"resuming after epoch {finished}" in result.stdout
    assert (run_dir / "assets" / "vocabulary.txt").read_bytes() == vocabulary
    history = json.loads(history_path.read_text())
    assert [entry["epoch"] for entry in history] == list(range(1, target + 1))
    metrics = json.loads((run_dir / "metrics.json").read_text())
    assert metrics["epochs"] == target and metrics["resumed_from_epoch"] == finished


def test_checkpoint_of_another_model_is_refused(tmp_path):
    import kzoo

    run_dir = str(tmp_path / "run")
    kzoo.train("bag_of_embeddings_classifier", preset="tiny", epochs=1, max_length=16, run_dir=run_dir, verbose=0)
    with pytest.raises(ValueError, match="holds a run of 'bag_of_embeddings_classifier', not 'lstm_classifier'"):
        kzoo.train("lstm_classifier", preset="tiny", epochs=1, run_dir=run_dir, verbose=0)
    config_path = os.path.join(run_dir, "config.json")
    config = json.load(open(config_path))
    config["hyperparameters"]["embedding_dim"] = 7  # the saved weights no longer fit
    json.dump(config, open(config_path, "w"))
    with pytest.raises(ValueError, match="does not match this model"):
        kzoo.train("bag_of_embeddings_classifier", preset="tiny", epochs=2, max_length=16, run_dir=run_dir, verbose=0)
