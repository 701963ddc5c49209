"""Helpers for tests and benchmarks: random inputs shaped for any registered model, free loopback ports."""

import socket

import numpy as np

from kzoo.registry import get_spec


def random_batch(name, hyperparameters, *, batch_size=2, length=5, seed=0):
    """`(inputs, targets)` numpy arrays that model `name` built from `hyperparameters` accepts.

    Word and char ids are end-padded with 0 (every row keeps at least one token).

    Example:
        >>> spec = kzoo.get_spec("lstm_classifier")
        >>> x, y = random_batch("lstm_classifier", spec.hyperparameters("tiny"))
    """
    spec = get_spec(name)
    rng = np.random.default_rng(seed)
    if spec.input_kind == "features":
        x = rng.random((batch_size, hyperparameters["num_features"]), dtype=np.float32)
        return x, x.sum(axis=1, keepdims=True).astype(np.float32)

    if spec.input_kind == "source_target_ids":
        source = rng.integers(1, hyperparameters["source_vocabulary_size"], size=(batch_size, length), dtype=np.int32)
        target = rng.integers(1, hyperparameters["target_vocabulary_size"], size=(batch_size, length + 1),
                              dtype=np.int32)
        source[1:, length // 2 :] = 0  # padded sources
        inputs = {"encoder_token_ids": source, "decoder_token_ids": target[:, :-1]}
        return inputs, target[:, 1:]

    vocabulary_size = hyperparameters["vocabulary_size"]
    ids = rng.integers(1, vocabulary_size, size=(batch_size, length), dtype=np.int32)
    if spec.output_kind == "next_token_logits":
        return ids, np.roll(ids, -1, axis=1)

    lengths = rng.integers(1, length + 1, size=batch_size)
    lengths[0] = length
    positions = np.arange(length)[None, :]
    ids = np.where(positions < lengths[:, None], ids, 0).astype(np.int32)
    labels = rng.integers(0, hyperparameters["num_classes"], size=batch_size).astype(np.int32)
    if spec.input_kind == "wordpiece_ids":
        inputs = {
            "token_ids": ids,
            "segment_ids": np.zeros_like(ids),
            "padding_mask": (ids > 0),
        }
        return inputs, labels
    return ids, labels


def free_ports(count):
    """`count` distinct TCP ports free on 127.0.0.1 now (for a multi-worker cluster on loopback).

    Example:
        >>> cluster = {"worker": [f"127.0.0.1:{port}" for port in free_ports(2)]}
    """
    sockets = [socket.socket() for _ in range(count)]
    for handle in sockets:  # all bound at once, so the ports differ
        handle.bind(("127.0.0.1", 0))
    ports = [handle.getsockname()[1] for handle in sockets]
    for handle in sockets:
        handle.close()
    return ports
