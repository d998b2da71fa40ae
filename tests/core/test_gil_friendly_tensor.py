"""Training data becomes a tensor in small slices (the GIL is held per slice, not per copy)."""

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from nngui.core import training


@settings(max_examples=25, deadline=None)
@given(rows=st.integers(1, 300), cols=st.sampled_from([(), (1,), (7,), (4, 3)]),
       chunk=st.integers(1, 2000), dtype=st.sampled_from(["float32", "int64", "uint8"]))
def test_sliced_conversion_equals_the_array(rows, cols, chunk, dtype):
    a = (np.random.default_rng(rows).random((rows, *cols)) * 100).astype(dtype)
    t = training._gil_friendly_tensor(a, chunk_bytes=chunk)
    assert t.dtype.name == a.dtype.name and tuple(t.shape) == a.shape
    np.testing.assert_array_equal(t.numpy(), a)


def test_a_large_array_is_converted_in_slices(monkeypatch):
    import tensorflow as tf

    sizes = []
    real = tf.convert_to_tensor
    monkeypatch.setattr(tf, "convert_to_tensor", lambda a, *k, **kw: sizes.append(len(a))
                        or real(a, *k, **kw))
    a = np.zeros((10_000, 784), "float32")  # 31 MB: several 4 MB slices
    t = training._gil_friendly_tensor(a)
    assert len(sizes) == 8 and max(sizes) * 784 * 4 <= 4 << 20 and sum(sizes) == 10_000
    assert tuple(t.shape) == a.shape
