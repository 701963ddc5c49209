"""Sampling text from trained language models."""

from kzoo.generation.generator import TextGenerator
from kzoo.generation.samplers import SAMPLERS, make_sampler


def generate(run_dir_or_run, prompts, **options):
    """Continues `prompts` with the language model of a run (see `TextGenerator.generate`).

    Example:
        >>> kzoo.generate("runs/shakespeare", ["ROMEO:"], max_length=300, sampler="top_p", seed=1)
    """
    from kzoo.training.inference import Run, load_run

    run = run_dir_or_run if isinstance(run_dir_or_run, Run) else load_run(run_dir_or_run)
    if run.task != "language_modeling":
        raise ValueError(f"Run {run.directory!r} is a {run.task} run, not a language model: use `kzoo predict`.")
    return TextGenerator(run.model, run.tokenizer).generate(prompts, **options)


__all__ = ["SAMPLERS", "TextGenerator", "generate", "make_sampler"]
