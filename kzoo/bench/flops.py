"""Analytic FLOP counts per example (forward pass), so speeds read as a fraction of a chip's peak.

Counts multiply-adds as 2 FLOPs in the matrix products that dominate; embedding
lookups, activations and norms are left out. A training step costs about 3x
the forward pass (forward, and backward for activations and weights).
"""

TRAINING_MULTIPLIER = 3


def _dense(inputs, outputs):
    return 2 * inputs * outputs


def _lstm(inputs, units, length):
    return length * (_dense(inputs, 4 * units) + _dense(units, 4 * units))


def _attention_block(d, f, length):
    """A Transformer block: self-attention (projections, scores, weighted sum) and the feed-forward."""
    return length * (4 * _dense(d, d) + _dense(d, f) + _dense(f, d)) + 2 * 2 * length * length * d


def _cross_attention(d, length, source_length):
    """Queries and output projection over the target, keys and values over the source, scores, weighted sum."""
    return 2 * length * _dense(d, d) + 2 * source_length * _dense(d, d) + 2 * 2 * length * source_length * d


def forward_flops(model, length):
    """FLOPs of one forward pass over one example of `length` tokens."""
    name = type(model).__name__
    if name == "BagOfEmbeddingsClassifier":
        tokens = 2 * length - 1 if model.ngram_buckets else length
        head = _dense(model.embedding_dim, model.hidden_dim) + _dense(model.hidden_dim or model.embedding_dim, model.num_classes)
        return tokens * model.embedding_dim + head
    if name == "LSTMClassifier":
        directions = 2 if model.bidirectional else 1
        width, total = model.embedding_dim, 0
        for _ in range(model.num_layers):
            total += directions * _lstm(width, model.lstm_units, length)
            width = directions * model.lstm_units
        return total + _dense(width, model.num_classes)
    if name == "LSTMLanguageModel":
        width, total = model.embedding_dim, 0
        for _ in range(model.num_layers):
            total += _lstm(width, model.lstm_units, length)
            width = model.lstm_units
        return total + length * _dense(width, model.vocabulary_size)
    if name == "CNNClassifier":
        channels = 2 if model.multichannel else 1
        convolutions = sum(length * _dense(width * channels * model.embedding_dim, model.num_filters)
                           for width in model.filter_sizes)
        return convolutions + _dense(model.num_filters * len(model.filter_sizes), model.num_classes)
    if name == "TransformerClassifier":
        block = _attention_block(model.hidden_dim, model.intermediate_dim, length)
        return model.num_layers * block + _dense(model.hidden_dim, model.num_classes)
    if name == "TransformerLanguageModel":
        # Causal attention is computed over the full square of scores (masked), so it is counted in full.
        block = _attention_block(model.hidden_dim, model.intermediate_dim, length)
        return model.num_layers * block + length * _dense(model.hidden_dim, model.vocabulary_size)
    if name == "TransformerTranslator":
        # Source and target padded to one length (kzoo's pair batches).
        d, f = model.hidden_dim, model.intermediate_dim
        encoder = _attention_block(d, f, length)
        decoder = _attention_block(d, f, length) + _cross_attention(d, length, length)
        return model.num_layers * (encoder + decoder) + length * _dense(d, model.target_vocabulary_size)
    if name in ("BertClassifier", "BertTextClassifier"):
        backbone = model.backbone
        per_layer = _attention_block(backbone.hidden_dim, backbone.intermediate_dim, length)
        d = backbone.hidden_dim
        pooler = _dense(d, d) if getattr(model, "pooling", "cls") == "cls" else 0
        return backbone.num_layers * per_layer + pooler + _dense(d, model.num_classes)
    if name == "LinearRegression":
        return _dense(model.num_features, 1)
    raise ValueError(f"No FLOP count for {name}")
