"""Initialising a from-scratch model's token embeddings from a BERT checkpoint."""

import functools
import random

import keras_hub
import numpy as np

from kzoo.errors import invalid_value
from kzoo.pretrained import resolve_checkpoint


@functools.lru_cache(maxsize=2)
def checkpoint_backbone(checkpoint):
    """The keras-hub `BertBackbone` of a checkpoint, loaded once per process."""
    # Building the backbone draws initializer seeds from Python's and NumPy's global generators; put them back,
    # or a model's initial weights would depend on whether this cache was warm (on what the process built before).
    python_state, numpy_state = random.getstate(), np.random.get_state()
    try:
        return keras_hub.models.BertBackbone.from_preset(resolve_checkpoint(checkpoint))
    finally:
        random.setstate(python_state)
        np.random.set_state(numpy_state)


@functools.lru_cache(maxsize=2)
def checkpoint_embeddings(checkpoint):
    """The `(vocabulary, dim)` WordPiece token embedding matrix of a BERT checkpoint.

    Example:
        >>> checkpoint_embeddings("all_minilm_l6_v2").shape
        (30522, 384)
    """
    return np.asarray(checkpoint_backbone(checkpoint).token_embedding.embeddings.numpy())


def pretrained_sizes(checkpoint):
    """`{"vocabulary_size", "embedding_dim"}` that a model must have to take `checkpoint`'s embeddings."""
    rows, dim = checkpoint_embeddings(checkpoint).shape
    return {"vocabulary_size": rows, "embedding_dim": dim}


def load_token_embeddings(embedding_layer, checkpoint):
    """Copies the checkpoint's embeddings into the first rows of `embedding_layer`."""
    copy_embeddings(embedding_layer, checkpoint_embeddings(checkpoint), source=checkpoint)


def copy_embeddings(embedding_layer, matrix, *, source):
    """Copies `matrix` into the first rows of `embedding_layer`; `source` names it in errors.

    Rows past the matrix (hashed bigrams) keep their own init.
    """
    table = embedding_layer.embeddings
    if table.shape[1] != matrix.shape[1] or table.shape[0] < matrix.shape[0]:
        raise invalid_value(
            "pretrained_embeddings",
            f"a checkpoint with embedding_dim={table.shape[1]} and at most {table.shape[0]} rows",
            f"{source} ({matrix.shape[0]} x {matrix.shape[1]})",
        )
    values = np.array(table.numpy())
    values[: matrix.shape[0]] = matrix
    table.assign(values)


def build_with_pretrained_embeddings(model_class, arguments, *, dim_argument="embedding_dim", embedding_layers):
    """Builds `model_class(**arguments)`, first popping `pretrained_embeddings`, `context_layer` and `training_texts`.

    When `pretrained_embeddings` names a checkpoint, the vocabulary size and
    embedding width come from the checkpoint and its embeddings are copied into
    each layer that `embedding_layers(model)` lists: its input embeddings, or with
    `context_layer=k` its states after layer k pooled over `training_texts`
    (`kzoo.models.context_embeddings`). Only the builder knows the checkpoint: the
    model's config stays small, and a saved model reloads from its own weights.
    """
    arguments = dict(arguments)
    checkpoint = arguments.pop("pretrained_embeddings", None)
    context_layer = arguments.pop("context_layer", None)
    texts = arguments.pop("training_texts", None)
    if context_layer is not None and not checkpoint:
        raise invalid_value("context_layer", "None without `pretrained_embeddings` (the layers are a checkpoint's)",
                            context_layer)
    if checkpoint:
        sizes = pretrained_sizes(checkpoint)
        arguments["vocabulary_size"] = sizes["vocabulary_size"]
        arguments[dim_argument] = sizes["embedding_dim"]
    model = model_class(**arguments)
    if context_layer is not None:
        from kzoo.models.context_embeddings import load_context_embeddings  # it builds on this module

        load_context_embeddings(model, checkpoint, layer=context_layer, texts=texts, embedding_layers=embedding_layers,
                                preprocessor=arguments.get("preprocessor"))
    elif checkpoint:
        for layer in embedding_layers(model):
            load_token_embeddings(layer, checkpoint)
    return model
