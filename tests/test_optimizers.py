"""kzoo's AdamW (Keras's arithmetic, its schedule read once per step) and LazyAdam / LazyAdamW (sparse embedding
updates that match Adam where they must and touch nothing else)."""

import keras
import numpy as np
import pytest
import tensorflow as tf

import kzoo  # noqa: F401  (sets the Keras backend)
from kzoo.optimizers import AdamW, LazyAdam, LazyAdamW


def _embedding_gradient(rows, table):
    """The gradient of `sum(table[rows] * weights)`: an IndexedSlices with repeated rows."""
    weights = tf.constant(np.arange(1, 1 + 3 * len(rows), dtype=np.float32).reshape(len(rows), 3))
    with tf.GradientTape() as tape:
        loss = tf.reduce_sum(tf.gather(table, rows) * weights)
    return tape.gradient(loss, table)


def _step(optimizer, table, rows, jit_compile=False):
    @tf.function(jit_compile=jit_compile)
    def step():
        gradient = _embedding_gradient(rows, table.value)
        assert isinstance(gradient, tf.IndexedSlices)
        optimizer.apply_gradients([(gradient, table)])

    step()


@pytest.mark.parametrize("lazy_class, dense_class", [(LazyAdam, keras.optimizers.Adam),
                                                     (LazyAdamW, keras.optimizers.AdamW)])
@pytest.mark.parametrize("jit_compile", [False, True])
def test_first_step_equals_the_dense_optimizer_and_later_steps_leave_untouched_rows_alone(
        lazy_class, dense_class, jit_compile):
    initial = np.random.default_rng(0).normal(size=(6, 3)).astype(np.float32)
    lazy_table, dense_table = keras.Variable(initial), keras.Variable(initial)
    lazy, dense = lazy_class(learning_rate=0.1), dense_class(learning_rate=0.1)
    rows = tf.constant([1, 4, 1])  # row 1 twice: its gradients add up

    _step(lazy, lazy_table, rows, jit_compile)
    dense.apply_gradients([(tf.convert_to_tensor(_embedding_gradient(rows, dense_table.value)), dense_table)])
    # AdamW decays every row densely; the lazy one decays the touched rows only.
    touched = [1, 4]
    np.testing.assert_allclose(lazy_table.numpy()[touched], dense_table.numpy()[touched], atol=1e-5)
    untouched = [0, 2, 3, 5]
    np.testing.assert_array_equal(lazy_table.numpy()[untouched], initial[untouched])

    after_first = lazy_table.numpy()
    _step(lazy, lazy_table, tf.constant([2]), jit_compile)  # rows 1 and 4 keep value and moments
    np.testing.assert_array_equal(lazy_table.numpy()[touched], after_first[touched])
    assert not np.allclose(lazy_table.numpy()[2], initial[2])
    m = lazy._momentums[0].numpy()
    np.testing.assert_array_equal(m[[0, 3, 5]], 0.0)


def test_dense_gradients_get_the_ordinary_update():
    initial = np.ones((2, 2), np.float32)
    lazy_variable, dense_variable = keras.Variable(initial), keras.Variable(initial)
    gradient = tf.constant([[0.5, -1.0], [2.0, 0.0]])
    LazyAdamW(learning_rate=0.1).apply_gradients([(gradient, lazy_variable)])
    keras.optimizers.AdamW(learning_rate=0.1).apply_gradients([(gradient, dense_variable)])
    np.testing.assert_allclose(lazy_variable.numpy(), dense_variable.numpy(), rtol=1e-6)


def test_kzoo_optimizers_are_chosen_by_name_and_round_trip_their_config():
    from kzoo.models.task import make_optimizer
    from kzoo.registry import CompileDefaults

    adamw = make_optimizer(CompileDefaults(optimizer="adamw", learning_rate=3e-4))
    assert type(keras.optimizers.deserialize(keras.optimizers.serialize(adamw))) is AdamW
    optimizer = make_optimizer(CompileDefaults(optimizer="lazy_adamw", learning_rate=3e-4))
    assert isinstance(optimizer, LazyAdamW)
    restored = keras.optimizers.deserialize(keras.optimizers.serialize(optimizer))
    assert isinstance(restored, LazyAdamW) and restored.get_config() == optimizer.get_config()
    with pytest.raises(ValueError, match="amsgrad"):
        LazyAdam(amsgrad=True)


def test_optimizer_arguments_go_to_the_default_optimizer_only():
    from kzoo.models.task import make_optimizer
    from kzoo.registry import CompileDefaults

    defaults = CompileDefaults(optimizer="adamw", optimizer_arguments={"beta_2": 0.99, "weight_decay": 0.1})
    optimizer = make_optimizer(defaults)
    assert (optimizer.beta_2, optimizer.weight_decay) == (0.99, 0.1)
    assert make_optimizer(defaults, optimizer="adam").beta_2 == 0.999  # a caller's choice gets Keras's values
    with pytest.raises(ValueError, match="not recognized.*beta2"):
        make_optimizer(CompileDefaults(optimizer="adamw", optimizer_arguments={"beta2": 0.99}))


class _CountingSchedule(keras.optimizers.schedules.CosineDecay):
    """Warmup + cosine decay that counts how often it is evaluated (each call adds its ops to the step)."""

    calls = 0

    def __call__(self, step):
        type(self).calls += 1
        return super().__call__(step)


def _schedule():
    return _CountingSchedule(0.0, decay_steps=8, warmup_target=0.1, warmup_steps=2)


def _variables(count=6):
    rng = np.random.default_rng(1)
    return [keras.Variable(rng.normal(size=(3, 2)).astype(np.float32), name=f"w{i}") for i in range(count)]


def test_adamw_updates_like_keras_adamw_with_a_schedule_and_excluded_variables():
    ours, theirs = _variables(), _variables()
    optimizers = [AdamW(learning_rate=_schedule(), weight_decay=0.1, clipnorm=1.0),
                  keras.optimizers.AdamW(learning_rate=_schedule(), weight_decay=0.1, clipnorm=1.0)]
    for optimizer, variables in zip(optimizers, (ours, theirs)):
        optimizer.exclude_from_weight_decay(var_list=variables[:2])
    rng = np.random.default_rng(2)
    for _ in range(4):  # warmup and decay steps
        gradients = [rng.normal(size=(3, 2)).astype(np.float32) for _ in ours]
        for optimizer, variables in zip(optimizers, (ours, theirs)):
            optimizer.apply_gradients(zip([tf.constant(g) for g in gradients], variables))
    for a, b in zip(ours, theirs):
        np.testing.assert_allclose(a.numpy(), b.numpy(), rtol=1e-6, atol=1e-7)


def test_adamw_evaluates_its_schedule_once_per_step_whatever_the_number_of_variables():
    def schedule_calls_in_one_traced_step(optimizer_class, count):
        variables, optimizer = _variables(count), optimizer_class(learning_rate=_schedule(), weight_decay=0.1)
        optimizer.build(variables)
        _CountingSchedule.calls = 0
        tf.function(lambda: optimizer.apply_gradients([(tf.ones((3, 2)), v) for v in variables])).get_concrete_function()
        return _CountingSchedule.calls

    assert schedule_calls_in_one_traced_step(AdamW, 12) == schedule_calls_in_one_traced_step(AdamW, 2)
    # Keras's AdamW reads it once more per variable (the reason for kzoo's).
    assert schedule_calls_in_one_traced_step(keras.optimizers.AdamW, 12) >= 12
