"""Using a finished run: evaluate it on a dataset, classify texts."""

import dataclasses

import keras
import numpy as np
import tensorflow as tf

from kzoo.data import load as load_dataset
from kzoo.text import load_tokenizer
from kzoo.training import run_dir as rd
from kzoo.registry import get_spec
from kzoo.training.inputs import join_texts, make_batches, needs_bert_inputs
from kzoo.training.loop import Trainer


@dataclasses.dataclass
class Run:
    """A trained model with its tokenizer and config, loaded from a run directory."""

    directory: str
    config: dict
    model: keras.Model
    tokenizer: object

    @property
    def task(self):
        return self.config["task"]

    @property
    def bert_inputs(self):
        return needs_bert_inputs(get_spec(self.config["model"]))


def load_run(run_dir):
    """Loads `model.keras` (safe mode: no arbitrary code) and the tokenizer assets.

    Example:
        >>> run = load_run("runs/lstm")
    """
    config = rd.read_json(run_dir, rd.CONFIG)
    model_path = rd.path(run_dir, rd.MODEL)
    try:
        model = keras.saving.load_model(model_path, safe_mode=True)
    except (OSError, ValueError) as error:
        raise ValueError(f"Cannot load the model of run {run_dir!r} from {model_path!r}: {error}") from error
    tokenizer = load_tokenizer(config["tokenizer"], rd.path(run_dir, rd.ASSETS))
    return Run(run_dir, config, model, tokenizer)


def evaluate(run_dir, dataset, *, batch_size=None, data_format=None, text_column="text", label_column="label",
             data_dir=None, split="test", jit_compile=True):
    """Metrics of a run on `dataset` (same metrics as training: loss, accuracy, perplexity)."""
    run = load_run(run_dir)
    config = run.config
    data = load_dataset(
        dataset, task=run.task, split=split, label_names=config["label_names"], format=data_format,
        text_column=text_column, label_column=label_column, data_dir=data_dir,
    )
    if run.task == "language_modeling":
        data = join_texts(data)
    batches = make_batches(
        run.task, data, run.tokenizer, batch_size=batch_size or config["training"]["batch_size"],
        max_length=config["max_length"], bert_inputs=run.bert_inputs,
    )
    return Trainer(run.model, task=run.task, jit_compile=jit_compile).evaluate(batches)


def check_texts(texts):
    """Raises a clear error for empty input or an empty text (naming its position)."""
    texts = list(texts)
    if not texts:
        raise ValueError("No text to classify: pass TEXT arguments or lines on standard input.")
    for index, text in enumerate(texts):
        if not isinstance(text, str) or not text.strip():
            raise ValueError(f"Text #{index + 1} is empty: every text needs at least one character.")
    return texts


def predict(run_dir_or_run, texts, *, batch_size=64):
    """`[{"text", "label", "probabilities": {label: p}}]` for each text, in order.

    Example:
        >>> kzoo.predict("runs/lstm", ["a gripping film", "dull"])[0]["label"]
        'positive'
    """
    run = run_dir_or_run if isinstance(run_dir_or_run, Run) else load_run(run_dir_or_run)
    if run.task != "classification":
        raise ValueError(f"Run {run.directory!r} is a {run.task} run: use `kzoo generate` for text.")
    texts = check_texts(texts)
    data = tf.data.Dataset.from_tensor_slices((texts, tf.zeros(len(texts), tf.int64)))
    batches = make_batches(
        "classification", data, run.tokenizer, batch_size=batch_size, max_length=run.config["max_length"],
        keep_order=True, bert_inputs=run.bert_inputs,
    ).map(lambda inputs, label: inputs)
    logits = run.model.predict(batches, verbose=0)
    probabilities = keras.ops.convert_to_numpy(keras.ops.softmax(keras.ops.cast(logits, "float32")))
    names = run.config["label_names"]
    return [
        {
            "text": text,
            "label": names[int(np.argmax(row))],
            "probabilities": {name: float(p) for name, p in zip(names, row)},
        }
        for text, row in zip(texts, probabilities)
    ]
