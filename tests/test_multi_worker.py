"""Two `kzoo train --strategy multi_worker` processes on loopback: training, a killed worker, an unreachable one."""

import json
import os
import subprocess
import sys
import time

import numpy as np
import pytest

import kzoo
from kzoo.data import demo
from kzoo.testing import free_ports

EPOCHS = 3
# Both runs sum the same per-example gradients; only the order of float additions differs.
WEIGHT_TOLERANCE = 1e-5


def _start_worker(index, ports, data, run_dir, *, fault=None, timeout=60):
    cluster = {"worker": [f"127.0.0.1:{port}" for port in ports]}
    environment = {**os.environ, "TF_CONFIG": json.dumps({"cluster": cluster, "task": {"type": "worker",
                                                                                        "index": index}})}
    environment.pop("KZOO_FAULT", None)
    if fault:
        environment["KZOO_FAULT"] = fault
    command = [sys.executable, "-m", "kzoo", "train", "bag_of_embeddings_classifier", "--strategy", "multi_worker",
               *_TRAINING, "--dataset", str(data), "--run-dir", str(run_dir), "--worker-timeout", str(timeout)]
    return subprocess.Popen(command, env=environment, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


# Dropout 0: a single process draws other dropout masks than two replicas do, and the weights are compared.
_TRAINING = ["--preset", "tiny", "--set", "dropout=0", "--batch-size", "16", "--max-length", "16", "--epochs",
             str(EPOCHS), "--seed", "3"]


def _run_cluster(data, run_dir, *, faults=(None, None)):
    """Starts both workers; returns `[(returncode, stdout, stderr, seconds), ...]` in worker order."""
    ports = free_ports(2)
    started = time.perf_counter()
    workers = [_start_worker(index, ports, data, run_dir, fault=fault) for index, fault in enumerate(faults)]
    results = []
    for worker in workers:
        stdout, stderr = worker.communicate(timeout=300)
        results.append((worker.returncode, stdout, stderr, time.perf_counter() - started))
    return results


def _weights(run_dir):
    return kzoo.load_model(run_dir / "model.keras").get_weights()


@pytest.fixture(scope="module")
def data(tmp_path_factory):
    path = tmp_path_factory.mktemp("data") / "train.txt"
    texts, labels = demo.demo_classification("train")
    path.write_text("".join(f"{label} {text}\n" for text, label in zip(texts[:200], labels[:200])))
    return path


@pytest.fixture(scope="module")
def two_worker_run(data, tmp_path_factory):
    run_dir = tmp_path_factory.mktemp("two_workers") / "run"
    results = _run_cluster(data, run_dir)
    for returncode, _, stderr, _ in results:
        assert returncode == 0, stderr[-3000:]
    assert "Run written to" in results[0][1] and "the chief (worker 0) wrote the run" in results[1][1]
    return run_dir


@pytest.mark.xdist_group("two_workers")
def test_grouped_tests_share_one_test_worker(request):
    """`--dist loadgroup` (the README's test command) sends a group to one worker; if it silently did not
    (pytest 9.2 with pytest-xdist 3.8), the two-worker run and the notebook kernel would be made on both."""
    if not request.config.getvalue("loadgroup"):
        pytest.skip("not run with --dist loadgroup")
    assert request.node.nodeid.endswith("@two_workers")


# One group: both tests use the module's two-worker run, made once on one test worker (`--dist loadgroup`).
@pytest.mark.xdist_group("two_workers")
def test_two_workers_train_as_one_process_with_the_same_global_batch(two_worker_run, data, tmp_path):
    metrics = json.loads((two_worker_run / "metrics.json").read_text())
    assert metrics["num_workers"] == 2 and metrics["num_replicas"] == 2 and metrics["global_batch_size"] == 16
    assert "MultiWorkerMirrored" in metrics["strategy"] or "CollectiveAllReduce" in metrics["strategy"]
    # Only the chief wrote the run directory; the other worker's temporary folder is gone.
    assert sorted(os.listdir(two_worker_run)) == sorted(
        ["assets", "best_model.keras", "checkpoints", "config.json", "history.json", "logs", "metrics.json",
         "model.keras"])

    single = tmp_path / "single"
    kzoo.train("bag_of_embeddings_classifier", dataset=str(data), preset="tiny", overrides={"dropout": 0},
               batch_size=16, max_length=16, epochs=EPOCHS, seed=3, run_dir=str(single), verbose=0)
    for two_workers, one_process in zip(_weights(two_worker_run), _weights(single)):
        np.testing.assert_allclose(two_workers, one_process, atol=WEIGHT_TOLERANCE)


@pytest.mark.xdist_group("two_workers")
def test_a_worker_killed_mid_epoch_stops_the_cluster_and_the_same_commands_resume_it(two_worker_run, data,
                                                                                     tmp_path):
    run_dir = tmp_path / "run"
    (chief_code, _, chief_error, chief_seconds), (killed_code, *_ , killed_seconds) = _run_cluster(
        data, run_dir, faults=(None, "train:2"))
    assert killed_code == -9  # SIGKILL in the middle of epoch 2
    assert chief_code == 2, chief_error[-3000:]  # the survivor stops on its own, with an error that says what to do
    assert "Lost contact with another worker (/job:worker/replica:0/task:1)" in chief_error
    assert "Start every worker again with the same command" in chief_error
    assert chief_seconds - killed_seconds < 60
    assert not (run_dir / "metrics.json").exists()

    results = _run_cluster(data, run_dir)
    for returncode, _, stderr, _ in results:
        assert returncode == 0, stderr[-3000:]
    assert "resuming after epoch 1" in results[0][1]  # lost only the unfinished epoch
    metrics = json.loads((run_dir / "metrics.json").read_text())
    assert metrics["resumed_from_epoch"] == 1 and metrics["epochs"] == EPOCHS
    for resumed, uninterrupted in zip(_weights(run_dir), _weights(two_worker_run)):
        np.testing.assert_allclose(resumed, uninterrupted, atol=WEIGHT_TOLERANCE)


def test_a_worker_that_cannot_reach_the_others_fails_in_bounded_time(data, tmp_path):
    started = time.perf_counter()
    lonely = _start_worker(1, free_ports(2), data, tmp_path / "run", timeout=3)
    _, stderr = lonely.communicate(timeout=120)
    assert lonely.returncode == 2
    assert "could not reach the other workers of the cluster" in stderr and "within 3 s" in stderr
    assert time.perf_counter() - started < 60
    assert not (tmp_path / "run").exists()
