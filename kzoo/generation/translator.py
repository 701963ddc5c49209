"""Batched, XLA-compiled translation of raw strings with a `TransformerTranslator` and a keras-hub sampler."""

import keras
import numpy as np
import tensorflow as tf

from kzoo.data.pipeline import pad_to_bucket
from kzoo.errors import check_int, check_texts
from kzoo.generation.samplers import make_sampler


class Translator:
    """Translates source strings: encode once, then one cached decoder step per target token.

    Sources are padded to bucket lengths, so the compiled decoder is traced
    once per (sampler, batch size, source bucket).

    Example:
        >>> Translator(model).translate(["How are you?", "I am cold."], sampler="beam", num_beams=4)
    """

    def __init__(self, model, *, jit_compile=True):
        self.model = model
        self.preprocessor = model.preprocessor
        self.jit_compile = jit_compile
        self._decoders = {}  # sampler settings -> (sampler, tf.function)

    def _decoder(self, settings):
        key = tuple(sorted(settings.items()))
        if key not in self._decoders:
            sampler = make_sampler(**settings)
            model = self.model
            start_id, end_id = self.preprocessor.start_id, self.preprocessor.end_id  # read eagerly, not traced

            def decode(source_ids):
                return model.decode_ids(source_ids, sampler, start_id=start_id, end_id=end_id)

            self._decoders[key] = (sampler, tf.function(decode, jit_compile=self.jit_compile, reduce_retracing=False))
        return self._decoders[key]

    def translate(self, texts, *, sampler="greedy", num_beams=4, temperature=1.0, k=5, p=0.9, seed=0,
                  batch_size=64):
        """Each source string's translation (greedy by default; `sampler="beam"` for beam search).

        The same `seed` gives the same output with a random sampler.
        """
        texts = check_texts(texts)
        check_int("batch_size", batch_size, minimum=1)
        settings = {"name": sampler, "temperature": temperature, "k": k, "p": p, "num_beams": num_beams}
        sampler_object, function = self._decoder(settings)
        seed_generator = getattr(sampler_object, "seed_generator", None)
        if seed_generator is not None:
            seed_generator.state.assign(np.array([seed, 0], dtype=seed_generator.state.dtype))

        translations = []
        for start in range(0, len(texts), batch_size):
            # The preprocessor pads to the longest source (at least one step); buckets bound the traces.
            chunk = tf.constant(texts[start : start + batch_size], tf.string)
            ids = pad_to_bucket(self.preprocessor(chunk), self.preprocessor.sequence_length)
            tokens = keras.ops.convert_to_numpy(function(ids))
            translations.extend(self.preprocessor.detokenize(row[1:]) for row in tokens)
        return translations
