"""`kzoo train` -> `evaluate` -> `predict` on the demo data, for every text model family."""

import json
import os

import pytest
import tensorflow as tf

import kzoo
from kzoo.cli import main

TEXT_MODELS = [name for name in kzoo.list_models() if kzoo.get_spec(name).output_kind != "regression"]


@pytest.fixture(scope="module")
def small_demo(tmp_path_factory):
    """The first 600 demo examples (classifiers, translators) and 8,000 demo characters (language models), as files."""
    from kzoo.data import demo

    folder = tmp_path_factory.mktemp("data")
    texts, labels = demo.demo_classification("train")
    (folder / "train.txt").write_text("".join(f"{demo.LABEL_NAMES[l]} {t}\n" for t, l in zip(texts[:600], labels)))
    (folder / "text.txt").write_text(demo.demo_text("train")[:8000])
    sources, targets = demo.demo_pairs("train")
    (folder / "pairs.tsv").write_text("".join(f"{s}\t{t}\n" for s, t in zip(sources[:600], targets)), encoding="utf-8")
    sources, targets = demo.demo_pairs("test")
    (folder / "pairs_test.tsv").write_text("".join(f"{s}\t{t}\n" for s, t in zip(sources[:64], targets)),
                                           encoding="utf-8")
    return folder


DATA_FILES = {"class_logits": "train.txt", "next_token_logits": "text.txt", "translation_logits": "pairs.tsv"}


def _train(run_dir, name, *extra, data=None):
    # A small slice of the demo data with the tiny preset keeps each run to seconds.
    dataset = [] if data is None else ["--dataset", str(data / DATA_FILES[kzoo.get_spec(name).output_kind])]
    return main(["train", name, "--preset", "tiny", "--epochs", "1", "--batch-size", "64",
                 "--max-length", "16", "--run-dir", str(run_dir), *dataset, *extra])


@pytest.mark.parametrize("name", TEXT_MODELS)
def test_train_evaluate_predict_round_trip(name, tmp_path, capsys, small_demo):
    run_dir = tmp_path / name
    translator = kzoo.get_spec(name).output_kind == "translation_logits"
    # The Transformer family's XLA steps are compiled by the contract tests; here they would double the time.
    no_xla = kzoo.get_spec(name).family in ("transformer", "bert")
    assert _train(run_dir, name, *(["--no-xla"] if no_xla else []), data=small_demo) == 0
    for file in ("config.json", "metrics.json", "history.json", "model.keras"):
        assert (run_dir / file).exists(), file
    metrics = json.loads((run_dir / "metrics.json").read_text())
    assert metrics["model"] == name and metrics["epochs"] == 1
    assert metrics["precision"] == "float32"
    if no_xla:
        assert metrics["jit_compile"] is False and metrics["jit_compile_chosen_by"] == "the caller"
    else:  # XLA unless the model's measured default on this device says otherwise (the masked LSTM on CPU)
        assert metrics["jit_compile"] is kzoo.get_spec(name).compile_defaults.jit_compile_on("cpu")
        assert metrics["jit_compile_chosen_by"] == "the model's default on cpu"
    assert metrics["steps_per_execution"] == kzoo.get_spec(name).compile_defaults.steps_per_execution
    assert metrics["examples_per_second"] > 0 and metrics["wall_seconds"] > 0
    assert "tensorboard --logdir" in capsys.readouterr().out

    test_data = str(small_demo / "pairs_test.tsv") if translator else "demo:test"  # BLEU decodes each pair
    assert main(["evaluate", str(run_dir), "--dataset", test_data]) == 0
    evaluated = json.loads(capsys.readouterr().out)
    assert evaluated["loss"] > 0
    if kzoo.get_spec(name).output_kind == "next_token_logits":
        assert set(metrics["validation"]) == {"loss", "accuracy", "perplexity"}
        sample, = _text_summaries(run_dir, "sample")  # one epoch: one sample logged to TensorBoard
        assert sample.startswith("```\n") and sample.endswith("\n```")
        assert main(["generate", str(run_dir), "--prompt", "The film", "--prompt", "I", "--max-length", "20",
                     "--sampler", "top_k", "--seed", "3"]) == 0
        first, second = capsys.readouterr().out.strip().split("\n\n")
        assert first.startswith("The film") and second.startswith("I")
        return
    if translator:
        assert 0.0 <= metrics["validation"]["bleu"] <= 100.0 and 0.0 <= evaluated["bleu"] <= 100.0
        table, = _text_summaries(run_dir, "translations")  # one epoch: one table of validation samples
        assert table.startswith("| source | reference | translation (greedy) |") and len(table.splitlines()) == 6
        assert main(["predict", str(run_dir), "The film was good.", "The plot is dull."]) == 0
        lines = capsys.readouterr().out.strip("\n").split("\n")
        assert [line.split("\t")[1] for line in lines] == ["The film was good.", "The plot is dull."]
        return
    assert 0.0 <= evaluated["accuracy"] <= 1.0
    assert main(["predict", str(run_dir), "the film was not good", "  ", "word " * 200_000]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert len(lines) == 3  # an empty text is classified too
    assert all(line.split("\t")[0] in {"negative", "positive"} for line in lines)
    assert len(lines[2]) < 300  # a 1 MB text is not echoed back whole


def test_trained_classifier_learns_the_demo(tmp_path):
    metrics = kzoo.train("lstm_classifier", dataset="demo:train[:2000]", preset="tiny",
                         overrides={"lstm_units": 16, "embedding_dim": 16, "vocabulary_size": 1000},
                         epochs=3, learning_rate=0.01, run_dir=str(tmp_path / "run"), verbose=0)
    assert metrics["validation"]["accuracy"] > 0.8  # chance is 0.5
    # The saved model is the first epoch with the best validation accuracy.
    history = json.loads((tmp_path / "run" / "history.json").read_text())
    best = max(history, key=lambda h: h["val_accuracy"])
    assert metrics["best_epoch"] == best["epoch"]
    assert metrics["validation"]["accuracy"] == pytest.approx(best["val_accuracy"], abs=1e-4)


def test_tensorboard_events_hold_the_expected_scalars(tmp_path):
    run_dir = tmp_path / "run"
    # 54 steps of 16 examples: batch summaries every 50 steps, and the epoch's.
    assert _train(run_dir, "bag_of_embeddings_classifier", "--dataset", "demo:train[:960]", "--batch-size", "16") == 0
    tags = {"train": set(), "validation": set()}
    for split in tags:
        folder = run_dir / "logs" / split
        for file in os.listdir(folder):
            for event in tf.compat.v1.train.summary_iterator(str(folder / file)):
                for value in event.summary.value:
                    tags[split].add(value.tag)
    assert {"epoch/loss", "epoch/accuracy", "epoch/learning_rate", "epoch/examples_per_second"} <= tags["train"]
    assert {"batch/loss"} <= tags["train"]
    assert {"epoch/loss", "epoch/accuracy"} <= tags["validation"]


def test_bad_input_gets_a_clear_error(tmp_path, capsys):
    assert main(["train", "lstm_clasifier"]) == 2
    assert "Did you mean 'lstm_classifier'" in capsys.readouterr().err
    small = ("--dataset", "demo:train[:200]")
    assert _train(tmp_path / "r", "lstm_classifier", "--set", "num_classes=3", *small) == 2
    assert "Invalid value for `num_classes`: expected 2 (the data has labels ['negative', 'positive'])" in capsys.readouterr().err
    assert main(["train", "lstm_classifier", "--dataset", str(tmp_path / "missing.txt")]) == 2
    assert "not found" in capsys.readouterr().err
    assert _train(tmp_path / "o", "lstm_classifier", "--optimizer", "sgdd", *small) == 2
    assert "Invalid value for `optimizer`" in capsys.readouterr().err
    assert main(["predict", str(tmp_path / "no_run"), "text"]) == 2
    assert "kzoo run directory" in capsys.readouterr().err


def test_word_level_language_model_trains_and_generates(tmp_path, capsys, small_demo):
    run_dir = tmp_path / "words"
    assert _train(run_dir, "lstm_language_model", "--tokenizer", "word", data=small_demo) == 0
    assert json.loads((run_dir / "config.json").read_text())["hyperparameters"]["tokenizer"] == "word"
    assert main(["generate", str(run_dir), "--prompt", "the film", "--max-length", "5"]) == 0
    out = capsys.readouterr().out.strip().splitlines()[-1]
    assert out.startswith("the film") and len(out.split()) == 7


def _text_summaries(run_dir, tag):
    """The texts a run logged to TensorBoard under `samples/` with `tag`."""
    texts = []
    folder = run_dir / "logs" / "samples"
    for file in os.listdir(folder):
        for event in tf.compat.v1.train.summary_iterator(str(folder / file)):
            texts += [tf.make_ndarray(v.tensor).item().decode() for v in event.summary.value if v.tag == tag]
    return texts


def test_the_same_seed_gives_the_same_run(tmp_path):
    from kzoo.data import demo

    texts, labels = demo.demo_classification("validation")
    data = tmp_path / "train.txt"
    data.write_text("".join(f"{label} {text}\n" for text, label in zip(texts[:300], labels[:300])))

    def run(name, seed):
        # The bag traces in a second where the Transformer takes ten; its dropout and shuffling draw from the seed too.
        return kzoo.train("bag_of_embeddings_classifier", dataset=str(data), preset="tiny",
                          overrides={"vocabulary_size": 200, "dropout": 0.5}, epochs=1, max_length=16, seed=seed, jit_compile=False, run_dir=str(tmp_path / name),
                          verbose=0)["validation"]["loss"]

    first = run("a", seed=3)
    assert run("b", seed=3) == pytest.approx(first, abs=1e-6)
    assert run("c", seed=4) != pytest.approx(first, abs=1e-6)


def test_listing_and_describing_models_need_no_tensorflow():
    """`kzoo --help`, `list` and `info` answer without importing TensorFlow (so at once, and without its log lines)."""
    import subprocess
    import sys

    script = (
        "import sys\n"
        "from kzoo.cli import main\n"
        "for argv in (['list'], ['list', 'lstm*'], ['info', 'bert_classifier']):\n"
        "    assert main(argv) == 0\n"
        "try:\n"
        "    main(['--help'])\n"
        "except SystemExit:\n"
        "    pass\n"
        "assert 'tensorflow' not in sys.modules and 'keras' not in sys.modules, 'TensorFlow was imported'\n"
    )
    result = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stderr
    assert "lstm_language_model" in result.stdout and '"compile_defaults"' in result.stdout
    assert result.stderr == ""


def test_commands_that_run_tensorflow_print_none_of_its_native_log_lines(tmp_path, small_demo):
    """A fresh `kzoo train` and `kzoo predict` keep TensorFlow's start-up and oneDNN notices off stderr.

    The default (MiniLM WordPiece) preset: its tokenizer is what first transposes an int64 tensor.
    """
    import re
    import subprocess
    import sys

    run_dir = str(tmp_path / "run")
    commands = (
        ["train", "bag_of_embeddings_classifier", "--epochs", "1", "--max-length", "16",
         "--dataset", str(small_demo / "train.txt"), "--run-dir", run_dir],
        ["predict", run_dir, "a fine film"],
    )
    for command in commands:
        result = subprocess.run([sys.executable, "-m", "kzoo", *command], capture_output=True, text=True, timeout=120)
        assert result.returncode == 0, result.stderr
        native = [line for line in result.stderr.splitlines() if re.match(r"[IWEF]\d{4} |WARNING: All log", line)]
        assert native == [], native
