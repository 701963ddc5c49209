"""Static token vectors pooled over contexts by a BERT checkpoint (Bommasani et al., 2020).

A token's vector is the mean of the checkpoint's hidden state after one of its
layers (or of the mean state after several) over the token's occurrences in
some texts (a model's training texts); a token the texts lack is run alone
(`[CLS] token [SEP]`). For a CNN reading fixed vectors this beats the
checkpoint's input embeddings on the dev splits of SUBJ and CR
(benchmarks/RESULTS.md).
"""

import functools

import keras
import numpy as np

from kzoo.errors import check_int, invalid_value
from kzoo.models.pretrained_embeddings import checkpoint_backbone, checkpoint_embeddings, copy_embeddings
from kzoo.text import WordPiecePreprocessor
from kzoo.text.text_preprocessor import as_text_dataset

TOKENIZE_BATCH_SIZE = 1024
CONTEXT_BATCH_TOKENS = 8192  # ids per batch of the pooling pass, padding included
# Contexts pooled at most: past it, texts are taken at an even stride. About 80 s on 2 CPU cores (~25k ids/s
# through MiniLM's first two layers); SST-2's training texts hold 174k ids (7 s), 25k long reviews ~7.5M.
CONTEXT_TOKEN_BUDGET = 2_000_000


def context_layers(layer):
    """`context_layer` as a tuple of layer numbers: an int, or a list or tuple of them (0: the embeddings' output)."""
    layers = tuple(layer) if isinstance(layer, (list, tuple)) else (layer,)
    if not layers:
        raise invalid_value("context_layer", "a layer number or a non-empty list of them", layer)
    for number in layers:
        check_int("context_layer", number, minimum=0)
    return layers


@functools.lru_cache(maxsize=4)
def _layer_probe(checkpoint, layers):
    """A Keras model from the checkpoint's BERT inputs to the mean of its hidden states after `layers` (a tuple)."""
    backbone = checkpoint_backbone(checkpoint)
    outputs = []
    for number in layers:
        if number > backbone.num_layers:
            raise invalid_value("context_layer", f"layers of {checkpoint} (0 to {backbone.num_layers})", number)
        name = f"transformer_layer_{number - 1}" if number else "embeddings_layer_norm"
        outputs.append(backbone.get_layer(name).output)
    return keras.Model(backbone.inputs, outputs[0] if len(outputs) == 1 else keras.layers.Average()(outputs))


def _states(probe, token_ids):
    ids = np.asarray(token_ids, dtype="int32")
    return np.asarray(probe.predict_on_batch(
        {"token_ids": ids, "segment_ids": np.zeros_like(ids), "padding_mask": ids != 0}), dtype="float64")


@functools.lru_cache(maxsize=4)
def _states_alone(checkpoint, layers, cls_token_id, sep_token_id):
    """`(vocabulary, dim)`: each token's mean state after `layers` when run alone as `[CLS] token [SEP]`."""
    probe = _layer_probe(checkpoint, layers)
    rows = checkpoint_embeddings(checkpoint).shape[0]
    alone = np.stack([np.full(rows, cls_token_id), np.arange(rows), np.full(rows, sep_token_id)], axis=1)
    states = np.concatenate([_states(probe, chunk)[:, 1] for chunk in np.array_split(alone, -(-rows // 1024))])
    states.flags.writeable = False
    return states


def pooled_states(checkpoint, *, layer, token_ids, cls_token_id, sep_token_id):
    """`(states, counts)`: each token's mean state after `layer` over its occurrences in `token_ids`.

    `layer` is a layer number or a list of them, whose states are averaged
    (0: the embeddings' output, the input of the first layer).

    `token_ids` is an iterable of 2-D batches of ids, padded with 0 (as a WordPiece
    preprocessor gives them, `[CLS]`/`[SEP]` included); tokens without an
    occurrence (count 0) get their state run alone.
    """
    layers = context_layers(layer)
    probe = _layer_probe(checkpoint, layers)
    positions = checkpoint_backbone(checkpoint).max_sequence_length
    states = np.array(_states_alone(checkpoint, layers, cls_token_id, sep_token_id))
    sums = np.zeros_like(states)
    counts = np.zeros(states.shape[0], dtype="int64")
    for batch in token_ids:
        batch = np.asarray(batch)[:, :positions]
        mask = batch != 0
        np.add.at(sums, batch[mask], _states(probe, batch)[mask])
        np.add.at(counts, batch[mask], 1)
    seen = counts > 0
    states[seen] = sums[seen] / counts[seen, None]
    return states, counts


def context_embeddings(checkpoint, *, layer, token_ids, vocabulary):
    """The `(vocabulary, dim)` matrix of pooled states, made to look like the checkpoint's input embeddings.

    Centred and scaled to the input embeddings' standard deviation (larger
    inputs hurt the CNN); bracketed tokens (`[PAD]`, `[CLS]`, `[unused0]`, ...)
    keep their input embeddings.

    Example:
        >>> ids = [preprocessor.tokenize(["a fine film", "a dull film"]).to_tensor().numpy()]
        >>> context_embeddings("all_minilm_l6_v2", layer=2, token_ids=ids, vocabulary=preprocessor.vocabulary)
    """
    inputs = checkpoint_embeddings(checkpoint)
    if len(vocabulary) != inputs.shape[0]:
        raise invalid_value("vocabulary", f"the {inputs.shape[0]} tokens of {checkpoint}", f"{len(vocabulary)} tokens")
    states, _ = pooled_states(checkpoint, layer=layer, token_ids=token_ids,
                              cls_token_id=vocabulary.index("[CLS]"), sep_token_id=vocabulary.index("[SEP]"))
    bracketed = np.array([token.startswith("[") and token.endswith("]") for token in vocabulary])
    matrix = states - states[~bracketed].mean(axis=0)
    matrix *= inputs[~bracketed].std() / matrix[~bracketed].std()
    matrix[bracketed] = inputs[bracketed]
    return matrix.astype(inputs.dtype)


def load_context_embeddings(model, checkpoint, *, layer, texts, embedding_layers, preprocessor):
    """Puts `checkpoint`'s layer-`layer` states pooled over `texts` into each of `embedding_layers(model)`.

    `texts` (strings, or a dataset of strings or of `(text, label)`) are
    tokenized by `preprocessor`, the model's own; with `texts=None` every token
    is run alone.
    """
    token_ids = []
    if texts is not None:
        if preprocessor is None:
            raise invalid_value("preprocessor", "the model's WordPiece preprocessor, to tokenize `training_texts`",
                                preprocessor)
        positions = checkpoint_backbone(checkpoint).max_sequence_length
        token_ids = length_sorted_batches([row[:positions] for row in _token_rows(texts, preprocessor)])
    vocabulary = (preprocessor or WordPiecePreprocessor.from_checkpoint(checkpoint)).vocabulary
    matrix = context_embeddings(checkpoint, layer=layer, token_ids=token_ids, vocabulary=vocabulary)
    for embedding_layer in embedding_layers(model):
        copy_embeddings(embedding_layer, matrix, source=f"{checkpoint} (layer {layer} states)")


def _token_rows(texts, preprocessor):
    """Each text's ids, as a list of 1-D arrays."""
    def flat(batch):
        ids = preprocessor.tokenize(batch)
        return ids.flat_values, ids.row_lengths()

    rows = []
    for values, lengths in as_text_dataset(texts).batch(TOKENIZE_BATCH_SIZE).map(flat).as_numpy_iterator():
        rows += np.split(values, np.cumsum(lengths)[:-1])
    return rows


def length_sorted_batches(rows, *, batch_tokens=CONTEXT_BATCH_TOKENS, budget=CONTEXT_TOKEN_BUDGET, multiple=16):
    """0-padded 2-D batches of `rows` (1-D id arrays) sorted by length, up to `batch_tokens` ids each.

    Sorting keeps the padding small; widths are rounded up to `multiple` so that
    few shapes reach the compiled probe. Past `budget` ids in all, every k-th row
    is kept (an even sample of the texts, whatever their order).

    Example:
        >>> [batch.shape for batch in length_sorted_batches([np.ones(3), np.ones(20)], batch_tokens=32)]
        [(1, 16), (1, 32)]
    """
    total = sum(len(row) for row in rows)
    if total > budget:
        rows = rows[::-(-total // budget)]
    batch = []
    for row in sorted(rows, key=len):
        if batch and _round_up(len(row), multiple) * (len(batch) + 1) > batch_tokens:
            yield _padded(batch, multiple)
            batch = []
        batch.append(row)
    if batch:
        yield _padded(batch, multiple)


def _round_up(length, multiple):
    return -(-length // multiple) * multiple


def _padded(sorted_rows, multiple):
    """The rows padded with 0 after their ends to the last (longest) one's length, rounded up to `multiple`."""
    width = _round_up(len(sorted_rows[-1]), multiple)
    return keras.utils.pad_sequences(sorted_rows, maxlen=width, dtype="int32", padding="post")
