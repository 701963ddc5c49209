"""Kernel gradients of `EinsumDense` at the cost of one matrix product (a Keras TensorFlow-backend workaround).

Keras 3's TensorFlow backend (up to 3.15 at least) runs the equations of
`EinsumDense`, such as `abc,cde->abde` and `abcd,cde->abe` (the query, key,
value and output projections of every `MultiHeadAttention`), as `tf.matmul` of
the rank-3 input and the kernel reshaped to rank 2. TensorFlow differentiates
that broadcast matmul by forming one kernel-sized gradient per example
(`[batch, in, out]`) and then summing them: XLA compiles it as a batched product
plus a reduction over the batch, e.g. 1.2 GB written and read per projection of
BERT-base at batch 1024, 48 times a step. keras-team/keras#22823 fixed the same
for `Dense` (`tf.tensordot`, which flattens the batch); this does it for the
einsums that are a tensordot too: the input's last axes contracted with the
kernel's first axes, every other axis kept in order. Same products, same
results up to the order of a sum; the kernel's gradient is then one matrix
product. Everything else goes to Keras's own einsum unchanged.

Measured (XLA steps, side by side, benchmarks/RESULTS.md): on an H200 in
mixed_bfloat16, BERT-base at batch 1024 1.09x, the translator 1.10x, MiniLM BERT
1.04x, the Transformer classifier 1.03x, but the character Transformer language
model 0.86x (128 wide, not profiled); on 2 CPU cores 1.01x to 1.05x.

Example:
    >>> install()  # kzoo.models does this on import
    >>> keras.layers.EinsumDense("abc,cde->abde", output_shape=(None, 4, 8))(x)  # now a tensordot
"""

import functools
import string


@functools.lru_cache(maxsize=None)
def _tensordot_form(subscripts):
    """`(contracted axes, first operand's rank, second operand's rank)` if `subscripts` is a tensordot, else None."""
    compact = subscripts.replace(" ", "")
    if compact.count(",") != 1 or compact.count("->") != 1:
        return None
    inputs, output = compact.split("->")
    left, right = inputs.split(",")
    if not set(left + right) <= set(string.ascii_letters) or len(set(left)) != len(left) \
            or len(set(right)) != len(right):
        return None
    count = sum(label in right for label in left)
    free = len(left) - count
    if not count or free < 1 or left[free:] != right[:count] or output != left[:free] + right[count:]:
        return None
    return count, len(left), len(right)


def contracted_axes(subscripts):
    """How many trailing axes of the first operand `subscripts` contracts with the second's leading axes.

    None unless the einsum is exactly such a tensordot: two operands, no
    repeated or ellipsis labels, the contracted labels ending the first and
    starting the second, and the output the remaining labels in order.

    Example:
        >>> contracted_axes("abc,cde->abde"), contracted_axes("abcd,cde->abe"), contracted_axes("ab,cb->ac")
        (1, 2, None)
    """
    form = _tensordot_form(subscripts)
    return form[0] if form else None


def install():
    """Routes Keras's TensorFlow einsum through `tf.tensordot` where it is one (idempotent)."""
    import tensorflow as tf
    from keras.src.backend.tensorflow import numpy as tensorflow_numpy

    if getattr(tensorflow_numpy.einsum, "_kzoo_tensordot", False):
        return
    keras_einsum = tensorflow_numpy.einsum

    @functools.wraps(keras_einsum)
    def einsum(subscripts, *operands, **kwargs):
        form = _tensordot_form(subscripts) if isinstance(subscripts, str) and len(operands) == 2 else None
        if form is not None and not kwargs:
            count, left_rank, right_rank = form
            x, kernel = (tf.convert_to_tensor(operand) for operand in operands)
            # Ranks that disagree with the labels are Keras's einsum's to report.
            if (x.dtype == kernel.dtype and x.dtype.is_floating and x.shape.rank == left_rank
                    and kernel.shape.rank == right_rank):
                return tf.tensordot(x, kernel, axes=[list(range(left_rank - count, left_rank)), list(range(count))])
        return keras_einsum(subscripts, *operands, **kwargs)

    einsum._kzoo_tensordot = True
    tensorflow_numpy.einsum = einsum


def uninstall():
    """Puts Keras's own einsum back (for side-by-side measurements; idempotent)."""
    from keras.src.backend.tensorflow import numpy as tensorflow_numpy

    if getattr(tensorflow_numpy.einsum, "_kzoo_tensordot", False):
        tensorflow_numpy.einsum = tensorflow_numpy.einsum.__wrapped__
