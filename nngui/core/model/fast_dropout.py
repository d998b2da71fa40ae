"""Keras' Dropout layers, trained with a cheaper mask.

Measured on 2 cores (512-512 MLP with two Dropout(0.2) layers, one training step, the same
process alternated 3 times): Keras' dropout costs 1.2 ms of a 4.4-4.8 ms step at batch 128
and 0.3 ms of a 1.7 ms step at batch 32. It draws one float32 uniform per activation (one
Philox word each), compares, casts and multiplies twice, and its gradient multiplies twice
again. The mask here is drawn from 16 random bits per activation (half the Philox work),
turned into ``keep / (1 - rate)`` by one ``where`` and applied by one multiply, which is also
its whole gradient: 0.5-0.6 ms saved a step at batch 128, 0.1-0.17 ms at batch 32
(``/tmp`` ablation in the README's Performance section).

What a user could notice, and why it does not matter:
- An activation is dropped with probability ``t / 65536``, ``t = round(rate * 65536)``:
  within 7.7e-6 of ``rate`` (0.2 becomes 0.1999969). The kept ones are scaled by
  ``65536 / (65536 - t)``, so each activation's expected value is exactly its input, as in
  Keras. Rates too small for that grid (under 0.01, where 7.7e-6 would be over 0.1 % of the
  rate) keep Keras' own dropout.
- The mask for a seed differs from Keras' mask for that seed; a seeded run is still the
  same run to run (the layer's own seed generator, advanced exactly as Keras advances it).
- Only the training-time call of the layer object changes: the saved file holds a plain
  ``Dropout`` that any Keras reads, and inference is untouched (dropout is off there).
- File -> Export as Python writes :func:`fast_dropout` and the two functions after it into
  the script, so the script's losses are still the app's (they are self-contained for that).
"""

from __future__ import annotations

import inspect
from typing import Any

from nngui.core.platform.runtime import keras


def use_fast_dropout(model: Any) -> int:
    """Give every plain Dropout layer of ``model`` the cheaper training mask; how many have it.

    Idempotent; layers with a ``noise_shape`` or a rate under 0.01 keep Keras' dropout. Call
    it before the model's train function is first traced (``training.train`` does).
    """
    keras()  # TensorFlow and Keras loaded nngui's way before the code below imports them
    flatten = getattr(model, "_flatten_layers", None)
    layers = flatten(include_self=False, recursive=True) if flatten else model.layers
    return fast_dropout(list(layers))


def script_code() -> str:
    """The source of the functions below, for an exported script."""
    return "\n\n".join(inspect.getsource(f) for f in (fast_dropout, _dropout_call, masked))


# --- self-contained from here on: written into exported scripts as they are ---------------

def fast_dropout(layers):
    """Train each plain keras Dropout layer in ``layers`` as nngui does: a mask from 16 random
    bits per activation, dropping with probability round(rate * 65536) / 65536 and scaling
    the rest so the mean is kept. Keras' own is the same in distribution but costs more."""
    import keras

    count = 0
    for layer in layers:
        if type(layer) is not keras.layers.Dropout:
            continue
        if "call" not in vars(layer):
            if layer.noise_shape is not None or not 0.01 <= float(layer.rate) < 1.0:
                continue  # too fine a rate for the 1/65536 grid: Keras' own dropout
            object.__setattr__(layer, "call", _dropout_call(layer))
        count += 1
    return count


def _dropout_call(layer):
    def call(inputs, training=False):
        if training and layer.rate > 0:
            return masked(inputs, float(layer.rate), layer.seed_generator)
        return inputs

    return call


def masked(inputs, rate, seed_generator):
    """``inputs`` with each element zeroed with probability ~``rate``, the rest scaled up."""
    import tensorflow as tf

    x = tf.convert_to_tensor(inputs)
    seed = seed_generator.next()  # one draw per call, as Keras' dropout draws
    if seed.dtype != tf.int32:  # as Keras does for XLA: stateless ops want an int32 seed
        seed = tf.cast(tf.math.floormod(seed, tf.int32.max - 1), tf.int32)
    drop = int(round(rate * 65536))
    n = tf.size(x)
    words = tf.random.stateless_uniform([(n + 1) // 2], seed, minval=None, maxval=None,
                                        dtype=tf.uint32)
    bits = tf.reshape(tf.bitcast(words, tf.uint16), [-1])  # two 16-bit halves per word
    inner = x.shape[1:]
    if not (inner.is_fully_defined() and inner.num_elements() % 2 == 0):
        bits = bits[:n]  # an odd size: one half-word too many
    keep = tf.reshape(bits, tf.shape(x)) >= tf.constant(drop, tf.uint16)
    scale = tf.constant(65536 / (65536 - drop), x.dtype)
    return x * tf.where(keep, scale, tf.zeros([], x.dtype))
