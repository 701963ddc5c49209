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
    if name == "TransformerClassifier":
        d, f = model.hidden_dim, model.intermediate_dim
        per_layer = length * (4 * _dense(d, d) + _dense(d, f) + _dense(f, d)) + 2 * 2 * length * length * d
        return model.num_layers * per_layer + _dense(d, model.num_classes)
    if name in ("BertClassifier", "BertTextClassifier"):
        backbone = model.backbone
        d, f = backbone.hidden_dim, backbone.intermediate_dim
        per_layer = length * (4 * _dense(d, d) + _dense(d, f) + _dense(f, d)) + 2 * 2 * length * length * d
        pooler = _dense(d, d) if getattr(model, "pooling", "cls") == "cls" else 0
        return backbone.num_layers * per_layer + pooler + _dense(d, model.num_classes)
    if name == "LinearRegression":
        return _dense(model.num_features, 1)
    raise ValueError(f"No FLOP count for {name}")
