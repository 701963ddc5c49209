"""Readers for local text datasets; every error names the file and the line.

Formats:
- `folders`: a class-per-folder tree (`train/pos/*.txt`, `train/neg/*.txt`, aclImdb style);
- `csv`, `tsv`: a header row, then rows with a text and a label column;
- `jsonl`: one JSON object a line with a text and a label key;
- `label_text`: `<label> <text>` lines (the SST-2 files of Kim, 2014);
- `text`: one plain text file, for language modelling;
- `pairs`: `source<TAB>target[<TAB>anything]` lines, no header, for translation
  (the Tatoeba / manythings.org format; extra columns such as an attribution are kept out of the data).

Blank lines are not examples. An example whose text is empty is skipped and
counted (`Examples.num_skipped`); everything else that cannot be read raises.
"""

import csv
import dataclasses
import io
import json
import os

FORMATS = ("folders", "csv", "tsv", "jsonl", "label_text", "text", "pairs")
_EXTENSIONS = {".csv": "csv", ".tsv": "tsv", ".jsonl": "jsonl", ".json": "jsonl"}


class DataFormatError(ValueError):
    """A local dataset file that cannot be parsed; the message names file and line."""


@dataclasses.dataclass
class Examples:
    texts: list = dataclasses.field(default_factory=list)
    labels: list = dataclasses.field(default_factory=list)  # raw label strings (a translation's target text)
    lines: list = dataclasses.field(default_factory=list)  # where each came from, "file:line", for error messages
    num_skipped: int = 0

    def add(self, text, label, where):
        """Appends one example (text and label stripped by the reader), or counts an empty one as skipped.

        Example:
            >>> examples = Examples()
            >>> examples.add("a fine film", "1", "train.txt:1"); examples.add("", "0", "train.txt:2")
            >>> len(examples.texts), examples.num_skipped
            (1, 1)
        """
        if not text or not label:
            self.num_skipped += 1
            return
        self.texts.append(text)
        self.labels.append(label)
        self.lines.append(where)


def detect_format(path, *, task="classification"):
    """The format of `path` guessed from its shape, extension and the task."""
    if os.path.isdir(path):
        return "folders"
    if task == "translation":
        return "pairs"
    extension = os.path.splitext(path)[1].lower()
    if extension in _EXTENSIONS:
        return _EXTENSIONS[extension]
    return "text" if task == "language_modeling" else "label_text"


def _read_utf8(path):
    """The file's text; non-UTF-8 bytes raise an error naming the file and line."""
    if not os.path.exists(path):
        raise FileNotFoundError(f"Dataset file not found: {path!r}")
    try:
        with open(path, "rb") as handle:
            data = handle.read()
    except OSError as error:
        raise DataFormatError(f"Cannot read dataset file {path!r}: {error}") from error
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as error:
        line = data.count(b"\n", 0, error.start) + 1
        raise DataFormatError(
            f"{path}:{line}: not valid UTF-8 (byte 0x{data[error.start]:02x}); "
            "re-encode the file as UTF-8."
        ) from error


def read_label_text(path):
    examples = Examples()
    for number, line in enumerate(_read_utf8(path).splitlines(), start=1):
        line = line.strip()
        if not line:
            continue
        label, _, text = line.partition(" ")
        examples.add(text.strip(), label, f"{path}:{number}")
    return examples


def read_table(path, *, delimiter, text_column="text", label_column="label"):
    examples = Examples()
    reader = csv.DictReader(io.StringIO(_read_utf8(path), newline=""), delimiter=delimiter)
    header = reader.fieldnames or []
    for column in (text_column, label_column):
        if column not in header:
            raise DataFormatError(
                f"{path}:1: no column {column!r}; the header has {header}. "
                "Name the columns with text_column= / label_column= (--text-column / --label-column)."
            )
    for row in reader:
        where = f"{path}:{reader.line_num}"
        if None in row or row[text_column] is None or row[label_column] is None:
            raise DataFormatError(f"{where}: expected {len(header)} fields as in the header, found a malformed row")
        text, label = row[text_column].strip(), row[label_column].strip()
        if text and not label:
            raise DataFormatError(f"{where}: empty label in column {label_column!r}")
        examples.add(text, label, where)
    return examples


def read_jsonl(path, *, text_column="text", label_column="label"):
    examples = Examples()
    for number, line in enumerate(_read_utf8(path).splitlines(), start=1):
        if not line.strip():
            continue
        where = f"{path}:{number}"
        try:
            record = json.loads(line)
        except json.JSONDecodeError as error:
            raise DataFormatError(f"{where}: invalid JSON ({error.msg})") from error
        if not isinstance(record, dict) or text_column not in record or label_column not in record:
            raise DataFormatError(f"{where}: expected an object with keys {text_column!r} and {label_column!r}")
        text, label = ("" if record[key] is None else str(record[key]).strip() for key in (text_column, label_column))
        if text and not label:
            raise DataFormatError(f"{where}: empty or null label under key {label_column!r}")
        examples.add(text, label, where)
    return examples


def read_folders(path, *, split=None):
    """`path/[split/]<label>/*.txt`: one example a file, labelled by its folder."""
    root = os.path.join(path, split) if split and os.path.isdir(os.path.join(path, split)) else path
    classes = sorted(d for d in os.listdir(root) if os.path.isdir(os.path.join(root, d)))
    if not classes:
        raise DataFormatError(f"{root}: expected one sub-folder per class (e.g. pos/, neg/), found none")
    examples = Examples()
    for label in classes:
        folder = os.path.join(root, label)
        for name in sorted(os.listdir(folder)):
            file_path = os.path.join(folder, name)
            if not os.path.isfile(file_path):
                continue
            examples.add(_read_utf8(file_path).strip(), label, f"{file_path}:1")
    return examples


def read_text(path):
    text = _read_utf8(path)
    if not text.strip():
        raise DataFormatError(f"{path}: the text file is empty")
    return Examples(texts=[text], lines=[f"{path}:1"])


def read_pairs(path):
    """`source<TAB>target[<TAB>...]` lines: the source in `texts`, the target in `labels`."""
    examples = Examples()
    for number, line in enumerate(_read_utf8(path).splitlines(), start=1):
        if not line.strip():
            continue
        fields = line.split("\t")
        if len(fields) < 2:
            raise DataFormatError(f"{path}:{number}: expected `source<TAB>target`, found no tab in {line[:60]!r}")
        examples.add(fields[0].strip(), fields[1].strip(), f"{path}:{number}")  # source, target
    return examples


def read_local(path, *, format=None, task="classification", split=None, text_column="text", label_column="label"):
    """Reads `path` as `format` (detected when None) into `Examples`."""
    if not os.path.exists(path):
        raise FileNotFoundError(f"Dataset path not found: {path!r}")
    format = format or detect_format(path, task=task)
    if format not in FORMATS:
        raise ValueError(f"Unknown format {format!r}. Valid formats: {', '.join(FORMATS)}.")
    if format == "folders":
        return read_folders(path, split=split)
    if os.path.isdir(path):
        raise DataFormatError(f"{path}: is a folder, but format {format!r} reads one file")
    if format == "text":
        return read_text(path)
    if format == "label_text":
        return read_label_text(path)
    if format == "pairs":
        return read_pairs(path)
    if format == "jsonl":
        return read_jsonl(path, text_column=text_column, label_column=label_column)
    delimiter = "\t" if format == "tsv" else ","
    return read_table(path, delimiter=delimiter, text_column=text_column, label_column=label_column)
