"""What Keras itself says a model computes, for the inside-the-network tests: each layer's
output from a sub-model, and gradient × input from a ``tf.GradientTape`` (never the code
under test)."""

import numpy as np

from nngui.core.platform.runtime import keras, tf


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
