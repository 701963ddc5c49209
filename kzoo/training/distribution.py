"""Choosing the `tf.distribute` strategy: kzoo scales out through it, never its own engine."""

import json
import os

import tensorflow as tf


def select_strategy(*, tpu=None):
    """TPUStrategy for a TPU address; MultiWorkerMirrored when `TF_CONFIG` names
    several workers; Mirrored over several GPUs; otherwise the default strategy.

    Example:
        >>> strategy = select_strategy(tpu="local")  # in a Colab TPU runtime
    """
    if tpu:
        resolver = tf.distribute.cluster_resolver.TPUClusterResolver(tpu=None if tpu == "local" else tpu)
        tf.config.experimental_connect_to_cluster(resolver)
        tf.tpu.experimental.initialize_tpu_system(resolver)
        return tf.distribute.TPUStrategy(resolver)
    cluster = json.loads(os.environ.get("TF_CONFIG", "{}")).get("cluster", {})
    if len(cluster.get("worker", [])) > 1:
        return tf.distribute.MultiWorkerMirroredStrategy()
    if len(tf.config.list_logical_devices("GPU")) > 1:
        return tf.distribute.MirroredStrategy()
    return tf.distribute.get_strategy()


def describe(strategy):
    return f"{type(strategy).__name__} ({strategy.num_replicas_in_sync} replica(s))"
