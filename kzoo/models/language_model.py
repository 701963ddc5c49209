"""The base of kzoo's language models: logits at every position, and what generation needs of a model."""

import keras

from kzoo.models.task import Task


def token_before(tokens, index):
    """`tokens[:, index - 1 : index]` with a static width of 1.

    A slice with tensor bounds has a dynamic width, which XLA pads to the
    buffer's length inside a while loop; attention over that padded shape gave
    wrong logits. A gather keeps the shape static.
    """
    return keras.ops.expand_dims(keras.ops.take(tokens, index - 1, axis=1), 1)


class LanguageModel(Task):
    """A next-token model over text; `generate` continues raw prompts.

    Generation (`kzoo.generation`) drives a subclass through two methods, so
    each new token costs one step of new work whatever the architecture:
    `start_cache(prompt_ids, index, total_length)` reads the prompt's first
    `index - 1` tokens into a cache (an LSTM's state, a Transformer's
    keys/values), and `next_token_logits(tokens, cache, index)` reads token
    `index - 1` and returns the logits for position `index` and the new cache.
    `max_positions` is the longest text the model can read (None: unbounded).

    Example:
        >>> model = kzoo.create_model("transformer_language_model", preset="tiny")
        >>> model.preprocessor.adapt(texts)
        >>> model.generate(["ROMEO:"], max_length=20)
    """

    task_kind = "language_modeling"
    max_positions = None

    def start_cache(self, prompt_ids, index, total_length):
        raise NotImplementedError(f"{type(self).__name__} does not say how to read a prompt into a cache.")

    def next_token_logits(self, tokens, cache, index):
        raise NotImplementedError(f"{type(self).__name__} does not say how to take one decoding step.")

    def generate(self, prompts, **options):
        """Continues raw prompt strings (see `kzoo.generation.TextGenerator.generate` for the options).

        Example:
            >>> model.generate(["ROMEO:"], max_length=100, sampler="top_p", seed=1)
        """
        from kzoo.generation import TextGenerator  # the generator drives this model: no import cycle at load

        self._check_preprocessor()
        if getattr(self, "_generator", None) is None:
            self._generator = TextGenerator(self, self.preprocessor)
        return self._generator.generate(prompts, **options)
