"""NetworkSpec -> compiled keras.Model: the one place that knows Keras layer classes."""

from __future__ import annotations

from typing import Any

from .runtime import keras
from .shapes import layer_rows, needs_leaky_layer
from .spec import NetworkSpec


def build_model(spec: NetworkSpec, seed: int | None = None) -> Any:
    """A Sequential keras.Model whose layer names and shapes match shapes.layer_rows(spec)."""
    k = keras()
    if seed is not None:
        k.utils.set_random_seed(int(seed))
    names = iter(r.name for r in layer_rows(spec))
    layers: list[Any] = [k.Input(shape=spec.input_shape, name="input")]
    for layer in spec.layers:
        layers.append(_make_layer(k, layer.type, layer.params, next(names)))
        if needs_leaky_layer(layer):
            layers.append(k.layers.LeakyReLU(negative_slope=float(layer.params["alpha"]),
                                              name=next(names)))
    return k.Sequential(layers, name=spec.name)


def _activation(params: dict[str, Any], leaky_as_linear: bool) -> str | None:
    act = params["activation"]
    if act == "leaky_relu" and leaky_as_linear:
        return None
    return act


def _make_layer(k: Any, t: str, p: dict[str, Any], name: str) -> Any:
    L = k.layers
    if t == "Dense":
        return L.Dense(int(p["units"]), activation=_activation(p, True),
                       kernel_initializer=make_initializer(p["kernel_initializer"]),
                       use_bias=bool(p["use_bias"]), name=name)
    if t == "Conv2D":
        return L.Conv2D(int(p["filters"]), int(p["kernel_size"]), strides=int(p["strides"]),
                        padding=p["padding"], activation=_activation(p, True),
                        kernel_initializer=make_initializer(p["kernel_initializer"]),
                        use_bias=bool(p["use_bias"]), name=name)
    if t == "Dropout":
        return L.Dropout(float(p["rate"]), name=name)
    if t == "Activation":
        if p["activation"] == "leaky_relu":
            return L.LeakyReLU(negative_slope=float(p["alpha"]), name=name)
        return L.Activation(p["activation"], name=name)
    if t == "Flatten":
        return L.Flatten(name=name)
    if t == "Reshape":
        return L.Reshape(tuple(p["target_shape"]), name=name)
    if t == "MaxPooling2D":
        return L.MaxPooling2D(int(p["pool_size"]), padding=p["padding"], name=name)
    if t == "GaussianNoise":
        return L.GaussianNoise(float(p["stddev"]), name=name)
    raise ValueError(f"unsupported layer type {t}")


def make_initializer(name: str) -> Any:
    """Keras initializer for a catalog name ('uniform' and 'normal' use ±0.05 / σ 0.05)."""
    init = keras().initializers
    if name == "uniform":
        return init.RandomUniform(-0.05, 0.05)
    if name == "normal":
        return init.RandomNormal(0.0, 0.05)
    return init.get(name)


def make_optimizer(spec: NetworkSpec) -> Any:
    """The optimizer with the spec's learning rate and extra settings."""
    opt = keras().optimizers
    lr = spec.lr
    name = spec.optimizer
    if name == "sgd":
        return opt.SGD(learning_rate=lr, momentum=float(spec.optimizer_params["momentum"]),
                       nesterov=bool(spec.optimizer_params["nesterov"]))
    cls = {"adam": opt.Adam, "rmsprop": opt.RMSprop, "adagrad": opt.Adagrad,
           "adadelta": opt.Adadelta}[name]
    return cls(learning_rate=lr)


def make_loss(spec: NetworkSpec) -> Any:
    """Loss object for the spec's loss name."""
    k = keras()
    if spec.loss == "sse":
        from .keras_objects import SumSquaredError

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
    return model
