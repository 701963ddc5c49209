"""`demo`: a small offline dataset that kzoo generates itself (seeded, deterministic).

Short movie-review-like sentences whose sentiment flips under negation ("not",
"never", "hardly"), so word order matters: a plain bag of words cannot reach
perfect accuracy, while bigrams or an LSTM can. It is a demo for running kzoo
anywhere with no network, not a benchmark.
"""

import random

POSITIVE = ["good", "great", "fine", "lovely", "moving", "funny", "clever", "charming", "gripping", "superb"]
NEGATIVE = ["bad", "dull", "awful", "boring", "clumsy", "silly", "tedious", "bland", "messy", "weak"]
NEGATIONS = ["not", "never", "hardly"]
SUBJECTS = ["the film", "the plot", "the acting", "the script", "this movie", "the cast", "the ending", "the score"]
VERBS = ["was", "is", "felt", "seemed"]
INTENSIFIERS = ["", "", "very", "really", "quite", "truly"]
FILLERS = ["", "", "overall", "honestly", "in the end", "for me", "at times"]

LABEL_NAMES = ("negative", "positive")


def _sentence(rng):
    positive = rng.random() < 0.5
    negated = rng.random() < 0.4
    adjective = rng.choice(POSITIVE if positive else NEGATIVE)
    negation = rng.choice(NEGATIONS) if negated else ""
    words = [rng.choice(FILLERS), rng.choice(SUBJECTS), rng.choice(VERBS), negation]
    words += [rng.choice(INTENSIFIERS), adjective]
    if rng.random() < 0.3:  # a second clause with the same polarity and negation
        words += ["and", rng.choice(SUBJECTS), rng.choice(VERBS), negation, adjective]
    text = " ".join(w for w in words if w)
    label = int(positive != negated)
    return text, label


_SPLITS = {"train": (8000, 101), "validation": (1000, 202), "test": (2000, 303)}


def demo_classification(split="train"):
    """`(texts, labels)` of the demo sentiment data; labels index `LABEL_NAMES`.

    Example:
        >>> texts, labels = demo_classification("train")
        >>> texts[0], LABEL_NAMES[labels[0]]
    """
    if split not in _SPLITS:
        raise ValueError(f"Unknown split {split!r} of `demo`. Valid splits: {', '.join(_SPLITS)}.")
    size, seed = _SPLITS[split]
    rng = random.Random(seed)
    pairs = [_sentence(rng) for _ in range(size)]
    return [t for t, _ in pairs], [label for _, label in pairs]


def demo_text(split="train"):
    """A few tens of thousands of characters of demo prose for language modelling."""
    if split not in _SPLITS:
        raise ValueError(f"Unknown split {split!r} of `demo`. Valid splits: {', '.join(_SPLITS)}.")
    size, seed = _SPLITS[split]
    rng = random.Random(seed + 7)
    lines = []
    for _ in range(size):
        text, _ = _sentence(rng)
        lines.append(text[0].upper() + text[1:] + rng.choice([".", ".", "!", "?"]))
    return "\n".join(lines) + "\n"
