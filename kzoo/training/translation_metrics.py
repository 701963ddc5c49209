"""How good a translator's output is: corpus BLEU with sacrebleu, on greedy translations."""

import numpy as np


def bleu_tokenizer(preprocessor):
    """sacrebleu's tokenizer for the target language: "zh" for a language kzoo reads by characters (Chinese),
    else the standard "13a"."""
    return "zh" if preprocessor.target_tokenizer == "char" else "13a"


def corpus_bleu(model, pairs, *, batch_size=64, **translate_options):
    """Corpus BLEU (0-100) of `model.translate` on a dataset of `(source, target)` strings.

    Example:
        >>> corpus_bleu(model, kzoo.data.load("cmn-eng/test.tsv", task="translation"))
        12.3
    """
    import sacrebleu

    sources, references = [], []
    for source, target in pairs.as_numpy_iterator():
        sources.append(source.decode("utf-8"))
        references.append(target.decode("utf-8"))
    if not sources:
        return float("nan")
    hypotheses = model.translate(sources, batch_size=batch_size, **translate_options)
    score = sacrebleu.corpus_bleu(hypotheses, [references], tokenize=bleu_tokenizer(model.preprocessor)).score
    return float(np.round(score, 4))
