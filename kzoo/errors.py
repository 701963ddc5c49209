"""Argument checks whose errors name the argument and the value received."""

import difflib


def invalid_value(name, expected, received):
    return ValueError(
        f"Invalid value for `{name}`: expected {expected}, received {received!r}"
    )


def check_int(name, value, *, minimum):
    """Returns `value` when it is an int >= `minimum`, else raises ValueError."""
    if isinstance(value, bool) or not isinstance(value, int) or value < minimum:
        raise invalid_value(name, f"an int >= {minimum}", value)
    return value


def check_fraction(name, value, *, maximum=1.0):
    """Returns `value` when it is a float in [0, maximum)."""
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise invalid_value(name, f"a float in [0, {maximum})", value)
    if not 0.0 <= value < maximum:
        raise invalid_value(name, f"a float in [0, {maximum})", value)
    return float(value)


def check_positive(name, value):
    """Returns `value` when it is a number > 0 (not a bool), else raises ValueError."""
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not value > 0:
        raise invalid_value(name, "a number > 0", value)
    return value


def check_choice(name, value, choices):
    """Returns `value` when it is one of `choices`; the error lists them."""
    if value not in choices:
        raise unknown_name(name, value, choices)
    return value


def unknown_name(what, value, valid):
    """A ValueError for an unknown name that lists valid names and close matches."""
    valid = sorted(valid)
    close = difflib.get_close_matches(str(value), valid, n=3, cutoff=0.5)
    hint = f" Did you mean {', '.join(repr(c) for c in close)}?" if close else ""
    return ValueError(
        f"Unknown {what} {value!r}.{hint} Valid names: {', '.join(valid)}."
    )


def check_texts(texts):
    """A list of strings; anything else is a clear error."""
    if isinstance(texts, str):
        raise TypeError("`texts` must be a list of strings; wrap a single text in a list.")
    texts = list(texts)
    for index, text in enumerate(texts):
        if not isinstance(text, str):
            raise TypeError(f"Text #{index + 1} is not a string: received {type(text).__name__}.")
    return texts
