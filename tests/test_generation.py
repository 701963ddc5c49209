"""Text generation: exact greedy decoding, seeded sampling, stops, batching, compilation."""

import numpy as np
import pytest
import tensorflow as tf

import kzoo
from kzoo.generation import TextGenerator

TEXT = "the cat sat on the mat. the dog sat on the log.\n" * 40


TINY_LANGUAGE_MODELS = {
    "lstm_language_model": {"lstm_units": 16, "embedding_dim": 8},
    "transformer_language_model": {"sequence_length": 128},
}


@pytest.fixture(scope="module", params=sorted(TINY_LANGUAGE_MODELS))
def generator(request):
    model = kzoo.create_model(request.param, preset="tiny", vocabulary_size=64, **TINY_LANGUAGE_MODELS[request.param])
    model.preprocessor.adapt([TEXT])
    return TextGenerator(model, model.preprocessor)


def _naive_greedy(generator, prompt, steps):
    """Re-runs the full model over the whole prefix for every token: slow but obviously right."""
    ids = list(generator.preprocessor.encode(tf.constant(prompt)).numpy())
    for _ in range(steps):
        logits = generator.model(np.array([ids], np.int32))
        ids.append(int(np.argmax(logits[0, -1])))
    return generator.preprocessor.detokenize(ids)


def test_greedy_equals_naive_full_model_argmax(generator):
    assert generator.generate(["the cat"], max_length=20)[0] == _naive_greedy(generator, "the cat", 20)


def test_cached_decoding_equals_recomputing_the_whole_text(generator):
    uncached = TextGenerator(generator.model, generator.preprocessor, use_cache=False)
    prompts = ["the cat", "a"]
    assert uncached.generate(prompts, max_length=15) == generator.generate(prompts, max_length=15)


def test_batch_of_prompts_of_different_lengths_decodes_each_as_alone(generator):
    prompts = ["t", "the dog sat on", "mat"]
    together = generator.generate(prompts, max_length=12)
    alone = [generator.generate([p], max_length=12)[0] for p in prompts]
    assert together == alone


@pytest.mark.parametrize("sampler", ["random", "top_k", "top_p"])
def test_seeded_samplers_repeat_and_differ_across_seeds(generator, sampler):
    first = generator.generate(["the"], max_length=40, sampler=sampler, seed=3, temperature=1.5)
    assert first == generator.generate(["the"], max_length=40, sampler=sampler, seed=3, temperature=1.5)
    others = {generator.generate(["the"], max_length=40, sampler=sampler, seed=s, temperature=1.5)[0] for s in range(4, 8)}
    assert len(others | set(first)) > 1


def test_beam_search_returns_a_continuation(generator):
    text = generator.generate(["the cat"], max_length=10, sampler="beam", num_beams=3)[0]
    assert text.startswith("the cat") and len(text) == len("the cat") + 10


def test_stop_tokens_stop(generator):
    text = generator.generate(["the"], max_length=60, sampler="random", temperature=2.0, seed=1, stop=["."])[0]
    assert "." not in text and len(text) <= 3 + 60


def test_decode_function_is_compiled_and_traced_once_per_bucket(generator):
    generator = TextGenerator(generator.model, generator.preprocessor)
    generator.generate(["the"], max_length=10)
    generator.generate(["dog"], max_length=12)  # same (batch, prompt bucket, length bucket)
    function = generator.decode_function(sampler="greedy")
    assert function.experimental_get_tracing_count() == 1
    ir = function.experimental_get_compiler_ir(tf.zeros((1, 16), tf.int32), tf.constant([3]), 16)(stage="hlo")
    assert "HloModule" in ir  # lowering to XLA HLO succeeds only for a jit_compile function


def test_bad_prompts_get_clear_answers(generator):
    with pytest.raises(ValueError, match="Prompt #1 is empty"):
        generator.generate([""], max_length=5)
    with pytest.raises(ValueError, match=r"Prompt #2 has text outside the model's vocabulary: \['Z', 'é'\]"):
        generator.generate(["the", "Zé"], max_length=5)
    with pytest.raises(TypeError, match="list of strings"):
        generator.generate("the", max_length=5)
    with pytest.raises(ValueError, match="Unknown sampler 'nucleus'"):
        generator.generate(["the"], sampler="nucleus")


def test_a_model_with_positions_refuses_a_text_longer_than_them(generator):
    if generator.model.max_positions is None:
        pytest.skip("an LSTM reads texts of any length")
    limit = generator.model.max_positions
    text = generator.generate(["the cat"], max_length=limit - 7)[0]  # fills every position exactly
    assert len(text) == limit
    with pytest.raises(ValueError, match=f"at most {limit - 7} new tokens fit; received {limit - 6}"):
        generator.generate(["the cat"], max_length=limit - 6)


def test_the_default_length_is_200_tokens_or_what_the_positions_leave(generator):
    limit = generator.model.max_positions
    text = generator.generate(["the cat"])[0]
    assert len(text) == (7 + 200 if limit is None else min(limit, 7 + 200))
    if limit is not None:
        with pytest.raises(ValueError, match=f"at most {limit} tokens.*longest prompt \\({limit} tokens\\)"):
            generator.generate(["a" * limit])
