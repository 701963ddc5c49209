import json
import os

import keras
import tensorflow as tf


class EpochCheckpoint(keras.callbacks.Callback):
    """Saves model, optimizer and epoch after every epoch, so a killed run resumes.

    A TensorFlow checkpoint (not `.keras`): it holds the optimizer state and
    works under every `tf.distribute` strategy. The per-epoch logs go to
    `history.json` beside it, so no finished epoch is lost.

    Example:
        >>> checkpoint = EpochCheckpoint(model, optimizer, "runs/x/checkpoints", "runs/x/history.json")
        >>> initial_epoch, history = checkpoint.restore()
    """

    def __init__(self, model, optimizer, directory, history_path, *, max_to_keep=2):
        super().__init__()
        self._epoch = tf.Variable(0, dtype=tf.int64, trainable=False, name="epoch")
        self._checkpoint = tf.train.Checkpoint(model=model, optimizer=optimizer, epoch=self._epoch)
        self._manager = tf.train.CheckpointManager(self._checkpoint, directory, max_to_keep=max_to_keep)
        self.history_path = history_path
        self.history = []

    def restore(self):
        """`(initial_epoch, history)` from the latest checkpoint; `(0, [])` when there is none."""
        latest = self._manager.latest_checkpoint
        if latest is None:
            return 0, []
        try:
            self._checkpoint.restore(latest).assert_existing_objects_matched()
        except (AssertionError, ValueError, tf.errors.OpError) as error:
            raise ValueError(
                f"Checkpoint {latest!r} does not match this model (different model or sizes?): "
                f"{str(error).splitlines()[0]}. Use a new --run-dir or delete the old one."
            ) from error
        epoch = int(self._epoch.numpy())
        if os.path.exists(self.history_path):
            with open(self.history_path) as handle:
                self.history = [entry for entry in json.load(handle) if entry["epoch"] <= epoch]
        return epoch, list(self.history)

    def on_epoch_end(self, epoch, logs=None):
        # History first: killed in between, the restore drops the entry and
        # redoes the epoch, so history and weights never disagree.
        self.history.append({"epoch": epoch + 1, **(logs or {})})
        temporary = self.history_path + ".tmp"
        with open(temporary, "w") as handle:
            json.dump(self.history, handle, indent=1)
        os.replace(temporary, self.history_path)
        self._epoch.assign(epoch + 1)
        self._manager.save(checkpoint_number=epoch + 1)
