"""Training, evaluation, prediction and generation with run directories."""

from kzoo.training.distribution import make_strategy
from kzoo.training.inference import Run, evaluate, generate, load_run, predict
from kzoo.training.loop import Trainer
from kzoo.training import train as train_module
from kzoo.training.train import PRECISIONS, TrainOptions, train

__all__ = ["PRECISIONS", "Run", "TrainOptions", "Trainer", "evaluate", "generate", "load_run",
           "make_strategy", "predict", "train"]
