"""BERT fine-tuned for sentence classification: a keras-hub backbone, pooled, then logits."""

import keras
import keras_hub

from kzoo.errors import check_choice, check_fraction, check_int
from kzoo.layers import MaskedMeanPooling
from kzoo.models.task import Task, apply, classifier_head
from kzoo.pretrained import resolve_checkpoint

POOLINGS = ("cls", "mean")


@keras.saving.register_keras_serializable(package="kzoo")
class BertClassifier(Task):
    """A BERT backbone -> one vector per text -> dropout -> class logits.

    `pooling="cls"` uses the backbone's pooled [CLS] output (what the BERT paper
    and keras-hub's BertTextClassifier do); `pooling="mean"` averages the
    unpadded token outputs, which is how sentence-embedding checkpoints such as
    all-MiniLM-L6-v2 were trained (their [CLS] pooler never was). With mean
    pooling the unused pooler is frozen.

    Example:
        >>> backbone = keras_hub.models.BertBackbone.from_preset(resolve_checkpoint("all_minilm_l6_v2"))
        >>> model = BertClassifier(backbone=backbone, num_classes=2, pooling="mean")
    """

    registered_as = "bert_classifier"  # its compile() defaults are that catalogue entry's

    def __init__(self, *, backbone, num_classes=2, pooling="cls", dropout=0.1, dtype=None, **kwargs):
        check_int("num_classes", num_classes, minimum=2)
        check_choice("pooling", pooling, POOLINGS)
        check_fraction("dropout", dropout)

        # === Layers ===
        self.backbone = backbone
        if pooling == "mean":
            backbone.pooled_dense.trainable = False
            self.pooling_layer = MaskedMeanPooling(dtype=dtype, name="average")
        self.head = classifier_head(num_classes, dropout=dropout, dtype=dtype)

        # === Functional Model ===
        inputs = backbone.input
        outputs = backbone(inputs)
        if pooling == "mean":
            pooled = self.pooling_layer(outputs["sequence_output"], mask=inputs["padding_mask"])
        else:
            pooled = outputs["pooled_output"]
        super().__init__(inputs=inputs, outputs=apply(self.head, pooled), dtype=dtype, **kwargs)

        # === Config ===
        self.num_classes = num_classes
        self.pooling = pooling
        self.dropout = dropout

    def get_config(self):
        return {
            **self._base_config(),
            "backbone": keras.layers.serialize(self.backbone),
            "num_classes": self.num_classes,
            "pooling": self.pooling,
            "dropout": self.dropout,
        }

    @classmethod
    def from_config(cls, config):
        config = dict(config)
        config["backbone"] = keras.layers.deserialize(config["backbone"])
        return super().from_config(config)


def build_bert_classifier(*, num_classes, checkpoint, pooling, dropout, vocabulary_size, num_layers, num_heads,
                          hidden_dim, intermediate_dim, max_sequence_length, dtype, preprocessor):
    """What the `bert_classifier` builder does: a random backbone from the sizes, or the checkpoint's."""
    check_int("num_classes", num_classes, minimum=2)
    check_choice("pooling", pooling, POOLINGS)
    check_fraction("dropout", dropout)
    sizes = {
        "vocabulary_size": vocabulary_size,
        "num_layers": num_layers,
        "num_heads": num_heads,
        "hidden_dim": hidden_dim,
        "intermediate_dim": intermediate_dim,
        "max_sequence_length": max_sequence_length,
    }
    if checkpoint is None:
        for name, value in sizes.items():
            check_int(name, value, minimum=1)
        backbone = keras_hub.models.BertBackbone(**sizes, dropout=dropout, dtype=dtype)
    else:
        handle = resolve_checkpoint(checkpoint)
        given = {name: value for name, value in sizes.items() if value is not None}
        if given:
            raise ValueError(
                f"Size arguments {given} only apply to a random BERT (checkpoint=None); "
                f"checkpoint {checkpoint!r} fixes its own sizes."
            )
        backbone = keras_hub.models.BertBackbone.from_preset(handle, dtype=dtype)
    return BertClassifier(backbone=backbone, num_classes=num_classes, pooling=pooling, dropout=dropout, dtype=dtype,
                          preprocessor=preprocessor)
