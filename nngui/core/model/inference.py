"""Fast single-sample forward pass for live drawing.

``model.predict`` builds a dataset pipeline on every call (~67 ms for one image here), far too
slow to run on each mouse move. ``FastPredictor`` copies a Sequential model's weights once and
runs the forward pass in NumPy (``forward.ForwardPass``; well under a millisecond for the
MNIST presets). Models with
layers it does not know fall back to a ``tf.function``-compiled ``model(x, training=False)``,
traced once up front (about a millisecond a call afterwards).

The NumPy pass runs with BLAS limited to one thread (see ``platform.blas.one_blas_thread``).
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from nngui.core.layers.numpy_ops import softmax
from nngui.core.model.forward import ForwardPass, Unsupported

Array = np.ndarray


def model_input_shape(model: Any) -> tuple[int, ...]:
    """The shape of one input sample, e.g. (784,) or (28, 28, 1)."""
    return tuple(int(v) for v in model.inputs[0].shape[1:])


def to_probabilities(out: Array) -> Array:
    """Model outputs as class probabilities: already a distribution, or softmax of logits."""
    out = np.asarray(out, dtype=np.float64).reshape(-1)
    if out.size == 1:  # one sigmoid unit: P(class 1)
        p = float(np.clip(out[0], 0.0, 1.0))
        return np.array([1.0 - p, p])
    if out.min() >= 0.0 and abs(out.sum() - 1.0) < 1e-3:
        return out / out.sum()
    return softmax(out)


class FastPredictor:
    """Single-sample forward pass of a keras model: NumPy when possible, else tf.function."""

    def __init__(self, model: Any) -> None:
        self.model = model
        self.input_shape = model_input_shape(model)
        self.backend = ""
        self.reason = ""  # why the NumPy path was not used, for the curious
        self._forward: ForwardPass | None = None
        self._tf_fn: Any = None
        self.refresh()

    def refresh(self) -> None:
        """Copy the model's weights again (after training or fine-tuning)."""
        try:
            if type(self.model).__name__ != "Sequential":
                raise Unsupported(f"model class {type(self.model).__name__}")
            self._forward = ForwardPass(self.model.layers)
            self.backend = "numpy"
            self.reason = ""
        except Unsupported as exc:
            self._forward = None
            self.backend = "tensorflow"
            self.reason = str(exc)
            self._build_tf()

    def _build_tf(self) -> None:
        from nngui.core.platform.runtime import tf

        model = self.model
        self._tf_fn = tf().function(lambda x: model(x, training=False), reduce_retracing=True)
        self._tf_fn(np.zeros((1, *self.input_shape), dtype=np.float32))  # trace once now

    def adapt(self, image: Array) -> Array:
        """One sample in the model's input shape (a 28x28 image becomes 784 or 28x28x1)."""
        x = np.asarray(image, dtype=np.float32)
        if x.shape == self.input_shape:
            return x
        if x.size != math.prod(self.input_shape):
            shape = "×".join(str(v) for v in self.input_shape)
            raise ValueError(f"This model reads inputs of shape {shape}, not a "
                             f"{'×'.join(str(v) for v in x.shape)} image.")
        return x.reshape(self.input_shape)

    def predict(self, image: Array) -> Array:
        """The model's output for one image, flattened (10 probabilities for a classifier)."""
        x = self.adapt(image)
        if self._forward is None:
            return np.asarray(self._tf_fn(x[None]), dtype=np.float32).reshape(-1)
        return self._forward(x[None]).reshape(-1)

    def predict_traced(self, image: Array) -> tuple[Array, list[Array] | None]:
        """``predict``, and the NumPy pass' trace (``ForwardPass.trace``: the input, then every
        layer's output) that made it; None on TensorFlow's path. The Draw tab's inside view
        reads its feature maps and saliency from that trace instead of a second pass."""
        if self._forward is None:
            return self.predict(image), None
        trace = self._forward.trace(self.adapt(image)[None])
        return trace[-1].reshape(-1), trace

    def predict_batch(self, images: Array) -> Array:
        """Outputs for several images, one row each."""
        if not len(images):
            return np.zeros((0, 0), dtype=np.float32)
        if self._forward is None:
            return np.stack([self.predict(im) for im in images])
        x = np.stack([self.adapt(im) for im in images])
        # Chunks keep a CNN's patch matrices small (a 10,000-image batch would need ~1 GB).
        return np.concatenate([self._forward(x[i:i + 256]).reshape(len(x[i:i + 256]), -1)
                               for i in range(0, len(x), 256)])
