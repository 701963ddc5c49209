"""Sampling text from language models: one compiled decode loop over keras-hub samplers."""

from kzoo.generation.generator import TextGenerator
from kzoo.generation.samplers import SAMPLERS, make_sampler

__all__ = ["SAMPLERS", "TextGenerator", "make_sampler"]
