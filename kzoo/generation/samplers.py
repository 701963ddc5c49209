"""Decoding strategies: keras-hub's samplers, chosen by name."""

import keras_hub

from kzoo.errors import check_choice, check_int, invalid_value

SAMPLERS = ("greedy", "random", "top_k", "top_p", "beam")


def make_sampler(name, *, temperature=1.0, k=5, p=0.9, num_beams=4):
    """A keras-hub sampler by name, with its arguments checked.

    Example:
        >>> sampler = make_sampler("top_p", p=0.9, temperature=0.8)
    """
    check_choice("sampler", name, SAMPLERS)
    if not temperature > 0:
        raise invalid_value("temperature", "a float > 0", temperature)
    if name == "greedy":
        return keras_hub.samplers.GreedySampler(temperature=temperature)
    if name == "random":
        return keras_hub.samplers.RandomSampler(temperature=temperature, seed=0)
    if name == "top_k":
        return keras_hub.samplers.TopKSampler(k=check_int("k", k, minimum=1), temperature=temperature, seed=0)
    if name == "top_p":
        if not 0 < p <= 1:
            raise invalid_value("p", "a float in (0, 1]", p)
        return keras_hub.samplers.TopPSampler(p=p, temperature=temperature, seed=0)
    return keras_hub.samplers.BeamSampler(num_beams=check_int("num_beams", num_beams, minimum=1), temperature=temperature)
