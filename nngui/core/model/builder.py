"""NetworkSpec -> compiled keras.Model; each layer kind's Keras form is in the layer registry."""

from __future__ import annotations

import threading
from typing import Any

from nngui.core.layers.initializers import make_initializer
from nngui.core.layers.kinds import INPUT, KINDS
from nngui.core.network.shapes import layer_rows
from nngui.core.network.spec import NetworkSpec
from nngui.core.platform import runtime
from nngui.core.platform.runtime import keras

__all__ = ["build_model", "compile_model", "make_initializer", "make_loss", "make_metrics",
           "make_optimizer", "decayed_rate"]


def build_model(spec: NetworkSpec, seed: int | None = None) -> Any:
    """A Sequential keras.Model whose layer names and shapes match shapes.layer_rows(spec)."""
    k = keras()
    with BUILDING:  # the seed and the draws that follow it, not another thread's between
        if seed is not None:
            k.utils.set_random_seed(int(seed))
        names = iter(["input"] + [r.name for r in layer_rows(spec)])
        layers: list[Any] = INPUT.build(k, {"input_shape": spec.model_input_shape}, names)
        for layer in spec.layers:
            layers.extend(KINDS[layer.type].build(k, layer.params, names))
        return k.Sequential(layers, name=spec.name)


# Held while a model is seeded and built: layers draw their initial weights (and the seeds
# of their initializers and generators) from the global generators the seed sets, so two
# builds in two threads (a run's and the window's preparation, core/training/prebuild.py)
# must not interleave.
BUILDING = threading.RLock()


def decayed_rate(lr: float, decay: float) -> Any:
    """``lr``, or for ``decay`` > 0 a schedule giving lr / (1 + decay * t) at batch t.

    This is exactly the old Keras ``SGD(lr, decay=...)`` formula, which Keras 3 dropped.
    """
    if not decay:
        return lr
    return keras().optimizers.schedules.InverseTimeDecay(lr, decay_steps=1,
                                                         decay_rate=float(decay))


def make_optimizer(spec: NetworkSpec) -> Any:
    """The optimizer with the spec's learning rate (decayed, if asked) and extra settings."""
    opt = keras().optimizers
    lr = decayed_rate(spec.lr, spec.optimizer_params.get("decay", 0.0))
    name = spec.optimizer
    if name == "sgd":
        made = opt.SGD(learning_rate=lr, momentum=float(spec.optimizer_params["momentum"]),
                       nesterov=bool(spec.optimizer_params["nesterov"]))
    else:
        made = {"adam": opt.Adam, "rmsprop": opt.RMSprop, "adagrad": opt.Adagrad,
                "adadelta": opt.Adadelta}[name](learning_rate=lr)
    made = _without_one_device_all_reduce(made)
    return _fused_adam(made) if name == "adam" else made


def _no_all_reduce(grads_and_vars: Any) -> list:
    return list(grads_and_vars)


def _without_one_device_all_reduce(optimizer: Any) -> Any:
    """Skip Keras' gradient all-reduce where there is one replica (no "all GPUs" strategy).

    Keras' TensorFlow optimizer all-reduces the gradients under any strategy; on one device
    that is a sum over one copy, yet every trace of it registers a ``tf.custom_gradient`` in
    TensorFlow's process-wide gradient registry, which is never emptied and holds the traced
    train-step graph: ~18 graphs and MBs per new model, for as long as the process lives.
    """
    if not _one_replica():
        return optimizer
    if callable(getattr(optimizer, "_all_reduce_sum_gradients", None)):  # Keras 3, TF backend
        optimizer._all_reduce_sum_gradients = _no_all_reduce
    return optimizer


def _one_replica() -> bool:
    tf = runtime.tf()
    return not (tf.distribute.has_strategy() and runtime.replicas() > 1)


def _fused_adam(optimizer: Any) -> Any:
    """Adam's update in TensorFlow's one fused kernel (``ResourceApplyAdam``) instead of ~12 ops.

    Keras 3 writes Adam's step as separate element-wise ops per weight tensor, each a pass over
    memory and a node for the executor to schedule: at batch 32 on a 2-core CPU that was ~40 %
    of a 784-512-512-10 step. TensorFlow's kernel computes the same formula in one pass
    (``m += (g - m)(1 - b1); v += (g^2 - v)(1 - b2); w -= m·lr·sqrt(1 - b2^t)/(1 - b1^t)
    / (sqrt(v) + eps)``), on the optimizer's own slots, so saving, loading and the Keras
    config are unchanged. Sparse gradients, AMSGrad and multi-replica runs keep Keras' path.
    """
    if not _one_replica() or not callable(getattr(optimizer, "update_step", None)):
        return optimizer
    tf = runtime.tf()
    keras_step = optimizer.update_step

    def update_step(gradient: Any, variable: Any, learning_rate: Any) -> Any:
        if optimizer.amsgrad or isinstance(gradient, tf.IndexedSlices) \
                or not hasattr(variable, "handle"):
            return keras_step(gradient, variable, learning_rate)
        dtype = variable.dtype
        index = optimizer._get_variable_index(variable)
        m, v = optimizer._momentums[index], optimizer._velocities[index]
        step = tf.cast(optimizer.iterations + 1, dtype)
        beta_1, beta_2 = tf.cast(optimizer.beta_1, dtype), tf.cast(optimizer.beta_2, dtype)
        return tf.raw_ops.ResourceApplyAdam(
            var=variable.handle, m=m.value.handle, v=v.value.handle,
            beta1_power=tf.pow(beta_1, step), beta2_power=tf.pow(beta_2, step),
            lr=tf.cast(learning_rate, dtype), beta1=beta_1, beta2=beta_2,
            epsilon=tf.cast(optimizer.epsilon, dtype), grad=tf.cast(gradient, dtype))

    optimizer.update_step = update_step
    return optimizer


def make_loss(spec: NetworkSpec) -> Any:
    """Loss object for the spec's loss name."""
    k = keras()
    if spec.loss == "sse":
        from nngui.core.platform.keras_objects import SumSquaredError

        return SumSquaredError()
    return {
        "mse": k.losses.MeanSquaredError,
        "mae": k.losses.MeanAbsoluteError,
        "binary_crossentropy": k.losses.BinaryCrossentropy,
        "categorical_crossentropy": k.losses.CategoricalCrossentropy,
        "sparse_categorical_crossentropy": k.losses.SparseCategoricalCrossentropy,
        "kl_divergence": k.losses.KLDivergence,
        "hinge": k.losses.Hinge,
    }[spec.loss]()


def make_metrics(spec: NetworkSpec) -> list[Any]:
    """'accuracy' of the right flavour for classifiers; MAE for regressors/autoencoders."""
    m = keras().metrics
    if spec.kind in ("regressor", "autoencoder"):
        return [m.MeanAbsoluteError(name="mae")]
    units = layer_rows(spec)[-1].output_shape[-1]
    if units == 1:
        return [m.BinaryAccuracy(name="accuracy")]
    if spec.loss == "sparse_categorical_crossentropy":
        return [m.SparseCategoricalAccuracy(name="accuracy")]
    return [m.CategoricalAccuracy(name="accuracy")]


def compile_model(model: Any, spec: NetworkSpec, *, steps_per_execution: int = 1,
                  jit_compile: bool | str = "auto") -> Any:
    """Compile with the spec's optimizer, loss and metrics; returns the model."""
    model.compile(optimizer=make_optimizer(spec), loss=make_loss(spec),
                  metrics=make_metrics(spec), steps_per_execution=int(steps_per_execution),
                  jit_compile=jit_compile)
    model._nngui_compiled = None  # training.train recompiles unless it compiled it itself
    return model
