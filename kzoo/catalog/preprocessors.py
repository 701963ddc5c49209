"""Which preprocessor each kind of model gets: the registry entries point here.

The preprocessors (Keras layers) are imported when one is made, keeping the
catalogue free of TensorFlow.
"""

from kzoo.errors import check_choice, check_int

# A language model's tokenizer -> the default cap on its vocabulary: every
# character of most texts, or the commonest words.
LANGUAGE_MODEL_VOCABULARY_SIZES = {"char": 256, "word": 10_000}


def classifier_preprocessor(hyperparameters, *, sequence_length):
    """WordPiece when the token embeddings come from a BERT checkpoint, else words (to adapt).

    Example:
        >>> classifier_preprocessor({"vocabulary_size": 20_000}, sequence_length=256)
    """
    from kzoo.text import WordPiecePreprocessor, WordPreprocessor

    checkpoint = hyperparameters.get("pretrained_embeddings")
    if checkpoint:
        return WordPiecePreprocessor.from_checkpoint(checkpoint, sequence_length=sequence_length)
    size = check_int("vocabulary_size", hyperparameters["vocabulary_size"], minimum=3)
    return WordPreprocessor(max_tokens=size, sequence_length=sequence_length)


def language_model_preprocessor(hyperparameters, *, sequence_length):
    """Characters (default) or words, per the model's `tokenizer` hyperparameter; to adapt."""
    from kzoo.text import CharPreprocessor, WordPreprocessor

    tokenizer = hyperparameters.get("tokenizer", "char")
    check_choice("tokenizer", tokenizer, LANGUAGE_MODEL_VOCABULARY_SIZES)
    size = hyperparameters.get("vocabulary_size")
    size = LANGUAGE_MODEL_VOCABULARY_SIZES[tokenizer] if size is None else check_int("vocabulary_size", size, minimum=2)
    if tokenizer == "word":
        return WordPreprocessor(max_tokens=size, sequence_length=sequence_length)
    return CharPreprocessor(max_tokens=size, sequence_length=sequence_length)


def bert_preprocessor(hyperparameters, *, sequence_length):
    """The checkpoint's WordPiece vocabulary, or (random BERT) one to adapt, giving BERT's input dict."""
    from kzoo.text import WordPiecePreprocessor
    from kzoo.text.wordpiece_preprocessor import RESERVED_TOKENS

    checkpoint = hyperparameters.get("checkpoint")
    if checkpoint:
        return WordPiecePreprocessor.from_checkpoint(checkpoint, sequence_length=sequence_length, bert_inputs=True)
    size = check_int("vocabulary_size", hyperparameters["vocabulary_size"], minimum=len(RESERVED_TOKENS) + 1)
    return WordPiecePreprocessor(max_tokens=size, sequence_length=sequence_length, bert_inputs=True)


def translation_preprocessor(hyperparameters, *, sequence_length):
    """Source and target tokenizers per language (English words, Chinese characters by default); to adapt."""
    from kzoo.text import TranslationPreprocessor
    from kzoo.text.translation_preprocessor import SPECIAL_TOKENS

    target_size = check_int("target_vocabulary_size", hyperparameters["target_vocabulary_size"],
                            minimum=len(SPECIAL_TOKENS) + 2)
    return TranslationPreprocessor(
        source_tokenizer=hyperparameters.get("source_tokenizer", "word"),
        target_tokenizer=hyperparameters.get("target_tokenizer", "char"),
        source_max_tokens=hyperparameters["source_vocabulary_size"],
        target_max_tokens=target_size - len(SPECIAL_TOKENS),  # [START] and [END] come after the target's tokens
        sequence_length=sequence_length,
    )
