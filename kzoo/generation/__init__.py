"""Sampling text from language models and translators: compiled decode loops over keras-hub samplers."""

from kzoo.generation.generator import TextGenerator
from kzoo.generation.samplers import SAMPLERS, make_sampler
from kzoo.generation.translator import Translator

__all__ = ["SAMPLERS", "TextGenerator", "Translator", "make_sampler"]
