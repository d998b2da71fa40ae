"""What Keras itself says a model computes, for the inside-the-network tests: each layer's
output from a sub-model, and gradient × input from a ``tf.GradientTape`` (never the code
under test)."""

import numpy as np
from hypothesis import strategies as st

from nngui.core.platform.runtime import keras, tf


def conv_net(seed, side, channels, convs, pool, act, out, softmax, dropout=0.0):
    """A small Keras CNN: ``convs`` (filters, size) Conv2D layers ("same" padding), a 2x2 max
    pool after the first when ``pool``, Flatten, a Dropout of ``dropout`` when it is not 0,
    then ``out`` softmax (or sigmoid) units; its weights drawn with ``seed``."""
    k = keras()
    k.utils.set_random_seed(seed)
    layers = [k.Input((side, side, channels))]
    for i, (filters, size) in enumerate(convs):
        layers.append(k.layers.Conv2D(filters, size, activation=act, padding="same"))
        if pool and i == 0:
            layers.append(k.layers.MaxPooling2D(2))
    layers.append(k.layers.Flatten())
    if dropout:
        layers.append(k.layers.Dropout(dropout))
    layers.append(k.layers.Dense(out, activation="softmax" if softmax else "sigmoid"))
    return k.Sequential(layers)


def conv_nets(activations: list[str]):
    """A strategy of ``conv_net`` keyword arguments with these conv activations."""
    return st.fixed_dictionaries({
        "seed": st.integers(0, 10_000),
        "side": st.integers(6, 12),
        "channels": st.integers(1, 3),
        "convs": st.lists(st.tuples(st.integers(1, 6), st.sampled_from([1, 3])), min_size=1,
                          max_size=3),
        "pool": st.booleans(),
        "act": st.sampled_from(activations),
        "out": st.integers(2, 5),
        "softmax": st.booleans(),
    })


def sub_outputs(model, indices, x):
    """Each ``model.layers[i]``'s output from one Keras sub-model."""
    sub = keras().Model(model.inputs, [model.layers[i].output for i in indices])
    out = sub([x], training=False)
    return [np.asarray(o) for o in (out if isinstance(out, list) else [out])]


def tape_saliency(model, x, target, softmax):
    """Gradient × input straight from a GradientTape around ``model(x)``."""
    xt = tf().constant(x)
    with tf().GradientTape() as tape:
        tape.watch(xt)
        out = tf().reshape(model(xt, training=False), (1, -1))
        score = tf().math.log(out[:, target] + 1e-7) if softmax else out[:, 0]
    return (np.asarray(tape.gradient(score, xt)) * x)[0]
