"""Fine-tune only a classifier's dense head: the convolutional body stays as it is.

A CNN's convolutions do ~99 % of its arithmetic (the bundled CNN: 9.7 M multiply-adds a
digit, of which its dense head 0.13 M) and learn strokes and shapes that a new writer's digits
share with MNIST; what a writer changes is how those shapes combine, the dense head's job.
So when a model ends in Dense/Dropout layers after a body with weights, only the head trains:

* the body's **features** (its last output before the head, e.g. the 1,024 values after
  Flatten) of every training digit are computed once, in inference mode;
* the **head model** (``keras.Input`` of the features' shape, then the model's *own* head
  layers: the same variables, so training it trains the model) trains on those features;
* the features of the **replay set** do not depend on the user's digits: a pool of
  ``POOL`` replay training digits and the check digits are computed once per body (its
  weights' fingerprint) and kept in memory (``CACHE_SIZE`` bodies), so the next fine-tune of
  the same model, or of a model fine-tuned from it (same body), skips them.

Jittered copies of the user's digits still go through the body: they are new each time.
"""

from __future__ import annotations

import hashlib
import threading
from collections import OrderedDict
from dataclasses import dataclass, replace
from typing import Any

import numpy as np

from nngui.core.network.spec import NetworkSpec

HEAD_TYPES = ("Dense", "Dropout")  # the layers a trainable head is made of
POOL = 6000  # replay training digits whose features are kept (each pass samples from them)
BATCH = 500  # digits per forward call of the body
CACHE_SIZE = 2  # bodies whose replay features are kept

_cache: OrderedDict[tuple, ReplayFeatures] = OrderedDict()
_cache_lock = threading.Lock()


@dataclass
class ReplayFeatures:
    """The body's features of the replay pool (training digits) and of the check digits."""

    pick: np.ndarray  # the pool's indices in the replay set's x_train
    x_pool: np.ndarray
    y_pool: np.ndarray
    x_check: np.ndarray
    y_check: np.ndarray


@dataclass
class Split:
    """A model cut in two: ``body`` layers (frozen), ``head`` layers (trained), and the head's
    spec (its input the body's output)."""

    body: list
    head: list
    spec: NetworkSpec
    start: int  # index of the first head layer in model.layers / spec.layers

    @property
    def feature_shape(self) -> tuple[int, ...]:
        return tuple(int(v) for v in self.spec.input_shape)


def split_model(model: Any, spec: NetworkSpec, blocks: int = 0) -> Split | None:
    """The body/head split of ``model``, or None where the whole model should train: no
    trailing Dense head, a body without weights (an MLP), or layers the spec does not match.
    ``blocks``: the last that many convolution blocks (each ending in a pooling layer) train
    with the head."""
    if model is None:
        return None
    layers = list(getattr(model, "layers", []))
    if len(layers) != len(spec.layers) or not layers:
        return None
    start = len(layers)
    while start > 0 and spec.layers[start - 1].type in HEAD_TYPES:
        start -= 1
    if start == len(layers):
        return None
    pools = [i for i, lay in enumerate(spec.layers[:start]) if "Pooling" in lay.type]
    if blocks > 0 and len(pools) > blocks:
        start = pools[-blocks - 1] + 1
    if not any(layer.weights for layer in layers[:start]):
        return None
    if not any(layer.weights for layer in layers[start:]):
        return None
    try:
        shape = tuple(int(v) for v in layers[start - 1].output.shape[1:])
    except (AttributeError, TypeError, ValueError):
        return None
    head_spec = replace(spec, input_shape=shape, features=[],
                        layers=[replace(s) for s in spec.layers[start:]])
    return Split(layers[:start], layers[start:], head_spec, start)


def body_features(split: Split, model: Any, x: np.ndarray) -> np.ndarray:
    """The body's output (inference mode) for images ``x`` (n, 28, 28): float32 features."""
    from nngui.core.platform.runtime import tf

    shape = tuple(int(v) for v in model.inputs[0].shape[1:])
    x = np.asarray(x, dtype=np.float32).reshape((-1, *shape))
    out = np.empty((len(x), *split.feature_shape), np.float32)
    tensorflow = tf()
    for i in range(0, len(x), BATCH):
        h = tensorflow.constant(x[i:i + BATCH])
        for layer in split.body:
            h = layer(h, training=False)
        out[i:i + BATCH] = np.asarray(h)
    return out


def fingerprint(split: Split) -> str:
    """A digest of the body's weights: equal bodies share their cached replay features."""
    digest = hashlib.sha1()
    for layer in split.body:
        for w in layer.get_weights():
            digest.update(np.ascontiguousarray(w).tobytes())
    return digest.hexdigest()


def replay_features(split: Split, model: Any, mnist: Any, check: int,
                    pool: int = POOL) -> ReplayFeatures:
    """The body's features of ``pool`` replay training digits (a fixed, seeded choice) and of
    the first ``check`` test digits: from the cache when this body has them."""
    x_train = mnist.x_train
    key = (fingerprint(split), str(getattr(mnist, "name", "")), len(x_train), pool, check)
    with _cache_lock:
        hit = _cache.get(key)
        if hit is not None:
            _cache.move_to_end(key)
            return hit
    pick = np.sort(np.random.default_rng(0).permutation(len(x_train))[:pool])
    x_pool = np.asarray(x_train, dtype=np.float32)[pick]
    x_check = np.asarray(mnist.x_test, dtype=np.float32)[:check]
    made = ReplayFeatures(pick, body_features(split, model, x_pool),
                          np.asarray(mnist.y_train, dtype=np.int64).reshape(-1)[pick],
                          body_features(split, model, x_check),
                          np.asarray(mnist.y_test, dtype=np.int64).reshape(-1)[:check])
    with _cache_lock:
        _cache[key] = made
        while len(_cache) > CACHE_SIZE:
            _cache.popitem(last=False)
    return made


def clear_cache() -> None:
    """Forget every body's replay features (benchmarks measure a first fine-tune with it)."""
    with _cache_lock:
        _cache.clear()


def head_model(split: Split) -> Any:
    """A Keras model from the features to the output through the model's own head layers."""
    from nngui.core.platform.runtime import keras

    k = keras()
    inputs = k.Input(shape=split.feature_shape)
    h = inputs
    for layer in split.head:
        h = layer(h)
    return k.Model(inputs, h, name="finetuned_head")
