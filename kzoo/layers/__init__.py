"""Layers that keras and keras-hub do not already provide."""

from kzoo.layers.hashed_ngrams import HashedNgrams
from kzoo.layers.masked_attention_pooling import MaskedAttentionPooling
from kzoo.layers.masked_max_pooling import MaskedMaxPooling
from kzoo.layers.masked_mean_pooling import MaskedMeanPooling

__all__ = ["HashedNgrams", "MaskedAttentionPooling", "MaskedMaxPooling", "MaskedMeanPooling"]
