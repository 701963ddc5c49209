"""kzoo's XLA training steps, exported for a machine without TensorFlow, run there exactly as TensorFlow runs them."""

import json
import os
import subprocess
import sys
import textwrap

import keras
import numpy as np
import pytest
import tensorflow as tf

from kzoo.bench.device import benchmark_batch, benchmark_models
from kzoo.bench.speed import make_trainer
from kzoo.bench.step_programs import export_step_programs

pytest.importorskip("jax")  # the test extra installs it; the runner needs nothing else

REPOSITORY = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
# The JAX side runs in its own process, as on the GPU machine: it must not need TensorFlow or Keras.
RUNNER = textwrap.dedent("""
    import json, sys
    import numpy as np
    from kzoo.bench import xla_runner
    directory, output = sys.argv[1:]
    jax, client = xla_runner.jax_backend()
    device = jax.devices()[0]
    sums = {}
    for entry in json.load(open(directory + "/manifest.json"))["programs"]:
        program = xla_runner.Program(directory + "/" + entry["program"], entry["aliases"], client, device)
        arguments = xla_runner.program_arguments(jax, entry, directory, device)
        sums[entry["model"]] = []
        for _ in range(3):
            arguments, step_sums = program.step(arguments)
            sums[entry["model"]].append(np.asarray(step_sums).tolist())
    rows = xla_runner.run_step_programs(directory, output_dir=output, steps=2, repeats=1)
    quiet = xla_runner.run_step_programs(directory, steps=1, repeats=1, patterns=["bert*"], overlap=False)
    assert [row["model"] for row in quiet] == ["bert_classifier"], quiet
    profiled = xla_runner.profile_step_program(directory, "bert_classifier-float32-4.mlir.gz", output_dir=output,
                                               steps=1, log=lambda line: None)
    assert profiled and profiled[0]["ms_per_step"] > 0, profiled
    print(json.dumps({"sums": sums, "tensorflow_loaded": "tensorflow" in sys.modules or "keras" in sys.modules}))
""")


def test_exported_steps_run_under_jax_number_for_number(tmp_path):
    """Three steps through JAX's XLA give TensorFlow's sums (the later ones check that the variables carry over)."""
    # An encoder with a padding mask, and a causal decoder (its mask is a boolean constant in the program).
    models = {**benchmark_models("bert_classifier", quick=True),
              **benchmark_models("transformer_language_model", quick=True)}
    manifest = export_step_programs(models, output_dir=tmp_path / "steps", batch_sizes=(4,), precisions=("float32",),
                                    quick=True, with_values=True, log=lambda line: None)
    expected = {}
    for entry in manifest["programs"]:
        name = entry["model"]
        keras.backend.clear_session()
        hyperparameters = models[name][1]
        trainer = make_trainer(name, hyperparameters, jit_compile=True)
        inputs, labels = benchmark_batch(name, hyperparameters, batch_size=4, length=entry["length"])
        saved = np.load(tmp_path / "steps" / entry["batch"])
        variables = trainer.train_step_program(inputs, labels).variables
        for i, variable in enumerate(variables):
            variable.assign(saved[f"variable_{i}"])
        step = tf.function(trainer._train_step, jit_compile=True)
        expected[name] = [step(inputs, labels).numpy().tolist() for _ in range(3)]

    result = subprocess.run([sys.executable, "-c", RUNNER, str(tmp_path / "steps"), str(tmp_path / "out")],
                            capture_output=True, text=True, cwd=REPOSITORY, timeout=600,
                            env={**os.environ, "JAX_PLATFORMS": "cpu", "PYTHONPATH": REPOSITORY})
    assert result.returncode == 0, result.stderr[-3000:]
    reported = json.loads(result.stdout.strip().splitlines()[-1])
    assert not reported["tensorflow_loaded"]
    for name, steps in expected.items():
        np.testing.assert_allclose(reported["sums"][name], steps, rtol=1e-4, err_msg=name)
        assert steps[0][0] != steps[2][0], name  # the third step saw trained variables (the first has warmup's 0)
    rows = json.loads((tmp_path / "out" / "device_xla_programs.json").read_text())["rows"]
    assert {row["model"] for row in rows} == set(models)
    assert all(row["items_per_second"] > 0 and row["model_tflops"] > 0 and row["xla"] for row in rows)
    assert "| transformer_language_model | float32 | on |" in (tmp_path / "out" / "device_xla_programs.md").read_text()
    profile = json.loads((tmp_path / "out" / "profile-bert_classifier-float32-4.json").read_text())
    assert profile["seconds_per_step"] > 0 and profile["lines"]
    assert (tmp_path / "out" / "optimized-bert_classifier-float32-4.hlo.gz").stat().st_size > 0
