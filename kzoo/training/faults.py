"""Fault injection for the exact-resume tests: `KZOO_FAULT=POINT:EPOCH` kills the process there (SIGKILL).

Points: `train` (halfway through the epoch's training steps), `evaluate` (the
epoch trained, its validation run, nothing of it saved yet) and `checkpoint`
(history written, the checkpoint being saved). Unset, nothing happens.
"""

import os
import signal

import keras

POINTS = ("train", "evaluate", "checkpoint")
ENVIRONMENT_VARIABLE = "KZOO_FAULT"


def _requested():
    spec = os.environ.get(ENVIRONMENT_VARIABLE)
    if not spec:
        return None, None
    point, _, epoch = spec.partition(":")
    if point not in POINTS or not epoch.isdigit():
        raise ValueError(f"Invalid value for `{ENVIRONMENT_VARIABLE}`: expected POINT:EPOCH with POINT one of "
                         f"{', '.join(POINTS)}, received {spec!r}")
    return point, int(epoch)


def kill_if_requested(point, epoch):
    """Kills this process at `point` of `epoch` (1-based) when `KZOO_FAULT` asks for it."""
    requested_point, requested_epoch = _requested()
    if requested_point == point and requested_epoch == epoch:
        os.kill(os.getpid(), signal.SIGKILL)


class FaultInjection(keras.callbacks.Callback):
    """Kills the run at `train` or `evaluate` points (place it before the checkpoint callback)."""

    def on_epoch_begin(self, epoch, logs=None):
        self._epoch = epoch + 1

    def on_train_batch_end(self, batch, logs=None):
        steps = self.params.get("steps") or 2
        if batch >= steps // 2:
            kill_if_requested("train", self._epoch)

    def on_epoch_end(self, epoch, logs=None):
        kill_if_requested("evaluate", epoch + 1)


def injection_callbacks():
    """`[FaultInjection()]` when `KZOO_FAULT` is set, else `[]`."""
    return [FaultInjection()] if _requested()[0] else []
