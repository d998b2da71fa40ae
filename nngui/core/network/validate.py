"""Explain impossible networks before training, and hint at dubious ones.

Errors block training (the GUI shows them; the CLI exits 2); hints are advice only.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from nngui.core.network import catalog
from nngui.core.network.shapes import layer_rows
from nngui.core.network.spec import NetworkSpec


@dataclass(frozen=True)
class Problem:
    level: str  # "error" or "hint"
    message: str
    layer: int | None = None  # spec index of the layer concerned

    def __str__(self) -> str:
        where = f"Layer {self.layer + 1}: " if self.layer is not None else ""
        return where + self.message


@dataclass(frozen=True)
class DataInfo:
    """What validation needs to know about the data a network will be trained on."""

    input_shape: tuple[int, ...]
    task: str  # "classification" or "regression"
    num_classes: int = 0
    target_dim: int = 1  # regression outputs per sample

    @classmethod
    def of(cls, dataset) -> DataInfo:
        """Build from a datasets.Dataset."""
        y = dataset.y_train
        dim = int(y.shape[1]) if y.ndim > 1 else 1
        return cls(tuple(dataset.input_shape), dataset.task, int(dataset.num_classes), dim)


def output_activation(spec: NetworkSpec) -> str:
    """The activation applied last (skipping Dropout/GaussianNoise), 'linear' if none."""
    for layer in reversed(spec.layers):
        if catalog.LAYER_TYPES[layer.type].identity_at_inference:
            continue
        return layer.params.get("activation", "linear")
    return "linear"


def check(spec: NetworkSpec, data: DataInfo | None = None) -> list[Problem]:
    """All errors and hints for a spec, optionally against the data it will see."""
    problems: list[Problem] = []
    err = problems.append
    if not spec.layers:
        return [Problem("error", "The network has no layers; add at least one Dense layer.")]
    if any(v < 1 for v in spec.input_shape):
        err(Problem("error", f"Input shape {spec.input_shape} has an empty dimension."))
    rows = layer_rows(spec)
    for row in rows:
        if row.error:
            err(Problem("error", row.error[0].upper() + row.error[1:] + ".", row.spec_index))
            break  # later shapes are unknown; one clear message beats a cascade
    for i, layer in enumerate(spec.layers):
        for f in catalog.LAYER_TYPES[layer.type].fields:  # ranges and choices, as declared
            why = f.problem(layer.params[f.name])
            if why and (f.visible_when is None
                        or layer.params.get(f.visible_when[0]) in f.visible_when[1]):
                err(Problem("error", f"{layer.type} {why[0].lower()}{why[1:]}.", i))
    out = rows[-1].output_shape
    act = output_activation(spec)
    loss = spec.loss
    info = catalog.LOSSES[loss]
    units = out[-1] if out else None

    if act == "softmax" and units == 1:
        err(Problem("error", "Softmax over a single output unit always outputs 1.0, so the "
                    "network cannot learn; use sigmoid for one output, or one unit per class.",
                    _last_index(spec)))
    if data is not None and out is not None:
        _check_against_data(spec, data, out, act, problems)
    # Hints: allowed, but probably not what the user wants.
    if act == "softmax" and loss in ("mse", "sse", "mae"):
        problems.append(Problem("hint", f"Softmax output with {loss.upper()} loss trains slowly; "
                                "categorical cross-entropy is the usual partner of softmax."))
    if info.classification and loss != "hinge" and act not in ("softmax", "sigmoid"):
        problems.append(Problem("hint", f"{info.title} expects probabilities; the output "
                                f"activation is {act}. Use softmax (or sigmoid for binary)."))
    saturating = [i for i, lay in enumerate(spec.layers[:-1])
                  if lay.type == "Dense" and lay.params["activation"] in ("sigmoid", "tanh")]
    if len(saturating) >= 3:
        problems.append(Problem("hint", f"{len(saturating)} stacked sigmoid/tanh hidden layers: "
                                "gradients vanish in deep saturating stacks; try relu."))
    for i in range(len(spec.layers)):
        text = _identical_weights(spec, i)
        if text is not None:
            problems.append(Problem("hint", text, i))
    if spec.kind == "autoencoder" and out is not None and data is not None:
        if math.prod(out) != math.prod(data.input_shape):
            err(Problem("error", f"An autoencoder must output as many values as it reads: "
                        f"{math.prod(data.input_shape)}, not {math.prod(out)}."))
    return problems


def errors(problems: list[Problem]) -> list[Problem]:
    return [p for p in problems if p.level == "error"]


def _last_index(spec: NetworkSpec) -> int:
    return len(spec.layers) - 1


def _check_against_data(spec: NetworkSpec, data: DataInfo, out: tuple[int, ...], act: str,
                        problems: list[Problem]) -> None:
    err = problems.append
    want, have = spec.input_shape, data.input_shape
    if math.prod(want) != math.prod(have):
        err(Problem("error", f"The network reads inputs of shape {want} ({math.prod(want)} "
                    f"values) but the data has shape {have} ({math.prod(have)} values); set the "
                    f"input shape to {have}."))
    if spec.kind == "autoencoder":
        return
    units = out[-1]
    loss = spec.loss
    info = catalog.LOSSES[loss]
    last = _last_index(spec)
    if len(out) != 1:
        err(Problem("error", f"The output has shape {out}; end with Flatten and Dense so "
                    "there is one output vector per sample.", last))
        return
    if data.task == "regression":
        if info.classification:
            err(Problem("error", f"{info.title} is a classification loss but the data is a "
                        "regression target; use MSE, SSE or MAE."))
        if units != data.target_dim:
            err(Problem("error", f"The data has {data.target_dim} target value(s) per sample but "
                        f"the output layer has {units} unit(s).", last))
        if act in ("softmax", "sigmoid") and data.target_dim >= 1:
            problems.append(Problem("hint", f"A {act} output only reaches values in (0, 1); "
                                    "regression usually ends with a linear output."))
        return
    k = data.num_classes
    if loss == "binary_crossentropy" or (loss in ("mse", "sse", "mae") and units == 1):
        if units == 1 and k != 2:
            err(Problem("error", f"One output unit can only separate 2 classes, but the data has "
                        f"{k}; use {k} output units with softmax.", last))
        elif units not in (1, k):
            err(Problem("error", f"The data has {k} classes but the output layer has {units} "
                        f"units; use {k} (one per class) or 1 for two classes.", last))
        return
    if units != k:
        err(Problem("error", f"The data has {k} classes but the output layer has {units} "
                    f"unit(s); set the last Dense layer to {k} units.", last))


CONSTANT_INITIALIZERS = ("zeros", "ones")


def _identical_weights(spec: NetworkSpec, i: int) -> str | None:
    """What identical initial weights in layer ``i`` really do (as Keras trains them): relu
    units of all-zero weights output 0 and get no gradient; otherwise the units start as one
    and only the next Dense layer's random weights tell them apart (if it has none, never).
    None when the weights are not identical, or for the output layer (each of its units has
    its own target: zeros are the usual start of a perceptron or logistic regression)."""
    lay = spec.layers[i]
    if lay.params.get("kernel_initializer") not in CONSTANT_INITIALIZERS:
        return None
    start = "Identical initial weights: every unit of this layer starts as the same unit"
    if lay.params.get("kernel_initializer") == "zeros" and \
            lay.params.get("activation") == "relu" and \
            lay.params.get("bias_initializer", "zeros") == "zeros":
        return (f"{start}, and relu units of zero weights output 0 and get no gradient: "
                "this layer never learns. Use a random initializer (he_normal, glorot_uniform).")
    later = next((lay2 for lay2 in spec.layers[i + 1:] if lay2.type == "Dense"), None)
    if later is not None and later.params.get("kernel_initializer") in CONSTANT_INITIALIZERS:
        return (f"{start}, and the next Dense layer's weights are identical too: the units "
                "learn the same thing (symmetry is never broken). Use a random initializer.")
    if later is None:
        return None
    return (f"{start}; only the next layer's random weights tell them apart, so they learn "
            "slowly and alike. Use a random initializer (glorot_uniform, he_normal).")

