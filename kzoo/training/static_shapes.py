"""What a TPU needs of a training run, checked on any device: static batch shapes and no string op in the step.

XLA on a TPU compiles one program per input shape and cannot run string ops,
so a TPU run needs every batch padded to one fully static shape (a fixed
length, the remainder dropped) and a compiled step that sees token ids only
(kzoo's preprocessors tokenize in the tf.data pipeline, before the step).
"""

import keras
import tensorflow as tf
from tensorflow.python.framework import op_def_registry

_STRING = tf.string.as_datatype_enum


def check_static_batches(batches, split):
    """Raises a ValueError naming the first tensor of `batches` whose shape is not fully static."""
    names = ("inputs", "labels")
    for path, spec in keras.tree.flatten_with_path(batches.element_spec):
        if not spec.shape.is_fully_defined():
            where = "/".join(names[part] if i == 0 and isinstance(part, int) and len(path) else str(part)
                             for i, part in enumerate(path))
            raise ValueError(
                f"The {split} batches are not of one static shape: `{where}` has shape {tuple(spec.shape)}. "
                "A TPU needs every batch padded to a fixed length with the last partial batch dropped "
                "(`fixed_length=True`, `kzoo train --static-shapes`)."
            )


def string_ops(graph):
    """`op (node name)` of every node in `graph` (its nested functions included) that makes or takes strings.

    Assertions are left out: XLA compiles `Assert` to nothing, and the string
    constants that only hold its message (or feed nothing) go with it.
    """
    graph_def = graph.as_graph_def()
    found = []
    for nodes in [graph_def.node, *(function.node_def for function in graph_def.library.function)]:
        consumers = {}
        for node in nodes:
            for name in node.input:
                consumers.setdefault(name.lstrip("^").split(":")[0], set()).add(node.op)
        for node in nodes:
            if node.op == "Assert" or (node.op == "Const" and consumers.get(node.name, set()) <= {"Assert"}):
                continue
            if _makes_or_takes_strings(node):
                found.append(f"{node.op} ({node.name})")
    return found


def _makes_or_takes_strings(node):
    # A tensor's type is fixed by the op's definition (StringLower) or set by an attribute (Const).
    if any(_STRING in ([value.type] if value.HasField("type") else list(value.list.type))
           for value in node.attr.values()):
        return True
    op_def = op_def_registry.get(node.op)  # None for calls of the graph's own functions
    return op_def is not None and any(arg.type == _STRING for arg in [*op_def.input_arg, *op_def.output_arg])


def check_tpu_ready(trainer, batches_by_split):
    """Checks every split's batches are static and the traced train and eval steps contain no string op.

    Returns `{"train_step_ops": N, "eval_step_ops": M}` (node counts of the traced steps).

    Example:
        >>> check_tpu_ready(trainer, {"train": train_batches, "validation": valid_batches})
    """
    for split, batches in batches_by_split.items():
        check_static_batches(batches, split)
    element_spec = next(iter(batches_by_split.values())).element_spec
    report = {}
    for name, graph in trainer.traced_steps(element_spec).items():
        found = string_ops(graph)
        if found:
            raise ValueError(f"The compiled {name} step contains string ops, which a TPU cannot run: "
                             f"{', '.join(found[:5])}. Tokenize in the input pipeline, before the step.")
        report[f"{name}_step_ops"] = len(graph.as_graph_def().node)
    return report
