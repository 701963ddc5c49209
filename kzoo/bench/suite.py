"""`kzoo bench`: speed of every registered model, kzoo versus the code it replaces, quality on real data."""

import fnmatch
import json
import os
import tempfile

import keras
import tensorflow as tf

from kzoo.bench import comparisons, quality
from kzoo.bench.report import today, write_results
from kzoo.bench.speed import measure_linear_regression, measure_text_model
from kzoo.data import demo
from kzoo.registry import get_spec, list_models

DEFAULT_DATA_DIR = os.path.join("..", "shared", "data")


def machine_info():
    """The machine and library versions, for the header of every result."""
    import platform

    return {"machine": f"{platform.machine()}, {os.cpu_count()} CPU cores, {platform.system()}",
            "python": platform.python_version(), "tensorflow": tf.__version__, "keras": keras.__version__}


def _sst2(data_dir):
    folder = os.path.join(data_dir, "sst2")
    if not os.path.isdir(folder):
        return None
    return {split: os.path.join(folder, f"stsa.binary.{split}") for split in ("train", "dev", "test")}


def _shakespeare(data_dir):
    path = os.path.join(data_dir, "tinyshakespeare", "input.txt")
    if not os.path.exists(path):
        return None
    with open(path, encoding="utf-8") as handle:
        return handle.read()


def _cmn_eng_train(data_dir):
    path = os.path.join(data_dir, "cmn-eng", "train.tsv")
    return path if os.path.exists(path) else None


def _translation_pairs(data_dir, *, quick):
    """English-Chinese pairs: the cmn-eng training split where present (not in quick mode), else the demo's."""
    path = _cmn_eng_train(data_dir)
    if quick or path is None:
        sources, targets = demo.demo_pairs("train")
        if quick:
            sources, targets = sources[:512], targets[:512]
    else:
        from kzoo.data.local_files import read_pairs

        examples = read_pairs(path)
        sources, targets = examples.texts, examples.labels
    return tf.data.Dataset.from_tensor_slices((sources, targets))


def rerun_quality(pattern="*", *, output_dir="benchmarks", data_dir=None, log=print):
    """Re-runs only the SST-2 quality rows of models matching `pattern` (after a
    change of defaults) and keeps every other row of `output_dir/results.json`."""
    data_dir = data_dir or os.environ.get("KZOO_DATA_DIR", DEFAULT_DATA_DIR)
    sst2 = _sst2(data_dir)
    if sst2 is None:
        raise FileNotFoundError(f"No SST-2 data under {data_dir!r}: expected {os.path.join(data_dir, 'sst2')}/")
    path = os.path.join(output_dir, "results.json")
    if not os.path.exists(path):
        raise FileNotFoundError(f"No earlier results to update at {path!r}: run `kzoo bench` first.")
    with open(path) as handle:
        results = json.load(handle)

    def merged(new_rows):
        renewed = {row["model"] for row in new_rows}
        return [row for row in results["quality"] if row["model"] not in renewed] + new_rows

    rows = _quality(pattern, sst2, log, lambda rows: write_results({**results, "quality": merged(rows)}, output_dir),
                    include_language_model=False)
    results["quality"] = sorted(merged(rows), key=lambda row: row["model"])
    write_results(results, output_dir)
    return results


def run_suite(pattern="*", *, quick=False, output_dir="benchmarks", data_dir=None, quality_runs=True,
              quality_from=None, log=print):
    """Runs the benchmarks for models matching `pattern`; writes and returns the results.

    `quality_from`: an earlier `results.json` whose quality rows (the slow SST-2
    training runs) are reused instead of re-run; RESULTS.md says so.
    """
    data_dir = data_dir or os.environ.get("KZOO_DATA_DIR", DEFAULT_DATA_DIR)
    sst2 = None if quick else _sst2(data_dir)
    shakespeare = None if quick else _shakespeare(data_dir)
    if sst2:
        texts, labels = quality.read_sst2(sst2["train"])
        translation = "cmn-eng train" if _cmn_eng_train(data_dir) else "the demo pairs"
        data_name = (f"SST-2 train (../shared/data/sst2), Tiny Shakespeare for the language models, {translation} "
                     "for the translator")
    else:
        texts, labels = demo.demo_classification("train")
        if quick:
            texts, labels = texts[:512], labels[:512]
        data_name = "kzoo demo data" + (" (quick subset)" if quick else "")
    classification = tf.data.Dataset.from_tensor_slices((texts, tf.constant(labels, tf.int64)))
    lm_text = shakespeare[: int(0.9 * len(shakespeare))] if shakespeare else demo.demo_text("train")
    if quick:
        lm_text = lm_text[:20_000]
    steps, repeats = (4, 1) if quick else (30, 3)

    results = {"date": today(), "machine": machine_info(), "quick": quick, "data": data_name,
               "speed": [], "comparisons": [], "quality": []}
    for name in list_models(pattern):
        spec = get_spec(name)
        preset = "tiny" if quick else None
        log(f"speed: {name}")
        if spec.output_kind == "regression":
            row = measure_linear_regression(steps=steps, repeats=repeats)
        elif spec.output_kind == "next_token_logits":
            row = measure_text_model(name, lm_text, preset=preset, steps=steps, repeats=repeats)
        elif spec.output_kind == "translation_logits":
            row = measure_text_model(name, _translation_pairs(data_dir, quick=quick), preset=preset, steps=steps,
                                     repeats=repeats)
        else:
            if quick and spec.input_kind == "word_ids":
                preset = "tiny"
            row = measure_text_model(name, classification, preset=preset, steps=steps, repeats=repeats,
                                     max_length=64 if quick else None)
        results["speed"].append(row)
        write_results(results, output_dir)  # after every row: a crash late in a long run loses nothing

    for name in ("bag_of_embeddings_classifier", "lstm_classifier"):
        if fnmatch.fnmatch(name, pattern) and not (quick and name == "lstm_classifier"):
            log(f"versus the example: {name}")
            results["comparisons"].append(
                comparisons.example_versus_kzoo(name, texts, labels, repeats=repeats)
            )
            write_results(results, output_dir)
    if not quick and fnmatch.fnmatch("bert_classifier", pattern):
        log("versus keras-hub: bert_classifier")
        results["comparisons"].append(comparisons.bert_versus_keras_hub(texts[:256], labels[:256]))

    if quality_from:
        with open(quality_from) as handle:
            earlier = json.load(handle)
        results["quality"] = earlier["quality"]
        results["quality_source"] = f"{quality_from}, run {earlier['date']}"
    elif quality_runs and sst2 and not quick:
        write_results(results, output_dir)
        results["quality"] = _quality(pattern, sst2, log, lambda rows: write_results({**results, "quality": rows}, output_dir))
    write_results(results, output_dir)
    return results


# Quality figures the suite does not re-measure (each takes 15-60 minutes): written by the scripts in benchmarks/.
RECORDED_QUALITY = {
    "lstm_language_model": ("shakespeare_lm.json", "Tiny Shakespeare val nats/char after 15 min",
                            lambda result: result["validation_nats_per_char"],
                            "≤ 1.60 target; example (Embedding 50, LSTM 128, naive) 1.90 after 8 min; "
                            "10.7M-param Transformer 1.47 on a GPU"),
    "transformer_language_model": ("shakespeare_transformer_lm.json", "Tiny Shakespeare val nats/char after 15 min",
                                   lambda result: result["validation_nats_per_char"],
                                   "≤ 1.50 and below the LSTM target; nanoGPT's baby GPT 1.47 on a GPU"),
    "transformer_translator": ("translation.json", "cmn-eng test BLEU (sacrebleu zh), default preset",
                               lambda result: result["runs"]["small"]["test_bleu"],
                               "target: above the example's sizes trained the same way"),
}


def _recorded_rows(pattern):
    rows = []
    for name, (file, metric, value, reference) in RECORDED_QUALITY.items():
        path = os.path.join("benchmarks", "results", file)
        if not fnmatch.fnmatch(name, pattern) or not os.path.exists(path):
            continue
        with open(path, encoding="utf-8") as handle:
            result = json.load(handle)
        example = result.get("runs", {}).get("example", {}).get("test_bleu")
        rows.append({"model": name, "metric": metric, "kzoo": value(result), "example": example, "target": None,
                     "reference": reference})
    return rows


def _quality(pattern, sst2, log, save, include_language_model=True):
    import kzoo

    rows = []
    train, test = quality.read_sst2(sst2["train"]), quality.read_sst2(sst2["test"])
    for name in list_models(pattern):
        if get_spec(name).output_kind != "class_logits":
            continue
        log(f"quality: {name} on SST-2")
        with tempfile.TemporaryDirectory() as run_dir:
            metrics = kzoo.train(name, dataset=sst2["train"], validation=sst2["dev"], test=sst2["test"],
                                 run_dir=os.path.join(run_dir, "run"), verbose=0)
        row = {"model": name, "date": today(), "metric": "SST-2 test accuracy", "kzoo": metrics["test"]["accuracy"],
               "kzoo_dev": metrics["validation"]["accuracy"], "kzoo_examples_per_second": metrics["examples_per_second"],
               "target": quality.TARGETS.get(name), "reference": quality.REFERENCES.get(name, "")}
        if name in quality.baselines.EXAMPLES:
            row["example"] = quality.example_accuracy(name, train, test)
        rows.append(row)
        save(rows)
        log(f"  {json.dumps(row)}")
    if include_language_model:
        rows += _recorded_rows(pattern)
    return rows
