"""Serving trained models on raw strings: SavedModel exports in TensorFlow Serving's layout."""

from kzoo.serving.export import (
    ClassifierExport,
    GeneratorExport,
    classify_exported,
    export_model,
    export_run,
    load_exported,
)

export = export_run

__all__ = ["ClassifierExport", "GeneratorExport", "classify_exported", "export", "export_model", "export_run",
           "load_exported"]
