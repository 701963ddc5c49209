"""Scale-out on loopback: `kzoo train` with 1 and 2 workers (MultiWorkerMirroredStrategy, one process each).

For the bag of embeddings and the transformer classifier (default presets) on the first EXAMPLES SST-2
training sentences, measured side by side in one run:
- examples/s and steps/s of one process at the global batch, and of two workers sharing it;
- one process at half the global batch, the compute each worker does per step: the difference between a
  two-worker step and that step estimates the per-step communication (all-reduce) time;
- the time a killed worker costs: worker 1 is SIGKILLed in the middle of epoch 2, the chief stops on its own,
  both are started again at once with the same commands, and the clock stops at the first new training step.
Every run compiles without XLA (XLA has no CPU kernels for the all-reduce), so the ratios compare like with like.
This machine has 2 cores, shared by the 2 workers: expect a ratio below 2. Each worker, and the half-batch run
that stands for one, gets its share of the cores (TF_NUM_INTRAOP_THREADS = cores / 2, one inter-op thread): left
to TensorFlow's defaults, two processes each start pools for every core and the transformer's two-worker step
took 2.5 s instead of 0.73 s (measured). Writes benchmarks/results/scale_out.json.

    python benchmarks/scale_out.py [--examples 4000] [--batch-size 64] [--models bag_of_embeddings_classifier]
"""

import argparse
import json
import os
import platform
import re
import subprocess
import sys
import tempfile
import threading
import time

from _common import RESULTS_DIR, data_path

from kzoo.testing import free_ports

MODELS = ("bag_of_embeddings_classifier", "transformer_classifier")


class Worker:
    """One `kzoo train` process; notes when its output first shows a training step after resuming."""

    def __init__(self, model, data, run_dir, batch_size, epochs, *, cluster=None, index=0, fault=None,
                 share_of_cores=False):
        environment = {**os.environ, "PYTHONUNBUFFERED": "1"}
        if share_of_cores:
            environment.update(TF_NUM_INTRAOP_THREADS=str(max(1, (os.cpu_count() or 2) // 2)),
                               TF_NUM_INTEROP_THREADS="1")
        environment.pop("KZOO_FAULT", None)
        if fault:
            environment["KZOO_FAULT"] = fault
        strategy = ["--strategy", "default"]
        if cluster:
            environment["TF_CONFIG"] = json.dumps({"cluster": {"worker": cluster},
                                                   "task": {"type": "worker", "index": index}})
            strategy = ["--strategy", "multi_worker"]
        command = [sys.executable, "-m", "kzoo", "train", model, *strategy, "--no-xla", "--dataset", data,
                   "--batch-size", str(batch_size), "--epochs", str(epochs), "--run-dir", run_dir]
        self.first_step_after_resume = None
        self.output = []
        self.process = subprocess.Popen(command, env=environment, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                                        text=True, bufsize=1)
        self._reader = threading.Thread(target=self._read, daemon=True)
        self._reader.start()

    def _read(self):
        resumed, text = False, ""
        while chunk := self.process.stdout.read(64):
            self.output.append(chunk)
            text = (text + chunk)[-4000:]
            resumed = resumed or "resuming after epoch" in text
            if resumed and self.first_step_after_resume is None and re.search(r"\d+/\d+\S* \S*━", text):
                self.first_step_after_resume = time.perf_counter()

    def wait(self):
        self.process.wait(timeout=3600)
        self._reader.join(timeout=10)
        return self.process.returncode


def train(model, data, batch_size, *, workers, epochs=2, share_of_cores=False):
    """`(examples/s, steps/s)` of the chief's second epoch."""
    with tempfile.TemporaryDirectory() as folder:
        run_dir = os.path.join(folder, "run")
        cluster = [f"127.0.0.1:{port}" for port in free_ports(workers)] if workers > 1 else None
        processes = [Worker(model, data, run_dir, batch_size, epochs, cluster=cluster, index=index,
                            share_of_cores=share_of_cores or workers > 1) for index in range(workers)]
        for process in processes:
            if process.wait() != 0:
                raise RuntimeError("".join(process.output)[-3000:])
        history = json.load(open(os.path.join(run_dir, "history.json")))
    examples_per_second = history[-1]["examples_per_second"]
    return examples_per_second, examples_per_second / batch_size


def time_lost_to_a_killed_worker(model, data, batch_size):
    """Seconds from worker 1's SIGKILL (mid epoch 2) to the restarted cluster's first training step."""
    with tempfile.TemporaryDirectory() as folder:
        run_dir = os.path.join(folder, "run")
        cluster = [f"127.0.0.1:{port}" for port in free_ports(2)]
        chief = Worker(model, data, run_dir, batch_size, 3, cluster=cluster, index=0, share_of_cores=True)
        victim = Worker(model, data, run_dir, batch_size, 3, cluster=cluster, index=1, fault="train:2",
                        share_of_cores=True)
        victim.wait()
        killed = time.perf_counter()
        chief_code = chief.wait()
        detected = time.perf_counter()
        assert victim.process.returncode == -9 and chief_code != 0, "".join(chief.output)[-3000:]
        restarted = [Worker(model, data, run_dir, batch_size, 3, cluster=cluster, index=index, share_of_cores=True)
                     for index in (0, 1)]
        while restarted[0].first_step_after_resume is None and restarted[0].process.poll() is None:
            time.sleep(0.05)
        first_step = restarted[0].first_step_after_resume
        for process in restarted:
            process.wait()
    return {"kill_to_chief_exit_s": detected - killed, "kill_to_first_new_step_s": first_step - killed}


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--examples", type=int, default=4000)
    parser.add_argument("--batch-size", type=int, default=64, help="global batch")
    parser.add_argument("--models", nargs="+", default=list(MODELS))
    args = parser.parse_args()
    sst2 = data_path("sst2", "stsa.binary.train")
    with tempfile.TemporaryDirectory() as folder:
        data = os.path.join(folder, "train.txt")
        with open(sst2) as source, open(data, "w") as subset:
            subset.writelines(line for _, line in zip(range(args.examples), source))
        rows = []
        for model in args.models:
            one, one_steps = train(model, data, args.batch_size, workers=1)
            half, half_steps = train(model, data, args.batch_size // 2, workers=1, share_of_cores=True)
            two, two_steps = train(model, data, args.batch_size, workers=2)
            row = {
                "model": model,
                "one_worker_examples_per_s": one, "one_worker_steps_per_s": one_steps,
                "two_workers_examples_per_s": two, "two_workers_steps_per_s": two_steps,
                "two_over_one": two / one,
                "half_batch_step_ms": 1000 / half_steps, "two_worker_step_ms": 1000 / two_steps,
                "communication_ms_per_step": 1000 / two_steps - 1000 / half_steps,
            }
            row.update(time_lost_to_a_killed_worker(model, data, args.batch_size))
            rows.append(row)
            print(json.dumps(row, indent=1), flush=True)
    os.makedirs(RESULTS_DIR, exist_ok=True)
    with open(os.path.join(RESULTS_DIR, "scale_out.json"), "w") as handle:
        json.dump({"date": time.strftime("%Y-%m-%d"), "machine": f"{platform.machine()}, {os.cpu_count()} cores",
                   "examples": args.examples, "global_batch_size": args.batch_size, "rows": rows}, handle, indent=1)
    print("| model | 1 worker ex/s (steps/s) | 2 workers ex/s (steps/s) | ratio | step at half batch | "
          "2-worker step | communication/step | kill → chief exits | kill → first new step |")
    print("|---|---|---|---|---|---|---|---|---|")
    for r in rows:
        print(f"| {r['model']} | {r['one_worker_examples_per_s']:.0f} ({r['one_worker_steps_per_s']:.1f}) | "
              f"{r['two_workers_examples_per_s']:.0f} ({r['two_workers_steps_per_s']:.1f}) | "
              f"{r['two_over_one']:.2f}x | {r['half_batch_step_ms']:.0f} ms | {r['two_worker_step_ms']:.0f} ms | "
              f"{r['communication_ms_per_step']:.0f} ms | {r['kill_to_chief_exit_s']:.1f} s | "
              f"{r['kill_to_first_new_step_s']:.1f} s |")


if __name__ == "__main__":
    main()
