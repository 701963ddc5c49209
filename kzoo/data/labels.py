"""Label names <-> ids; kept with a run so predictions print names."""

from kzoo.data.local_files import DataFormatError


def infer_label_names(raw_labels):
    """Sorted distinct labels; integers sort numerically ("2" before "10")."""
    distinct = set(raw_labels)
    if all(label.lstrip("-").isdigit() for label in distinct):
        return [str(v) for v in sorted(int(label) for label in distinct)]
    return sorted(distinct)


def encode_labels(raw_labels, label_names, lines):
    """Label ids for `raw_labels`; an unknown label raises naming file and line."""
    index = {name: i for i, name in enumerate(label_names)}
    ids = []
    for label, where in zip(raw_labels, lines):
        if label not in index:
            raise DataFormatError(
                f"{where}: unknown label {label!r}; the training data has labels {list(label_names)}"
            )
        ids.append(index[label])
    return ids
