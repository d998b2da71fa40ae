"""Training data becomes a tensor without a copy where TensorFlow may share the buffer, and
otherwise in small slices (the GIL is held per slice, not per copy)."""

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from nngui.core.platform import buffers


@settings(max_examples=25, deadline=None)
@given(rows=st.integers(1, 300), cols=st.sampled_from([(), (1,), (7,), (4, 3)]),
       chunk=st.integers(1, 2000), dtype=st.sampled_from(["float32", "int64", "uint8"]))
def test_sliced_conversion_equals_the_array(rows, cols, chunk, dtype):
    a = (np.random.default_rng(rows).random((rows, *cols)) * 100).astype(dtype)
    t = buffers.copy_in_slices(a, chunk_bytes=chunk)
    assert t.dtype.name == a.dtype.name and tuple(t.shape) == a.shape
    np.testing.assert_array_equal(t.numpy(), a)


def test_a_large_array_is_converted_in_slices(monkeypatch):
    import tensorflow as tf

    sizes = []
    real = tf.convert_to_tensor
    monkeypatch.setattr(tf, "convert_to_tensor", lambda a, *k, **kw: sizes.append(len(a))
                        or real(a, *k, **kw))
    a = np.zeros((10_000, 784), "float32")  # 31 MB: several 4 MB slices
    t = buffers.copy_in_slices(a)
    assert len(sizes) == 8 and max(sizes) * 784 * 4 <= 4 << 20 and sum(sizes) == 10_000
    assert tuple(t.shape) == a.shape


@settings(max_examples=40, deadline=None)
@given(rows=st.integers(0, 300), cols=st.sampled_from([(), (1,), (7,), (4, 3), (784,)]),
       offset=st.integers(0, 9), step=st.sampled_from([1, 2]),
       dtype=st.sampled_from(["float32", "float64", "int64", "int32", "uint8", "bool"]))
def test_any_array_becomes_an_equal_tensor(rows, cols, offset, step, dtype):
    """Aligned or not, contiguous or not, every dtype: the values come through (no abort)."""
    base = (np.random.default_rng(rows).random((rows + offset, *cols)) * 100).astype(dtype)
    a = base[offset::step]  # an offset view starts off the 64-byte boundary
    t = buffers.tensor(a)
    assert t.dtype.name == a.dtype.name and tuple(t.shape) == a.shape
    np.testing.assert_array_equal(t.numpy(), a)


def test_an_aligned_array_is_shared_not_copied():
    a = buffers.empty((1000, 784), np.float32)
    a[...] = 0.5
    assert a.ctypes.data % 64 == 0 and buffers.is_shareable(a)
    t = buffers.tensor(a)
    a[3, 7] = 9.0  # the tensor sees the array's memory
    assert float(t[3, 7]) == 9.0
    u = buffers.tensor(np.full((1000, 784), 0.5, np.float32)[1:])  # NumPy's 16-byte alignment
    assert float(u[0, 0]) == 0.5


def test_mnist_trains_from_its_own_buffer(mnist_path):
    """The loader allocates MNIST aligned, so training shares it: no 170 MB copy per data set."""
    from nngui.core.data.adapt import prepare
    from nngui.core.data.files import load_mnist_file
    from nngui.core.training.pipeline import as_tensors
    from nngui.core.training.presets import get_preset

    data = prepare(load_mnist_file(str(mnist_path)), get_preset("mnist-mlp-512").spec())
    assert buffers.is_shareable(data.x_train)
    n = len(data.x_train) * 9 // 10  # the default 10 % validation split
    x, _ = as_tensors(data, "fit", n, data.x_train[:n], data.y_train[:n])
    xv, _ = as_tensors(data, "val", n, data.x_train[n:], data.y_train[n:])
    before = float(x[10, 400])
    data.x_train[10, 400] = before + 1  # only to prove the sharing; the app never writes it
    data.x_train[n, 1] = 3.0
    assert float(x[10, 400]) == before + 1 and float(xv[0, 1]) == 3.0
