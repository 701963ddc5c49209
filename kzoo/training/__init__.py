"""Training, evaluation and prediction with run directories."""

from kzoo.training.inference import Run, evaluate, load_run, predict
from kzoo.training.loop import Trainer
from kzoo.training import train as train_module
from kzoo.training.train import PRECISIONS, train

__all__ = ["PRECISIONS", "Run", "Trainer", "evaluate", "load_run", "predict", "train"]
