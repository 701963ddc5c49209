"""The TFDS path, offline: `tfds.testing.mock_data` stands in for the download."""

import time

import pytest
import tensorflow_datasets as tfds

import kzoo
from kzoo.data import DatasetUnavailableError, tfds_source


@pytest.fixture
def network(monkeypatch):
    monkeypatch.setattr(tfds_source, "network_reachable", lambda timeout=3.0: True)


@pytest.mark.parametrize("name", ["imdb_reviews", "glue/sst2", "ag_news_subset", "yelp_polarity_reviews"])
def test_classification_datasets_yield_text_and_label(name, network, tmp_path):
    with tfds.testing.mock_data(num_examples=4):
        dataset, info = kzoo.data.load(name, data_dir=str(tmp_path), with_info=True)
        examples = list(dataset.as_numpy_iterator())
    assert len(examples) == 4
    text, label = examples[0]
    assert isinstance(text, bytes) and 0 <= label < len(info.label_names)
    assert info.source == "tfds"


def test_tiny_shakespeare_yields_text_for_language_modelling(network, tmp_path):
    with tfds.testing.mock_data(num_examples=1):
        texts = list(kzoo.data.load("tiny_shakespeare", task="language_modeling", data_dir=str(tmp_path)))
    assert len(texts) == 1 and texts[0].dtype.name == "string"


def test_split_syntax(network, tmp_path):
    with tfds.testing.mock_data(num_examples=3):
        _, info = kzoo.data.load("imdb_reviews:test", data_dir=str(tmp_path), with_info=True)
    assert info.split == "test"


def test_no_network_fails_fast_with_advice(monkeypatch, tmp_path):
    monkeypatch.setattr(tfds_source, "network_reachable", lambda timeout=3.0: False)
    started = time.perf_counter()
    with pytest.raises(DatasetUnavailableError, match="cannot be downloaded: no network.*--data-dir.*local files"):
        kzoo.data.load("imdb_reviews", data_dir=str(tmp_path))
    assert time.perf_counter() - started < 30
