"""Fast text generation from an LSTM language model.

The prompt is run once through the LSTM (left-padded and masked, so prompts of
different lengths share one shape), then a keras-hub sampler loop takes one
LSTM step per new token, carrying the LSTM state as its cache. Prefill and
decode loop are one XLA-compiled function, traced once per (sampler, batch
size, prompt bucket, length bucket) and reused across calls and seeds.
"""

import keras
import numpy as np
import tensorflow as tf

from kzoo.data.pipeline import bucket_lengths
from kzoo.errors import check_int
from kzoo.generation.samplers import make_sampler


def _bucket(length):
    """The smallest standard bucket length >= `length` (powers of two past the table)."""
    for candidate in bucket_lengths(1 << 30):
        if candidate >= length:
            return candidate
    return 1 << (length - 1).bit_length()


def right_align(ids, width):
    """Ragged prompt ids -> `(ids, mask)` of shape `(batch, width)`, each prompt ending at the last position.

    Right-aligned prompts all end at the same step, so one decode loop serves
    them all; `mask` marks the real tokens. `width` must cover the longest prompt.
    """
    lengths = tf.cast(ids.row_lengths(), tf.int32)
    shift = width - lengths[:, None]  # position j of a row holds token j - shift
    positions = tf.range(width)[None, :]
    mask = positions >= shift
    dense = ids.to_tensor()
    dense = tf.pad(dense, [[0, 0], [0, width - tf.shape(dense)[1]]])
    return tf.where(mask, tf.gather(dense, tf.maximum(positions - shift, 0), batch_dims=1), 0), mask


def decode_tokens(model, sampler, prompt_ids, prompt_mask, new_tokens, *, stop_ids=None):
    """Prompt ids (right-aligned, `prompt_mask` marking real tokens) -> prompt + `new_tokens` sampled ids.

    The prompt but its last token runs through the LSTM once (masked steps
    leave the state unchanged); then the sampler takes one LSTM step per new
    token, the LSTM state as its cache. Works with static shapes (XLA) and
    dynamic ones (an exported SavedModel); prompts need at least 2 positions.
    """
    batch, prompt_length = keras.ops.shape(prompt_ids)[0], keras.ops.shape(prompt_ids)[1]
    state = model.initial_state(batch)
    _, state = model.call_with_state(prompt_ids[:, :-1], state, mask=prompt_mask[:, :-1])
    cache = keras.ops.stack([keras.ops.stack(pair, axis=1) for pair in state], axis=1)

    def next_token(tokens, cache, index):
        layer_state = [[cache[:, i, 0], cache[:, i, 1]] for i in range(len(model.lstm_layers))]
        logits, layer_state = model.call_with_state(tokens[:, index - 1 : index], layer_state)
        cache = keras.ops.stack([keras.ops.stack(pair, axis=1) for pair in layer_state], axis=1)
        return logits[:, 0, :], None, cache

    tokens = keras.ops.concatenate([prompt_ids, keras.ops.zeros((batch, new_tokens), prompt_ids.dtype)], axis=1)
    keep = keras.ops.arange(prompt_length + new_tokens) < prompt_length
    keep = keras.ops.broadcast_to(keep[None, :], keras.ops.shape(tokens))
    return sampler(next_token, tokens, cache=cache, index=prompt_length, mask=keep, stop_token_ids=stop_ids)


class TextGenerator:
    """Generates text from an `LSTMLanguageModel` and its preprocessor (char or word).

    Example:
        >>> generator = TextGenerator(model, model.preprocessor)
        >>> generator.generate(["ROMEO:"], max_length=200, sampler="top_p", p=0.9, seed=1)
    """

    def __init__(self, model, preprocessor, *, jit_compile=True):
        self.model = model
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
            model = self.model
            stop = list(stop_ids) if stop_ids else None

            def decode(prompt_ids, prompt_mask, new_tokens):
                return decode_tokens(model, sampler, prompt_ids, prompt_mask, new_tokens, stop_ids=stop)

            function = tf.function(decode, jit_compile=self.jit_compile, reduce_retracing=False)
            self._decoders[key] = (sampler, function)
        return self._decoders[key]

    def decode_function(self, *, sampler="greedy", temperature=1.0, k=5, p=0.9, num_beams=4, stop_ids=()):
        """The compiled `tf.function` used for these settings (for inspection and tests)."""
        settings = {"name": sampler, "temperature": temperature, "k": k, "p": p, "num_beams": num_beams}
        return self._decoder(settings, tuple(stop_ids))[1]

    def generate(self, prompts, *, max_length=200, sampler="greedy", temperature=1.0, k=5, p=0.9,
                 num_beams=4, seed=0, stop=()):
        """Continues each prompt by up to `max_length` tokens; returns prompt + continuation.

        `stop`: strings (single tokens) that end a continuation; the text stops
        before them. The same `seed` gives the same text.
        """
        check_int("max_length", max_length, minimum=1)
        encoded = self.encode_prompts(prompts)
        stop_ids = tuple(int(i) for text in stop for i in self.preprocessor.encode(tf.constant(text)).numpy())
        settings = {"name": sampler, "temperature": temperature, "k": k, "p": p, "num_beams": num_beams}
        sampler_object, function = self._decoder(settings, stop_ids)
        seed_generator = getattr(sampler_object, "seed_generator", None)
        if seed_generator is not None:
            seed_generator.state.assign(np.array([seed, 0], dtype=seed_generator.state.dtype))

        prompt_length = _bucket(max(len(ids) for ids in encoded))
        prompt_ids, prompt_mask = right_align(tf.ragged.constant(encoded, dtype=tf.int32), prompt_length)
        tokens = function(prompt_ids, prompt_mask, _bucket(max_length))
        tokens = keras.ops.convert_to_numpy(tokens)[:, prompt_length : prompt_length + max_length]

        texts = []
        for prompt, row in zip(prompts, tokens):
            if stop_ids:
                ends = [i for i, token in enumerate(row) if token in stop_ids]
                row = row[: ends[0]] if ends else row
            continuation = self.preprocessor.detokenize(row)
            separator = self.preprocessor.separator if continuation else ""
            texts.append(prompt + separator + continuation)
        return texts
