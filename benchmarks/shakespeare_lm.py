"""Tiny Shakespeare: a default char language model after a fixed training-time budget, and generation speed.

Trains `--model` (`lstm_language_model` or `transformer_language_model`) with its
defaults on the first 90% of the characters for `--minutes` (15 by default),
reports validation loss in nats per character on the last 10% and a
500-character sample, then measures, as ratios taken in this run:
- kzoo's sampling against the keras-io loop (one `model.predict` over the last
  window per character) on the trained model;
- for a model with positions (the Transformer), cached decoding against
  recomputing the whole text for every token, both XLA-compiled, for 500 new
  tokens, on the same architecture given 512 + 16 positions (random weights:
  speed does not depend on them).

    python benchmarks/shakespeare_lm.py [--minutes 15]    # the LSTM, for as many epochs as fit
    python benchmarks/shakespeare_lm.py --model transformer_language_model --epochs 10
    # (its warmup + cosine schedule spans --epochs: 10 fit 15 minutes on 2 CPU cores)
"""

import argparse
import json
import os
import time

import numpy as np

from _common import RESULTS_DIR, data_path

RESULT_FILES = {"lstm_language_model": "shakespeare_lm.json",
                "transformer_language_model": "shakespeare_transformer_lm.json"}


def keras_io_generate(model, tokenizer, prompt, length, window=100):
    """The keras-io text generation loop: predict on the last window for every new character."""
    ids = list(tokenizer.encode(prompt).numpy())
    for _ in range(length):
        context = np.array([ids[-window:]], np.int32)
        logits = model.predict(context, verbose=0)[0, -1]
        ids.append(int(np.argmax(logits)))
    return tokenizer.detokenize(ids)


def seconds_to_generate(generator, tokens, prompt="ROMEO:"):
    """Seconds for one greedy `tokens`-long continuation, compiled beforehand (as a user's second call)."""
    generator.generate([prompt], max_length=tokens)
    started = time.perf_counter()
    generator.generate([prompt], max_length=tokens)
    return time.perf_counter() - started


def cache_speedup(run, tokens=500):
    """Cached vs uncached decoding of `tokens` new tokens, on the run's architecture with room for them."""
    from kzoo.generation import TextGenerator

    config = {**run.model.get_config(), "sequence_length": 512 + 16, "preprocessor": run.preprocessor}
    model = type(run.model).from_config(config)
    cached = seconds_to_generate(TextGenerator(model, run.preprocessor), tokens)
    uncached = seconds_to_generate(TextGenerator(model, run.preprocessor, use_cache=False), tokens)
    return {"cached_tokens_per_second": tokens / cached, "uncached_tokens_per_second": tokens / uncached,
            "cache_speedup": uncached / cached, "cache_speedup_tokens": tokens}


def main():
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--model", default="lstm_language_model", choices=sorted(RESULT_FILES))
    parser.add_argument("--minutes", type=float, default=15.0)
    parser.add_argument("--epochs", type=int, default=1000,
                        help="epochs the learning-rate schedule spans (default: as many as the budget allows)")
    parser.add_argument("--learning-rate", type=float, help="peak learning rate (default: the model's)")
    parser.add_argument("--run-dir", default=None, help="default: runs/shakespeare-<model>")
    parser.add_argument("--keras-io-chars", type=int, default=100, help="characters timed for the slow loop")
    args = parser.parse_args()
    text_path = data_path("tinyshakespeare", "input.txt")
    run_dir = args.run_dir or f"runs/shakespeare-{args.model}"

    import kzoo
    from kzoo.bench.suite import machine_info
    from kzoo.generation import TextGenerator

    metrics = kzoo.train(
        args.model, dataset=text_path, epochs=args.epochs, learning_rate=args.learning_rate, run_dir=run_dir,
        time_budget_seconds=args.minutes * 60, sample_prompt="ROMEO:", verbose=1,
    )
    run = kzoo.load_run(run_dir)
    generator = TextGenerator(run.model, run.preprocessor)
    limit = run.model.max_positions
    sample_length = 500 if limit is None else limit - len("ROMEO:")
    sample = generator.generate(["ROMEO:"], max_length=sample_length, sampler="top_p", p=0.9, temperature=0.8,
                                seed=1)[0]

    new_chars = 500 if limit is None else limit // 2
    kzoo_chars_per_second = new_chars / seconds_to_generate(generator, new_chars)
    window = 100 if limit is None else min(100, limit)
    keras_io_generate(run.model, run.preprocessor, "ROMEO:", 3, window)  # warm up predict
    started = time.perf_counter()
    keras_io_generate(run.model, run.preprocessor, "ROMEO:", args.keras_io_chars, window)
    keras_io_chars_per_second = args.keras_io_chars / (time.perf_counter() - started)

    result = {
        **machine_info(),
        "model": args.model,
        "validation_nats_per_char": metrics["validation"]["loss"],
        "validation_perplexity": metrics["validation"]["perplexity"],
        "train_minutes": metrics["wall_seconds"] / 60,
        "epochs": metrics["epochs"],
        "tokens_per_second": metrics["examples_per_second"],
        "parameters": metrics["num_parameters"],
        "kzoo_chars_per_second": kzoo_chars_per_second,
        "kzoo_chars_timed": new_chars,
        "keras_io_chars_per_second": keras_io_chars_per_second,
        "generation_speedup": kzoo_chars_per_second / keras_io_chars_per_second,
        **(cache_speedup(run) if limit is not None else {}),
        "sample": sample,
    }
    os.makedirs(RESULTS_DIR, exist_ok=True)
    with open(os.path.join(RESULTS_DIR, RESULT_FILES[args.model]), "w") as handle:
        json.dump(result, handle, indent=2)
    print(json.dumps({k: v for k, v in result.items() if k != "sample"}, indent=2))
    print(f"\n--- {len(sample) - 6}-character sample (top-p 0.9, temperature 0.8) ---\n" + sample)


if __name__ == "__main__":
    main()
