"""Serving speed on raw strings: each classifier family's exported SavedModel next to `kzoo predict`'s path
(`model.predict` over tf.data) and keras-hub's `BertTextClassifier.predict` on the same MiniLM checkpoint.

Measured side by side in one run, on SST-2 test sentences (or the demo data where ../shared/data is absent):
latency p50/p99 of single-sentence requests (batch 1) and throughput at batch 64. The models carry their
default presets, adapted on the SST-2 training sentences and untrained: serving speed does not depend on
what the weights learnt. Writes benchmarks/results/serving.json.

    python benchmarks/serving.py [--requests 200] [--batches 20]
"""

import argparse
import json
import os
import platform
import statistics
import tempfile
import time

import numpy as np

from _common import DATA_DIR, RESULTS_DIR


def sentences():
    """(train texts, test texts): SST-2 where it is, else the demo data."""
    from kzoo.data import demo
    from kzoo.data.local_files import read_label_text

    folder = os.path.join(DATA_DIR, "sst2")
    if os.path.isdir(folder):
        train = read_label_text(os.path.join(folder, "stsa.binary.train")).texts
        test = read_label_text(os.path.join(folder, "stsa.binary.test")).texts
        return train, test, "SST-2"
    return list(demo.demo_classification("train")[0]), list(demo.demo_classification("test")[0]), "demo"


def latencies(call, texts, requests):
    """Milliseconds of `call([text])` for `requests` single texts, after 5 warm-up calls."""
    for text in texts[:5]:
        call([text])
    seconds = []
    for index in range(requests):
        started = time.perf_counter()
        call([texts[index % len(texts)]])
        seconds.append(time.perf_counter() - started)
    seconds = np.array(seconds) * 1000
    return {"p50_ms": float(np.percentile(seconds, 50)), "p99_ms": float(np.percentile(seconds, 99))}


def throughput(call, texts, batches, batch_size=64):
    """Texts per second of `call(batch of 64)` (median over `batches` calls, after 2 warm-up calls)."""
    chunks = [texts[i : i + batch_size] for i in range(0, len(texts) - batch_size + 1, batch_size)]
    for chunk in chunks[:2]:
        call(chunk)
    rates = []
    for index in range(batches):
        chunk = chunks[index % len(chunks)]
        started = time.perf_counter()
        call(chunk)
        rates.append(len(chunk) / (time.perf_counter() - started))
    return float(statistics.median(rates))


def measure(name, call, texts, args):
    row = {"path": name, **latencies(call, texts, args.requests),
           "batch64_texts_per_second": throughput(call, texts, args.batches)}
    print(json.dumps(row))
    return row


def main():
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--requests", type=int, default=200, help="single-text requests timed per path")
    parser.add_argument("--batches", type=int, default=20, help="batches of 64 timed per path")
    parser.add_argument("--models", default="*_classifier", help="registered models to serve (pattern)")
    args = parser.parse_args()

    import keras
    import keras_hub
    import tensorflow as tf

    import kzoo
    from kzoo.pretrained import resolve_checkpoint
    from kzoo.serving import export_model, load_exported
    from kzoo.training.inference import probabilities

    train, test, data_name = sentences()
    rows = []
    with tempfile.TemporaryDirectory() as folder:
        for name in kzoo.list_models(args.models):
            if kzoo.get_spec(name).output_kind != "class_logits":
                continue
            model = kzoo.create_model(name, num_classes=2)
            if not model.preprocessor.is_adapted:
                model.preprocessor.adapt(train)
            serve = load_exported(export_model(model, os.path.join(folder, name), label_names=["0", "1"]))
            rows.append({"model": name, **measure(
                "SavedModel serving_default", lambda batch: serve(text=tf.constant(batch)), test, args)})
            rows.append({"model": name, **measure(
                "kzoo predict (model.predict on raw strings)", lambda batch: probabilities(model, batch), test, args)})
            if name == "bert_classifier":
                hub = keras_hub.models.BertTextClassifier.from_preset(
                    resolve_checkpoint("all_minilm_l6_v2"), num_classes=2, activation="softmax")
                hub.preprocessor.sequence_length = model.preprocessor.sequence_length
                rows.append({"model": name, **measure(
                    "keras-hub BertTextClassifier.predict (raw strings)",
                    lambda batch: hub.predict(np.array(batch), verbose=0), test, args)})

    os.makedirs(RESULTS_DIR, exist_ok=True)
    result = {"data": data_name, "machine": f"{platform.machine()}, {os.cpu_count()} CPU cores",
              "tensorflow": tf.__version__, "keras": keras.__version__, "keras_hub": keras_hub.__version__,
              "date": time.strftime("%Y-%m-%d"), "rows": rows}
    with open(os.path.join(RESULTS_DIR, "serving.json"), "w") as handle:
        json.dump(result, handle, indent=2)
    print("| model | path | p50 ms (batch 1) | p99 ms | texts/s (batch 64) |\n|---|---|---|---|---|")
    for row in rows:
        print(f"| {row['model']} | {row['path']} | {row['p50_ms']:.1f} | {row['p99_ms']:.1f} | "
              f"{row['batch64_texts_per_second']:.0f} |")


if __name__ == "__main__":
    main()
