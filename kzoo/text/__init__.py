"""Tokenizers that run inside tf.data: strings never reach the compiled step."""

import os

from kzoo.text.char_tokenizer import CHARACTERS_FILE, CharTokenizer
from kzoo.text.word_vectorizer import VOCABULARY_FILE, WordVectorizer
from kzoo.text.wordpiece import SETTINGS_FILE, WordPieceEncoder

TOKENIZER_KINDS = {"word": WordVectorizer, "char": CharTokenizer, "wordpiece": WordPieceEncoder}
_ASSET_FILES = {"word": VOCABULARY_FILE, "char": CHARACTERS_FILE, "wordpiece": SETTINGS_FILE}


def load_tokenizer(kind, directory):
    """The tokenizer of `kind` saved in `directory` (a run's assets)."""
    path = os.path.join(directory, _ASSET_FILES[kind])
    if not os.path.exists(path):
        raise FileNotFoundError(f"Tokenizer assets missing: {path!r} (is this a kzoo run directory?)")
    return TOKENIZER_KINDS[kind].from_assets(directory)


__all__ = ["CharTokenizer", "TOKENIZER_KINDS", "WordPieceEncoder", "WordVectorizer", "load_tokenizer"]
