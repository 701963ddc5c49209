"""The layout of a run directory, what its `config.json` holds, and how a run proves it is the same run.

    config.json        model, preset, hyperparameters, task, label_names, max_length,
                       settings (the options that must match to resume), data (fingerprint), versions
    assets/            the preprocessor: preprocessor.json + vocabulary.json
    checkpoints/       TensorFlow checkpoints, one per finished epoch
    history.json       per-epoch logs        logs/  TensorBoard
    best_model.keras   model.keras           metrics.json
"""

import hashlib
import json
import os
import shutil

from kzoo.text import load_preprocessor, save_preprocessor

CONFIG = "config.json"
METRICS = "metrics.json"
HISTORY = "history.json"
MODEL = "model.keras"
BEST_MODEL = "best_model.keras"
ASSETS = "assets"
CHECKPOINTS = "checkpoints"
LOGS = "logs"
# Written before the first epoch ends; removed again when a run fails before that.
STARTUP_FILES = (CONFIG, ASSETS, LOGS, CHECKPOINTS, HISTORY)
FINGERPRINT_BYTES = 16 << 20  # hash at most this much of each data file
# Settings that may change when a run is resumed: more epochs extend it.
RESUMABLE_CHANGES = ("epochs",)


def path(run_dir, name):
    return os.path.join(run_dir, name)


def write_json(run_dir, name, data):
    temporary = path(run_dir, name + ".tmp")
    with open(temporary, "w", encoding="utf-8") as handle:
        json.dump(data, handle, indent=2, ensure_ascii=False, default=str)
    os.replace(temporary, path(run_dir, name))


def read_json(run_dir, name):
    file_path = path(run_dir, name)
    if not os.path.exists(file_path):
        raise FileNotFoundError(f"{file_path!r} not found: is {run_dir!r} a kzoo run directory?")
    with open(file_path, encoding="utf-8") as handle:
        return json.load(handle)


def is_run(run_dir):
    return os.path.exists(path(run_dir, CONFIG))


def start_run(run_dir, config, preprocessor):
    """Writes the preprocessor, then `config.json` (last: a run exists once its config does)."""
    os.makedirs(run_dir, exist_ok=True)
    save_preprocessor(preprocessor, path(run_dir, ASSETS))
    write_json(run_dir, CONFIG, config)


def load_run_preprocessor(run_dir):
    return load_preprocessor(path(run_dir, ASSETS))


def discard_unstarted_run(run_dir):
    """Removes what a run wrote if it never finished an epoch, so the next run starts clean."""
    if not os.path.isdir(run_dir) or os.path.exists(path(run_dir, HISTORY)):
        return
    for name in STARTUP_FILES:
        target = path(run_dir, name)
        if os.path.isdir(target):
            shutil.rmtree(target, ignore_errors=True)
        elif os.path.exists(target):
            os.remove(target)
    if not os.listdir(run_dir):
        os.rmdir(run_dir)


def _file_fingerprint(file_path):
    digest = hashlib.sha256()
    with open(file_path, "rb") as handle:
        digest.update(handle.read(FINGERPRINT_BYTES))
    return {"bytes": os.path.getsize(file_path), "sha256_head": digest.hexdigest()}


def _texts_fingerprint(data, limit=50_000):
    """A hash of the first `limit` texts (and labels) of a split, whatever its source."""
    digest = hashlib.sha256()
    if isinstance(data, str):
        digest.update(data[: FINGERPRINT_BYTES].encode("utf-8"))
        return digest.hexdigest()
    for example in data.take(limit).as_numpy_iterator():
        for part in example if isinstance(example, tuple) else (example,):
            digest.update(part if isinstance(part, bytes) else str(part).encode())
            digest.update(b"\0")
    return digest.hexdigest()


def data_fingerprint(dataset, validation, test, train, valid):
    """Names, file sizes and hashes of the data: a resumed run must see the same data."""
    fingerprint = {"dataset": dataset, "validation": validation, "test": test,
                   "train_texts": _texts_fingerprint(train), "validation_texts": _texts_fingerprint(valid)}
    for key, spec in (("dataset", dataset), ("validation", validation), ("test", test)):
        if spec and os.path.isfile(spec):
            fingerprint[f"{key}_file"] = _file_fingerprint(spec)
    return fingerprint


def check_same_run(run_dir, config, *, model, settings, fingerprint):
    """Raises a clear error when `run_dir` holds another model, other settings or other data."""
    if config.get("model") != model:
        raise ValueError(f"{run_dir!r} holds a run of {config.get('model')!r}, not {model!r}: use a new --run-dir "
                         "or --overwrite.")
    differences = []
    saved_settings = config.get("settings", {})
    for key, value in settings.items():
        if key not in RESUMABLE_CHANGES and saved_settings.get(key) != _jsonable(value):
            differences.append(f"{key}: {saved_settings.get(key)!r} in the run, {value!r} now")
    saved_data = config.get("data", {})
    for key, value in fingerprint.items():
        if saved_data.get(key) != value:
            differences.append(f"data {key}: {_short(saved_data.get(key))} in the run, {_short(value)} now")
    if differences:
        raise ValueError(
            f"{run_dir!r} holds a run with other settings or data, so it cannot be resumed: "
            + "; ".join(differences) + ". Use a new --run-dir, or --overwrite to start it afresh."
        )


def _jsonable(value):
    return json.loads(json.dumps(value, default=str))


def _short(value):
    text = repr(value)
    return text if len(text) <= 80 else text[:77] + "..."
