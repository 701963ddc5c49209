"""Makes sure Keras runs on the TensorFlow backend before anything imports it; quiets TF's start-up."""

import contextlib
import os
import re
import sys
import tempfile

os.environ.setdefault("KERAS_BACKEND", "tensorflow")
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

if "keras" in sys.modules:
    import keras

    if keras.backend.backend() != "tensorflow":
        raise ImportError(
            "kzoo is TensorFlow-native and needs the Keras backend `tensorflow`, "
            f"but Keras was already imported with backend `{keras.backend.backend()}`. "
            "Set KERAS_BACKEND=tensorflow before importing keras."
        )


def device_kind(strategy=None):
    """"tpu" under a TPUStrategy, else "gpu" where TensorFlow sees a GPU, else "cpu".

    Example:
        >>> device_kind()
        'cpu'
    """
    import tensorflow as tf

    strategy = strategy or tf.distribute.get_strategy()
    if isinstance(strategy, tf.distribute.TPUStrategy):
        return "tpu"
    return "gpu" if tf.config.list_logical_devices("GPU") else "cpu"


# Lines TensorFlow's native libraries print to stderr while loading on a machine without
# a GPU: absl's pre-init notice, info/warning lines, CUDA's failure to find a driver, and
# oneDNN's notice (logged as an error, once per process) that it leaves int64 ops to Eigen.
_NATIVE_NOISE = re.compile(
    r"^(WARNING: All log messages before absl::InitializeLog\(\)"
    r"|[IW]\d{4} "
    r"|E\d{4} .*\b(cuda_platform|cuda_dnn|cuda_fft|cuda_blas|cuda_diagnostics|cuda_executor)\.cc"
    r"|E\d{4} .*\butil\.cc:\d+\] oneDNN supports DT_INT64 only)"
)


def emit_one_time_notices():
    """Runs the op whose first use makes oneDNN log its int64 notice, so that it happens now.

    Called inside `quiet_native_logs`; otherwise the notice would interrupt the first
    tokenized batch of a command's output.
    """
    import tensorflow as tf

    tf.transpose(tf.zeros([1, 1], tf.int64))


@contextlib.contextmanager
def quiet_native_logs():
    """Hides TensorFlow's native start-up log lines (which bypass Python and TF_CPP_MIN_LOG_LEVEL).

    Everything else written to stderr in the block is replayed after it, so real
    errors still show.

    Example:
        >>> with quiet_native_logs():
        ...     import tensorflow as tf
        ...     tf.config.list_logical_devices()
    """
    sys.stderr.flush()
    saved = os.dup(2)
    with tempfile.TemporaryFile(mode="w+b") as captured:
        os.dup2(captured.fileno(), 2)
        try:
            yield
        finally:
            sys.stderr.flush()
            os.dup2(saved, 2)
            os.close(saved)
            captured.seek(0)
            for line in captured.read().decode("utf-8", "replace").splitlines(keepends=True):
                if not _NATIVE_NOISE.match(line):
                    sys.stderr.write(line)
            sys.stderr.flush()
