"""Tiny Shakespeare: the default char LSTM after a fixed training-time budget, and generation speed.

Trains `lstm_language_model` with its defaults on the first 90% of the characters
for `--minutes` (15 by default), reports validation loss in nats per character on
the last 10% and a 500-character sample, then measures kzoo's sampling against
the keras-io loop (one `model.predict` over the whole window per character) on
the same trained model, as a ratio measured in this run.

    python benchmarks/shakespeare_lm.py [--minutes 15] [--run-dir runs/shakespeare]
"""

import argparse
import json
import os
import time

import numpy as np

from _common import RESULTS_DIR, data_path


def keras_io_generate(model, tokenizer, prompt, length, window=100):
    """The keras-io text generation loop: predict on the last window for every new character."""
    ids = list(tokenizer.encode(prompt).numpy())
    for _ in range(length):
        context = np.array([ids[-window:]], np.int32)
        logits = model.predict(context, verbose=0)[0, -1]
        ids.append(int(np.argmax(logits)))
    return tokenizer.detokenize(ids)


def main():
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--minutes", type=float, default=15.0)
    parser.add_argument("--run-dir", default="runs/shakespeare")
    parser.add_argument("--keras-io-chars", type=int, default=100, help="characters timed for the slow loop")
    args = parser.parse_args()
    text_path = data_path("tinyshakespeare", "input.txt")

    import kzoo
    from kzoo.bench.suite import machine_info
    from kzoo.generation import TextGenerator

    metrics = kzoo.train(
        "lstm_language_model", dataset=text_path, epochs=1000, run_dir=args.run_dir,
        time_budget_seconds=args.minutes * 60, sample_prompt="ROMEO:", verbose=1,
    )
    run = kzoo.load_run(args.run_dir)
    generator = TextGenerator(run.model, run.preprocessor)
    sample = generator.generate(["ROMEO:"], max_length=500, sampler="top_p", p=0.9, temperature=0.8, seed=1)[0]

    generator.generate(["ROMEO:"], max_length=500)  # compile once, as a user's second call would find it
    started = time.perf_counter()
    generator.generate(["ROMEO:"], max_length=500)
    kzoo_chars_per_second = 500 / (time.perf_counter() - started)
    keras_io_generate(run.model, run.preprocessor, "ROMEO:", 3)  # warm up predict
    started = time.perf_counter()
    keras_io_generate(run.model, run.preprocessor, "ROMEO:", args.keras_io_chars)
    keras_io_chars_per_second = args.keras_io_chars / (time.perf_counter() - started)

    result = {
        **machine_info(),
        "validation_nats_per_char": metrics["validation"]["loss"],
        "validation_perplexity": metrics["validation"]["perplexity"],
        "train_minutes": metrics["wall_seconds"] / 60,
        "epochs": metrics["epochs"],
        "tokens_per_second": metrics["examples_per_second"],
        "parameters": metrics["num_parameters"],
        "kzoo_chars_per_second": kzoo_chars_per_second,
        "keras_io_chars_per_second": keras_io_chars_per_second,
        "generation_speedup": kzoo_chars_per_second / keras_io_chars_per_second,
        "sample": sample,
    }
    os.makedirs(RESULTS_DIR, exist_ok=True)
    with open(os.path.join(RESULTS_DIR, "shakespeare_lm.json"), "w") as handle:
        json.dump(result, handle, indent=2)
    print(json.dumps({k: v for k, v in result.items() if k != "sample"}, indent=2))
    print("\n--- 500-character sample (top-p 0.9, temperature 0.8) ---\n" + sample)


if __name__ == "__main__":
    main()
