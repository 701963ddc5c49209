"""The layout of a run directory, and reading and writing its JSON files."""

import json
import os

CONFIG = "config.json"
METRICS = "metrics.json"
HISTORY = "history.json"
MODEL = "model.keras"
BEST_MODEL = "best_model.keras"
ASSETS = "assets"
CHECKPOINTS = "checkpoints"
LOGS = "logs"


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
