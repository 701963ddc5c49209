import glob
import json
import logging
import os
import shutil

import keras
import tensorflow as tf

from kzoo.training.faults import kill_if_requested

logger = logging.getLogger("kzoo")


class EpochCheckpoint(keras.callbacks.Callback):
    """Saves model, optimizer and epoch after every epoch, so a killed run resumes exactly.

    A TensorFlow checkpoint (not `.keras`): it holds the optimizer state and
    works under every `tf.distribute` strategy. It holds every model variable,
    the dropout RNG states included (`model.variables`), so the resumed epochs
    draw the same dropout masks as an uninterrupted run. The per-epoch logs go
    to `history.json` beside it.

    In a multi-worker run every worker restores from the chief's checkpoints
    (`restore_from`: its checkpoint folder and history file) and saves into its
    own `directory`, as tf.distribute expects.

    A damaged newest checkpoint (a truncated or corrupt file) is reported and
    the newest intact one is used instead; temporary folders that a kill during
    saving left behind are removed.

    Example:
        >>> checkpoint = EpochCheckpoint(model, optimizer, "runs/x/checkpoints", "runs/x/history.json")
        >>> initial_epoch, history = checkpoint.restore()
    """

    def __init__(self, model, optimizer, directory, history_path, *, max_to_keep=2, restore_from=None):
        super().__init__()
        self.directory = directory
        self.restore_directory, self.restore_history_path = restore_from or (directory, history_path)
        self._epoch = tf.Variable(0, dtype=tf.int64, trainable=False, name="epoch")
        self._checkpoint = tf.train.Checkpoint(
            model_variables=list(model.variables), optimizer=optimizer, epoch=self._epoch
        )
        self._manager = tf.train.CheckpointManager(self._checkpoint, directory, max_to_keep=max_to_keep)
        self._restore_manager = (self._manager if self.restore_directory == directory else
                                 tf.train.CheckpointManager(self._checkpoint, self.restore_directory, max_to_keep=None))
        self.history_path = history_path
        self.history = []
        self.notes = []  # what restore had to work around, for the user

    def _remove_stale_temporaries(self):
        for stale in glob.glob(os.path.join(self.directory, "*_temp*")):
            shutil.rmtree(stale, ignore_errors=True) if os.path.isdir(stale) else os.remove(stale)

    def restore(self):
        """`(initial_epoch, history)` from the newest intact checkpoint; `(0, [])` when there is none."""
        self._remove_stale_temporaries()
        candidates = list(reversed(self._restore_manager.checkpoints))
        failures = []
        for prefix in candidates:
            try:
                self._checkpoint.restore(prefix).assert_existing_objects_matched()
            except Exception as error:  # noqa: BLE001 - a damaged file raises IndexError, OpError, ValueError...
                failures.append((prefix, error))
                continue
            epoch = int(self._epoch.numpy())
            if failures:
                lost = _epoch_of(failures[0][0]) - epoch
                for damaged, error in failures:
                    note = (f"Checkpoint {damaged!r} is damaged or unreadable ({_first_line(error)}); "
                            f"resuming from {prefix!r} (epoch {epoch}) instead, which costs {lost} epoch(s).")
                    logger.warning(note)
                    self.notes.append(note)
            self.history = [entry for entry in self._read_history() if entry["epoch"] <= epoch]
            return epoch, list(self.history)
        if failures:
            details = "; ".join(f"{os.path.basename(p)}: {_first_line(e)}" for p, e in failures)
            raise ValueError(
                f"No checkpoint in {self.restore_directory!r} can be restored into this model ({details}). They are "
                "damaged, or belong to a different model or sizes: use a new --run-dir or --overwrite."
            )
        return 0, []

    def _read_history(self):
        if not os.path.exists(self.restore_history_path):
            return []
        with open(self.restore_history_path) as handle:
            return json.load(handle)

    def on_epoch_end(self, epoch, logs=None):
        # History first: killed in between, the restore drops the entry and
        # redoes the epoch, so history and weights never disagree.
        self.history.append({"epoch": epoch + 1, **(logs or {})})
        temporary = self.history_path + ".tmp"
        with open(temporary, "w") as handle:
            json.dump(self.history, handle, indent=1)
        os.replace(temporary, self.history_path)
        self._epoch.assign(epoch + 1)
        kill_if_requested("checkpoint", epoch + 1)
        # TensorFlow writes the files under temporary names and updates the
        # `checkpoint` state file last: a kill mid-save leaves the previous one in force.
        self._manager.save(checkpoint_number=epoch + 1)


def _epoch_of(prefix):
    return int(prefix.rsplit("-", 1)[-1])


def _first_line(error):
    text = str(error).strip().splitlines()
    return f"{type(error).__name__}: {text[0][:200] if text else ''}"
