"""From a dataset spec and a model spec to tokenizer and batches."""

import tensorflow as tf

from kzoo import data as kdata
from kzoo.data.pipeline import classification_batches, language_model_batches, split_validation
from kzoo.errors import invalid_value
from kzoo.text import CharTokenizer, WordPieceEncoder, WordVectorizer

TASK_OF_OUTPUT = {"class_logits": "classification", "next_token_logits": "language_modeling"}
TOKENIZER_OF_INPUT = {"word_ids": "word", "char_ids": "char", "wordpiece_ids": "wordpiece"}


def needs_bert_inputs(spec):
    return spec.input_kind == "wordpiece_ids"


def task_of(spec):
    if spec.output_kind not in TASK_OF_OUTPUT:
        raise ValueError(
            f"`{spec.name}` is not a text model (output: {spec.output_kind}); kzoo.train trains text models. "
            "Train it with `kzoo.models.fit_linear_regression` or Keras `fit`."
        )
    return TASK_OF_OUTPUT[spec.output_kind]


def join_texts(dataset):
    """All texts of a text dataset as one Python string (language modelling)."""
    return "".join(t.decode("utf-8") for t in dataset.as_numpy_iterator())


LANGUAGE_MODEL_TOKENIZERS = ("char", "word")


def tokenizer_kind(spec, hyperparameters, requested=None):
    """Which tokenizer feeds the model.

    WordPiece when the embeddings come from a BERT checkpoint; a language model
    may ask for `"word"` instead of its default `"char"`.
    """
    if requested is not None:
        if spec.input_kind != "char_ids":
            raise ValueError(f"`tokenizer` can only be chosen for a language model, not for `{spec.name}`.")
        if requested not in LANGUAGE_MODEL_TOKENIZERS:
            raise invalid_value("tokenizer", f"one of {LANGUAGE_MODEL_TOKENIZERS}", requested)
        return requested
    if hyperparameters.get("pretrained_embeddings"):
        return "wordpiece"
    return TOKENIZER_OF_INPUT[spec.input_kind]


WORD_LANGUAGE_MODEL_VOCABULARY = 10_000


def build_tokenizer(spec, hyperparameters, train, *, max_length, kind, overrides):
    """A new tokenizer of `kind` for the model, fitted to the training data where it learns one."""
    if kind == "char":
        return CharTokenizer.adapt(train)
    if spec.input_kind == "char_ids":  # a word-level language model
        size = overrides.get("vocabulary_size", WORD_LANGUAGE_MODEL_VOCABULARY)
        return WordVectorizer.adapt(tf.data.Dataset.from_tensors(train), max_tokens=size)
    texts = train.map(lambda text, label: text)
    if kind == "word":
        return WordVectorizer.adapt(texts, max_tokens=hyperparameters["vocabulary_size"])
    checkpoint = hyperparameters.get("checkpoint") or hyperparameters.get("pretrained_embeddings")
    if checkpoint is None:
        return WordPieceEncoder.adapt(texts, vocabulary_size=hyperparameters["vocabulary_size"], sequence_length=max_length)
    return WordPieceEncoder.from_checkpoint(checkpoint, sequence_length=max_length)


def data_hyperparameters(spec, hyperparameters, overrides, tokenizer, label_names):
    """The hyperparameters the data fixes: vocabulary size and number of classes.

    A `num_classes` the user set that disagrees with the data's labels is an error.
    """
    fixed = {}
    if spec.input_kind != "wordpiece_ids" or hyperparameters.get("checkpoint") is None:
        fixed["vocabulary_size"] = tokenizer.vocabulary_size
    if label_names is not None:
        given = overrides.get("num_classes")
        if given is not None and given != len(label_names):
            raise invalid_value("num_classes", f"{len(label_names)} (the data has labels {label_names})", given)
        fixed["num_classes"] = len(label_names)
    return fixed


def max_length_for(spec, hyperparameters, requested):
    """`requested`, capped by what the model's position embeddings allow."""
    for key in ("sequence_length", "max_sequence_length"):
        if hyperparameters.get(key):
            return min(requested, hyperparameters[key])
    if spec.input_kind == "wordpiece_ids" and hyperparameters.get("checkpoint"):
        return min(requested, 512)
    return requested


def load_splits(task, dataset, validation, test, *, options, validation_fraction, seed):
    """`(train, validation, test, info)`; validation split off train when not given."""
    train, info = kdata.load(dataset, task=task, with_info=True, **options)
    names = {"label_names": info.label_names} if task == "classification" else {}
    valid = kdata.load(validation, task=task, split="validation", **names, **options) if validation else None
    tested = kdata.load(test, task=task, split="test", **names, **options) if test else None
    if task == "language_modeling":
        train = join_texts(train)
        if valid is None:
            cut = int(len(train) * (1 - validation_fraction))
            train, valid = train[:cut], train[cut:]
        else:
            valid = join_texts(valid)
        tested = join_texts(tested) if tested is not None else None
    elif valid is None:
        train, valid = split_validation(train, fraction=validation_fraction, seed=seed)
    return train, valid, tested, info


def make_batches(task, data, tokenizer, *, batch_size, max_length, shuffle=False, seed=0,
                 fixed_length=False, keep_order=False, bert_inputs=False):
    """Batches for a compiled step; `bert_inputs` makes BERT's input dicts."""
    if task == "language_modeling":
        texts = tf.data.Dataset.from_tensors(data)
        return language_model_batches(texts, tokenizer, window=max_length, batch_size=batch_size,
                                      shuffle=shuffle, seed=seed)
    model_inputs = WordPieceEncoder.model_inputs if bert_inputs else None
    return classification_batches(
        data, tokenizer, batch_size=batch_size, max_length=max_length, shuffle=shuffle, seed=seed,
        drop_remainder=fixed_length, fixed_length=fixed_length, keep_order=keep_order,
        model_inputs=model_inputs,
    )
