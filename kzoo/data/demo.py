"""`demo`: a small offline dataset that kzoo generates itself (seeded, deterministic).

Short movie-review-like sentences whose sentiment flips under negation ("not",
"never", "hardly"), so word order matters: a plain bag of words cannot reach
perfect accuracy, while bigrams or an LSTM can. The same sentences come with
word-for-word Chinese renderings for translation (`demo_pairs`). It is a demo
for running kzoo anywhere with no network, not a benchmark.
"""

import random
import re

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
_FIRST_EXAMPLES = re.compile(r"(?P<split>\w+)\[:(?P<count>\d+)\]")  # TFDS's slice syntax: "train[:1000]"


def _size_and_seed(split):
    """How many examples `split` has and its seed; `train[:N]` is the first N examples of `train`."""
    match = _FIRST_EXAMPLES.fullmatch(split)
    name = match["split"] if match else split
    if name not in _SPLITS:
        raise ValueError(f"Unknown split {split!r} of `demo`. Valid splits: {', '.join(_SPLITS)}, or the first N "
                         "examples of one, as in `train[:1000]`.")
    size, seed = _SPLITS[name]
    if match is None:
        return size, seed
    count = int(match["count"])
    if count < 1:
        raise ValueError(f"The split {split!r} of `demo` takes no example: give N >= 1 in `{name}[:N]`.")
    return min(count, size), seed


def demo_classification(split="train"):
    """`(texts, labels)` of the demo sentiment data; labels index `LABEL_NAMES`.

    Example:
        >>> texts, labels = demo_classification("train")
        >>> texts[0], LABEL_NAMES[labels[0]]
    """
    size, seed = _size_and_seed(split)
    rng = random.Random(seed)
    pairs = [_sentence(rng) for _ in range(size)]
    return [t for t, _ in pairs], [label for _, label in pairs]


def demo_text(split="train"):
    """A few tens of thousands of characters of demo prose for language modelling."""
    size, seed = _size_and_seed(split)
    rng = random.Random(seed + 7)
    lines = []
    for _ in range(size):
        text, _ = _sentence(rng)
        lines.append(text[0].upper() + text[1:] + rng.choice([".", ".", "!", "?"]))
    return "\n".join(lines) + "\n"


# Word-for-word Chinese for the demo sentences: enough for a translator to learn a mapping, not literary Chinese.
CHINESE = {
    "the film": "电影", "the plot": "情节", "the acting": "表演", "the script": "剧本", "this movie": "这部电影",
    "the cast": "演员阵容", "the ending": "结局", "the score": "配乐",
    "good": "好", "great": "很棒", "fine": "不错", "lovely": "可爱", "moving": "感人", "funny": "有趣",
    "clever": "巧妙", "charming": "迷人", "gripping": "扣人心弦", "superb": "出色", "bad": "糟糕", "dull": "沉闷",
    "awful": "可怕", "boring": "无聊", "clumsy": "笨拙", "silly": "愚蠢", "tedious": "乏味", "bland": "平淡",
    "messy": "混乱", "weak": "薄弱",
    "not": "不", "never": "从不", "hardly": "几乎不",
    "very": "很", "really": "真的", "quite": "相当", "truly": "确实",
    "overall": "总的来说，", "honestly": "说实话，", "in the end": "最后，", "for me": "对我来说，", "at times": "有时",
}


def _pair(rng):
    filler, subject, negation = rng.choice(FILLERS), rng.choice(SUBJECTS), rng.choice(["", "", *NEGATIONS])
    intensifier, adjective = rng.choice(INTENSIFIERS), rng.choice(POSITIVE + NEGATIVE)
    english = " ".join(w for w in [filler, subject, rng.choice(VERBS), negation, intensifier, adjective] if w)
    chinese = "".join(CHINESE.get(w, "") for w in [filler, subject, negation, intensifier, adjective])
    return english[0].upper() + english[1:] + ".", chinese + "。"


def demo_pairs(split="train"):
    """`(english, chinese)` sentence pairs of the demo data, for translation.

    Example:
        >>> sources, targets = demo_pairs("train")
        >>> sources[0], targets[0]
    """
    size, seed = _size_and_seed(split)
    rng = random.Random(seed + 11)
    pairs = [_pair(rng) for _ in range(size)]
    return [english for english, _ in pairs], [chinese for _, chinese in pairs]
