"""`kzoo bench --quick` keeps the benchmark runner working (it checks files and numbers, not speed)."""

import csv
import json
import math

from kzoo.cli import main


def test_quick_bench_writes_all_outputs_with_numbers(tmp_path, capsys):
    output = tmp_path / "results"
    assert main(["bench", "--quick", "--output", str(output)]) == 0
    for name in ("results.json", "speed.csv", "RESULTS.md", "speed.png"):
        assert (output / name).exists(), name
    results = json.loads((output / "results.json").read_text())
    assert results["quick"] is True
    models = {row["model"] for row in results["speed"]}
    assert models == {"bag_of_embeddings_classifier", "bert_classifier", "linear_regression", "lstm_classifier",
                      "lstm_language_model", "transformer_classifier"}
    for row in results["speed"]:
        for key in ("train_xla", "train_no_xla", "train_bf16_xla", "inference_xla", "xla_speedup",
                    "forward_flops_per_item", "train_gflops_per_second"):
            assert isinstance(row[key], float) and math.isfinite(row[key]) and row[key] > 0, (row["model"], key)
    comparison = results["comparisons"][0]
    assert comparison["baseline"] > 0 and comparison["kzoo"] > 0
    rows = list(csv.DictReader(open(output / "speed.csv")))
    assert len(rows) == 6
    markdown = (output / "RESULTS.md").read_text()
    assert "| lstm_classifier |" in markdown and "versus the code it replaces" in markdown
