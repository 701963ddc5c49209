"""Every local format parses; every bad input gets an error naming file and line."""

import json

import pytest

import kzoo
from kzoo.data import DataFormatError


def _examples(dataset):
    return [(t.decode(), int(label)) for t, label in dataset.as_numpy_iterator()]


def test_label_text_lines_like_sst2(tmp_path):
    path = tmp_path / "train.txt"
    path.write_text("1 a fine film\n0 a dull one\n\n1 more please\n")
    dataset, info = kzoo.data.load(str(path), with_info=True)
    assert _examples(dataset) == [("a fine film", 1), ("a dull one", 0), ("more please", 1)]
    assert info.label_names == ["0", "1"] and info.num_examples == 3


def test_empty_texts_are_skipped_and_counted(tmp_path):
    path = tmp_path / "train.txt"
    path.write_text("1 a fine film\n0\n0   \n1 good\n")
    dataset, info = kzoo.data.load(str(path), with_info=True)
    assert len(_examples(dataset)) == 2 and info.num_skipped == 2


def test_csv_and_tsv_with_named_columns(tmp_path):
    csv_path = tmp_path / "train.csv"
    csv_path.write_text('review,stars\n"great, really",pos\nawful,neg\n')
    dataset, info = kzoo.data.load(str(csv_path), text_column="review", label_column="stars", with_info=True)
    assert _examples(dataset) == [("great, really", 1), ("awful", 0)]
    assert info.label_names == ["neg", "pos"]
    tsv_path = tmp_path / "train.tsv"
    tsv_path.write_text("text\tlabel\ngreat\t2\nok\t10\n")
    dataset, info = kzoo.data.load(str(tsv_path), with_info=True)
    assert info.label_names == ["2", "10"]  # numeric labels sort as numbers
    assert _examples(dataset) == [("great", 0), ("ok", 1)]


def test_csv_missing_column_and_malformed_row(tmp_path):
    path = tmp_path / "train.csv"
    path.write_text("text,label\nfine,1\n")
    with pytest.raises(DataFormatError, match="no column 'sentence'.*header has \\['text', 'label'\\]"):
        kzoo.data.load(str(path), text_column="sentence")
    path.write_text("text,label\nfine,1\nbroken row,1,extra\n")
    with pytest.raises(DataFormatError, match=r"train.csv:3: expected 2 fields"):
        kzoo.data.load(str(path))


def test_jsonl_and_its_errors(tmp_path):
    path = tmp_path / "train.jsonl"
    path.write_text(json.dumps({"text": "good", "label": "pos"}) + "\n" + json.dumps({"text": "bad", "label": "neg"}) + "\n")
    assert _examples(kzoo.data.load(str(path))) == [("good", 1), ("bad", 0)]
    path.write_text(json.dumps({"text": "good", "label": "pos"}) + "\n{not json\n")
    with pytest.raises(DataFormatError, match=r"train.jsonl:2: invalid JSON"):
        kzoo.data.load(str(path))
    path.write_text(json.dumps({"body": "good", "label": "pos"}) + "\n")
    with pytest.raises(DataFormatError, match=r"train.jsonl:1: expected an object with keys 'text' and 'label'"):
        kzoo.data.load(str(path))
    for label in ("", None):  # not a class named "" or "None"
        path.write_text(json.dumps({"text": "good", "label": "pos"}) + "\n" + json.dumps({"text": "bad", "label": label}))
        with pytest.raises(DataFormatError, match=r"train.jsonl:2: empty or null label under key 'label'"):
            kzoo.data.load(str(path))
    path.write_text("\n".join(json.dumps({"text": text, "label": "pos"}) for text in ("good", None, " ")))
    dataset, info = kzoo.data.load(str(path), with_info=True)
    assert _examples(dataset) == [("good", 0)] and info.num_skipped == 2  # a null text is an empty one


def test_class_per_folder_tree(tmp_path):
    for split, label, name, text in [
        ("train", "pos", "1.txt", "loved it"),
        ("train", "neg", "2.txt", "hated it"),
        ("train", "neg", "3.txt", "   "),
        ("test", "pos", "4.txt", "fine"),
    ]:
        folder = tmp_path / "aclImdb" / split / label
        folder.mkdir(parents=True, exist_ok=True)
        (folder / name).write_text(text)
    dataset, info = kzoo.data.load(str(tmp_path / "aclImdb"), split="train", with_info=True)
    assert sorted(_examples(dataset)) == [("hated it", 0), ("loved it", 1)]
    assert info.label_names == ["neg", "pos"] and info.num_skipped == 1
    test = kzoo.data.load(str(tmp_path / "aclImdb"), split="test", label_names=["neg", "pos"])
    assert _examples(test) == [("fine", 1)]


def test_plain_text_for_language_modelling(tmp_path):
    path = tmp_path / "input.txt"
    path.write_text("First Citizen:\nBefore we proceed any further, hear me speak.\n")
    texts = [t.decode() for t in kzoo.data.load(str(path), task="language_modeling").as_numpy_iterator()]
    assert texts == [path.read_text()]
    path.write_text("  \n")
    with pytest.raises(DataFormatError, match="input.txt: the text file is empty"):
        kzoo.data.load(str(path), task="language_modeling")


def test_non_utf8_bytes_name_file_and_line(tmp_path):
    path = tmp_path / "train.txt"
    path.write_bytes(b"1 fine\n0 caf\xe9 au lait\n")
    with pytest.raises(DataFormatError, match=r"train.txt:2: not valid UTF-8 \(byte 0xe9\)"):
        kzoo.data.load(str(path))


def test_unknown_label_names_file_and_line(tmp_path):
    path = tmp_path / "dev.txt"
    path.write_text("1 fine\n7 odd\n")
    with pytest.raises(DataFormatError, match=r"dev.txt:2: unknown label '7'; the training data has labels \['0', '1'\]"):
        kzoo.data.load(str(path), label_names=["0", "1"])


def test_missing_file_and_unknown_names(tmp_path):
    with pytest.raises(FileNotFoundError, match="not found.*nothing.txt"):
        kzoo.data.load(str(tmp_path / "nothing.txt"))
    with pytest.raises(ValueError, match="Unknown dataset 'imbd_reviews'. Did you mean 'imdb_reviews'"):
        kzoo.data.load("imbd_reviews")
    with pytest.raises(ValueError, match="Unknown format 'xml'"):
        kzoo.data.load(str(tmp_path), format="xml")


def test_demo_is_deterministic_and_has_both_tasks():
    first = _examples(kzoo.data.load("demo"))
    assert first == _examples(kzoo.data.load("demo"))
    assert len(first) == 8000 and {label for _, label in first} == {0, 1}
    assert any(" not " in text for text, _ in first)  # negation: word order matters
    text = next(kzoo.data.load("demo", task="language_modeling").as_numpy_iterator()).decode()
    assert len(text) > 10_000


def test_demo_takes_the_first_examples_of_a_split_as_tfds_does():
    first = _examples(kzoo.data.load("demo:train[:50]"))
    assert first == _examples(kzoo.data.load("demo"))[:50]
    assert len(_examples(kzoo.data.load("demo:validation[:5000]"))) == 1000  # no more than the split has
    sources = list(kzoo.data.load("demo:test[:3]", task="translation").as_numpy_iterator())
    assert len(sources) == 3
    text = next(kzoo.data.load("demo:train[:10]", task="language_modeling").as_numpy_iterator()).decode()
    assert text.count("\n") == 10  # ten sentences, one a line
    with pytest.raises(ValueError, match=r"Unknown split 'train\[10:\]' of `demo`.*as in `train\[:1000\]`"):
        kzoo.data.load("demo:train[10:]")
    with pytest.raises(ValueError, match=r"'train\[:0\]' of `demo` takes no example"):
        kzoo.data.load("demo:train[:0]")
