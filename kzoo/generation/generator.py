"""Fast text generation from a kzoo language model (LSTM or Transformer).

Prompts are left-aligned in one `(batch, prompt + new tokens)` buffer. The
model reads the prompts into a cache once (`LanguageModel.start_cache`), then
a keras-hub sampler loop asks it for one token at a time
(`next_token_logits`): one LSTM step, or one Transformer position against its
key/value cache. Decoding starts after the shortest prompt; the sampler keeps
the longer prompts' own tokens where they are. Prefill and decode loop are one
XLA-compiled function, traced once per (sampler, batch size, prompt bucket,
length bucket) and reused across calls and seeds.
"""

import keras
import numpy as np
import tensorflow as tf

from kzoo.data.pipeline import bucket_lengths
from kzoo.errors import check_int
from kzoo.generation.samplers import make_sampler


DEFAULT_NEW_TOKENS = 200  # a continuation's length when the caller gives none


def _bucket(length):
    """The smallest standard bucket length >= `length` (powers of two past the table)."""
    for candidate in bucket_lengths(1 << 30):
        if candidate >= length:
            return candidate
    return 1 << (length - 1).bit_length()


def left_align(ids, width):
    """Ragged prompt ids -> `(ids, lengths)`: ids `(batch, width)` zero-padded on the right, and each length."""
    dense = ids.to_tensor()
    dense = tf.pad(dense, [[0, 0], [0, width - tf.shape(dense)[1]]])
    return dense, tf.cast(ids.row_lengths(), tf.int32)


def decode_tokens(model, sampler, prompt_ids, prompt_lengths, new_tokens, *, stop_ids=None, use_cache=True):
    """Left-aligned prompt ids and their lengths -> `(batch, width + new_tokens)` ids, prompts kept.

    Row `i`'s continuation starts at `prompt_lengths[i]`. `use_cache=False`
    runs the whole model over the whole buffer for every token (the slow
    reference the cache is measured against). Works with static shapes (XLA)
    and dynamic ones (an exported SavedModel).
    """
    batch, width = keras.ops.shape(prompt_ids)[0], keras.ops.shape(prompt_ids)[1]
    total_length = width + new_tokens
    index = keras.ops.min(prompt_lengths)  # every row has a real token before this position
    tokens = keras.ops.concatenate([prompt_ids, keras.ops.zeros((batch, new_tokens), prompt_ids.dtype)], axis=1)
    keep = keras.ops.arange(total_length)[None, :] < prompt_lengths[:, None]

    if use_cache:
        cache = model.start_cache(prompt_ids, index, total_length)

        def next_token(tokens, cache, index):
            logits, cache = model.next_token_logits(tokens, cache, index)
            return logits, None, cache
    else:
        cache = None

        def next_token(tokens, cache, index):
            return keras.ops.take(model(tokens, training=False), index - 1, axis=1), None, cache

    return sampler(next_token, tokens, cache=cache, index=index, mask=keep, stop_token_ids=stop_ids)


class TextGenerator:
    """Generates text from a kzoo `LanguageModel` and its preprocessor (char or word).

    `use_cache=False` recomputes the whole text for every token (for speed
    comparisons only).

    Example:
        >>> generator = TextGenerator(model, model.preprocessor)
        >>> generator.generate(["ROMEO:"], max_length=200, sampler="top_p", p=0.9, seed=1)
    """

    def __init__(self, model, preprocessor, *, jit_compile=True, use_cache=True):
        self.model = model
        self.use_cache = use_cache
        self.preprocessor = preprocessor
        self.jit_compile = jit_compile
        self._decoders = {}  # (sampler settings, stop ids) -> (sampler, tf.function)

    # === Prompts ===

    def encode_prompts(self, prompts):
        """Token ids of each prompt; empty prompts and unknown characters are errors."""
        if isinstance(prompts, str):
            raise TypeError("`prompts` must be a list of strings; wrap a single prompt in a list.")
        prompts = list(prompts)
        if not prompts:
            raise ValueError("No prompt given: pass at least one prompt.")
        encoded = []
        for index, prompt in enumerate(prompts):
            if not isinstance(prompt, str):
                raise TypeError(f"Prompt #{index + 1} is not a string: received {type(prompt).__name__}.")
            ids = self.preprocessor.encode(tf.constant(prompt)).numpy()
            if not len(ids):
                what = "is empty" if not prompt.strip() else f"({prompt[:40]!r}) has no token"
                raise ValueError(
                    f"Prompt #{index + 1} {what}: a language model needs at least one token to start from."
                )
            if (ids == self.preprocessor.unknown_id).any():
                unknown = self._unknown_pieces(prompt)
                raise ValueError(
                    f"Prompt #{index + 1} has text outside the model's vocabulary: {unknown}. "
                    "Use only characters (or words) seen in training."
                )
            encoded.append(ids)
        return encoded

    def _unknown_pieces(self, prompt):
        vocabulary = set(self.preprocessor.vocabulary[1:])
        if not self.preprocessor.separator:  # characters
            return sorted({c for c in prompt if c not in vocabulary})
        return sorted({w for w in prompt.lower().split() if w not in vocabulary})[:20]

    # === Decoding ===

    def _decoder(self, sampler_settings, stop_ids):
        key = (tuple(sorted(sampler_settings.items())), stop_ids)
        if key not in self._decoders:
            sampler = make_sampler(**sampler_settings)
            model, use_cache = self.model, self.use_cache
            stop = list(stop_ids) if stop_ids else None

            def decode(prompt_ids, prompt_lengths, new_tokens):
                return decode_tokens(model, sampler, prompt_ids, prompt_lengths, new_tokens, stop_ids=stop,
                                     use_cache=use_cache)

            function = tf.function(decode, jit_compile=self.jit_compile, reduce_retracing=False)
            self._decoders[key] = (sampler, function)
        return self._decoders[key]

    def decode_function(self, *, sampler="greedy", temperature=1.0, k=5, p=0.9, num_beams=4, stop_ids=()):
        """The compiled `tf.function` used for these settings (for inspection and tests)."""
        settings = {"name": sampler, "temperature": temperature, "k": k, "p": p, "num_beams": num_beams}
        return self._decoder(settings, tuple(stop_ids))[1]

    def _default_length(self, longest_prompt):
        limit = self.model.max_positions
        if limit is None:
            return DEFAULT_NEW_TOKENS
        if longest_prompt >= limit:
            raise ValueError(f"Invalid value for `prompts`: the model reads at most {limit} tokens, so no new token "
                             f"fits after the longest prompt ({longest_prompt} tokens).")
        return min(DEFAULT_NEW_TOKENS, limit - longest_prompt)

    def _buffer(self, longest_prompt, max_length):
        """Bucketed `(prompt width, new tokens)`, within the model's positions; too long a request is an error."""
        width, new_tokens = _bucket(longest_prompt), _bucket(max_length)
        limit = self.model.max_positions
        if limit is None or width + new_tokens <= limit:
            return width, new_tokens
        if longest_prompt + max_length > limit:
            raise ValueError(
                f"Invalid value for `max_length`: the model reads at most {limit} tokens and the longest prompt "
                f"has {longest_prompt}, so at most {limit - longest_prompt} new tokens fit; received {max_length}."
            )
        width = min(width, limit)
        return width, limit - width

    def generate(self, prompts, *, max_length=None, sampler="greedy", temperature=1.0, k=5, p=0.9,
                 num_beams=4, seed=0, stop=()):
        """Continues each prompt by up to `max_length` tokens; returns prompt + continuation.

        `max_length=None`: 200 tokens, or as many as the model's positions
        leave after the longest prompt (a longer explicit request is an error).
        `stop`: strings (single tokens) that end a continuation; the text stops
        before them. The same `seed` gives the same text.
        """
        encoded = self.encode_prompts(prompts)
        if max_length is None:
            max_length = self._default_length(max(len(ids) for ids in encoded))
        check_int("max_length", max_length, minimum=1)
        stop_ids = tuple(int(i) for text in stop for i in self.preprocessor.encode(tf.constant(text)).numpy())
        settings = {"name": sampler, "temperature": temperature, "k": k, "p": p, "num_beams": num_beams}
        sampler_object, function = self._decoder(settings, stop_ids)
        seed_generator = getattr(sampler_object, "seed_generator", None)
        if seed_generator is not None:
            seed_generator.state.assign(np.array([seed, 0], dtype=seed_generator.state.dtype))

        width, new_tokens = self._buffer(max(len(ids) for ids in encoded), max_length)
        prompt_ids, prompt_lengths = left_align(tf.ragged.constant(encoded, dtype=tf.int32), width)
        tokens = keras.ops.convert_to_numpy(function(prompt_ids, prompt_lengths, new_tokens))
        tokens = [row[len(ids) : len(ids) + max_length] for row, ids in zip(tokens, encoded)]

        texts = []
        for prompt, row in zip(prompts, tokens):
            if stop_ids:
                ends = [i for i, token in enumerate(row) if token in stop_ids]
                row = row[: ends[0]] if ends else row
            continuation = self.preprocessor.detokenize(row)
            separator = self.preprocessor.separator if continuation else ""
            texts.append(prompt + separator + continuation)
        return texts
