"""Accuracy on real data: SST-2 test accuracy of kzoo's defaults next to the example code."""

import numpy as np

from kzoo.bench import baselines
from kzoo.data.local_files import read_label_text

# Published figures to read ours against (SST-2 sentence-level binary; Kim, 2014 splits).
REFERENCES = {
    "bag_of_embeddings_classifier": "fastText-style bag of words ~80-82 (Joulin et al., 2016; SST-2 test)",
    "lstm_classifier": "LSTM / BiLSTM 84.9-87.5 with pretrained vectors (Tai et al., 2015); CNN 88.1 (Kim, 2014)",
    "cnn_classifier": "Kim CNN-non-static 87.2, CNN-static 86.8 (Kim, 2014; word2vec vectors; trained on SST-2's "
                      "phrases too)",
    "transformer_classifier": "from-scratch Transformer on SST-2 ~78-82 (no pretraining)",
    "bert_classifier": "BERT-base 92.7 (dev, Devlin et al., 2019); MiniLM-L6 ~91 (dev, Wang et al., 2020)",
}
TARGETS = {"bag_of_embeddings_classifier": 0.81, "lstm_classifier": 0.81, "transformer_classifier": 0.79,
           "cnn_classifier": 0.85, "bert_classifier": 0.895}


def read_sst2(path):
    """`(texts, int labels)` of an SST-2 `<label> <text>` file."""
    examples = read_label_text(path)
    return examples.texts, [int(label) for label in examples.labels]


def example_accuracy(name, train, test, *, epochs=5, batch_size=32):
    """The Keras example as written, trained like kzoo's defaults (same epochs), test accuracy."""
    x_train, x_test = baselines.example_vectorize(train[0], test[0])
    model = baselines.EXAMPLES[name]()
    model.fit(x_train, np.asarray(train[1], np.float32), batch_size=batch_size, epochs=epochs, verbose=0)
    return baselines.accuracy_of_sigmoid(model, x_test, test[1])
