"""Using a finished run: load it, evaluate it on a dataset, classify texts, continue prompts."""

import dataclasses

import keras
import numpy as np

from kzoo.data import load as load_dataset
from kzoo.errors import check_texts
from kzoo.training import run_dir as rd
from kzoo.training.inputs import join_texts, make_batches
from kzoo.training.loop import Trainer
from kzoo.training.translation_metrics import corpus_bleu

MAX_ECHO = 200  # characters of an input text repeated in results


@dataclasses.dataclass
class Run:
    """A trained model (its preprocessor attached) and its config, loaded from a run directory."""

    directory: str
    config: dict
    model: keras.Model

    @property
    def task(self):
        return self.config["task"]

    @property
    def label_names(self):
        return self.config["label_names"]

    @property
    def preprocessor(self):
        return self.model.preprocessor

    @property
    def history(self):
        """One dict per finished epoch: its train and validation metrics, learning rate, examples/s and time."""
        return rd.read_json(self.directory, rd.HISTORY)


def load_run(run_dir):
    """Loads `model.keras` (safe mode: no arbitrary code) with its preprocessor and vocabulary.

    Example:
        >>> run = kzoo.load_run("runs/lstm")
        >>> run.model.predict(["a gripping film"])
    """
    config = rd.read_json(run_dir, rd.CONFIG)
    model_path = rd.path(run_dir, rd.MODEL)
    try:
        model = keras.saving.load_model(model_path, safe_mode=True)
    except (OSError, ValueError) as error:
        raise ValueError(f"Cannot load the model of run {run_dir!r} from {model_path!r}: {error}") from error
    return Run(run_dir, config, model)


def _as_run(run_dir_or_run):
    return run_dir_or_run if isinstance(run_dir_or_run, Run) else load_run(run_dir_or_run)


def evaluate(run_dir, dataset, *, batch_size=None, data_format=None, text_column="text", label_column="label",
             data_dir=None, split="test", jit_compile=True):
    """Metrics of a run on `dataset` (same metrics as training: loss, accuracy, perplexity)."""
    run = load_run(run_dir)
    data = load_dataset(
        dataset, task=run.task, split=split, label_names=run.config["label_names"], format=data_format,
        text_column=text_column, label_column=label_column, data_dir=data_dir,
    )
    if run.task == "language_modeling":
        data = join_texts(data)
    batches = make_batches(run.task, data, run.preprocessor,
                           batch_size=batch_size or run.config["settings"]["batch_size"])
    metrics = Trainer(run.model, task=run.task, jit_compile=jit_compile).evaluate(batches)
    if run.task == "translation":
        metrics["bleu"] = corpus_bleu(run.model, data)
    return metrics


def probabilities(model, texts, *, batch_size=64):
    """Class probabilities of raw texts, `(len(texts), num_classes)` float32."""
    logits = model.predict(texts, batch_size=batch_size, verbose=0)
    return keras.ops.convert_to_numpy(keras.ops.softmax(keras.ops.cast(logits, "float32"))).reshape(len(texts), -1)


def predict(run_dir_or_run, texts, *, batch_size=64):
    """`[{"text", "label", "probabilities": {label: p}}]` for each text, in order (a translator's run:
    `[{"text", "translation"}]`, greedy).

    Empty or whitespace-only texts are classified too (the model sees no word);
    `text` repeats at most the first 200 characters of each input.

    Example:
        >>> kzoo.predict("runs/lstm", ["a gripping film", "dull"])[0]["label"]
        'positive'
    """
    run = _as_run(run_dir_or_run)
    if run.task == "translation":
        texts = check_texts(texts)
        translations = run.model.translate(texts, batch_size=batch_size)
        return [{"text": _echo(text), "translation": translation} for text, translation in zip(texts, translations)]
    if run.task != "classification":
        raise ValueError(f"Run {run.directory!r} is a {run.task} run: use `kzoo generate` for text.")
    texts = check_texts(texts)
    names = run.label_names
    rows = probabilities(run.model, texts, batch_size=batch_size)
    return [
        {
            "text": _echo(text),
            "label": names[int(np.argmax(row))],
            "probabilities": {name: float(p) for name, p in zip(names, row)},
        }
        for text, row in zip(texts, rows)
    ]


def _echo(text):
    return text if len(text) <= MAX_ECHO else text[:MAX_ECHO] + "…"


def generate(run_dir_or_run, prompts, **options):
    """Continues `prompts` with the language model of a run (see `TextGenerator.generate` for the options).

    Example:
        >>> kzoo.generate("runs/shakespeare", ["ROMEO:"], max_length=300, sampler="top_p", seed=1)
    """
    run = _as_run(run_dir_or_run)
    if run.task != "language_modeling":
        raise ValueError(f"Run {run.directory!r} is a {run.task} run, not a language model: use `kzoo predict`.")
    return run.model.generate(prompts, **options)
