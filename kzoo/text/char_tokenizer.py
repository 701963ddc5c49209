import json
import os

import tensorflow as tf

CHARACTERS_FILE = "characters.json"


class CharTokenizer:
    """Unicode characters -> ids over the characters seen in training text.

    Id 0 stands for any character outside that set.

    Example:
        >>> tokenizer = CharTokenizer.adapt("to be or not to be")
        >>> tokenizer.detokenize(tokenizer(tf.constant("to be")))
        'to be'
    """

    separator = ""  # between tokens when detokenizing
    kind = "char"

    def __init__(self, characters):
        self.characters = list(characters)
        self._table = tf.lookup.StaticHashTable(
            tf.lookup.KeyValueTensorInitializer(
                tf.constant(self.characters), tf.range(1, len(self.characters) + 1, dtype=tf.int32)
            ),
            default_value=0,
        )

    @classmethod
    def adapt(cls, text):
        """The sorted characters of `text` (a Python string) as the vocabulary."""
        return cls(sorted(set(text)))

    @property
    def vocabulary_size(self):
        return len(self.characters) + 1

    def __call__(self, text):
        """A scalar string -> 1-D ids; a batch of strings -> a RaggedTensor of ids."""
        characters = tf.strings.unicode_split(text, "UTF-8")
        if isinstance(characters, tf.RaggedTensor):
            return tf.ragged.map_flat_values(self._table.lookup, characters)
        return self._table.lookup(characters)

    def detokenize(self, ids):
        """Ids (a 1-D sequence) back to a Python string; id 0 becomes U+FFFD."""
        table = ["\ufffd", *self.characters]
        return "".join(table[int(i)] for i in ids)

    def save_assets(self, directory):
        with open(os.path.join(directory, CHARACTERS_FILE), "w", encoding="utf-8") as handle:
            json.dump(self.characters, handle, ensure_ascii=False)

    @classmethod
    def from_assets(cls, directory):
        with open(os.path.join(directory, CHARACTERS_FILE), encoding="utf-8") as handle:
            return cls(json.load(handle))
