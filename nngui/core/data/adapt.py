"""Fit a dataset to a network: reshape inputs, encode targets, and say what was done."""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np

from nngui.core.network.features import describe, lift
from nngui.core.network.shapes import output_shape
from nngui.core.network.spec import NetworkSpec, SpecError


@dataclass
class Prepared:
    """Arrays ready for keras fit/evaluate, plus human notes on every transformation."""

    x_train: np.ndarray
    y_train: np.ndarray
    x_test: np.ndarray
    y_test: np.ndarray
    labels_test: np.ndarray | None  # integer test labels (classification), for insight panels
    notes: list[str] = field(default_factory=list)


def reshape_inputs(x: np.ndarray, input_shape: tuple[int, ...]) -> np.ndarray:
    """Reshape samples to the network's input shape when the value counts agree."""
    x = np.asarray(x, dtype=np.float32)
    if tuple(x.shape[1:]) == tuple(input_shape):
        return x
    if math.prod(x.shape[1:]) != math.prod(input_shape):
        raise SpecError(f"The data's samples have shape {tuple(x.shape[1:])} but the network "
                        f"reads {tuple(input_shape)}.")
    return x.reshape((x.shape[0], *input_shape))


def _input_note(src: tuple[int, ...], dst: tuple[int, ...]) -> str | None:
    if src == dst:
        return None
    fmt = "×".join
    if len(dst) == 1:
        return f"flattened {fmt(map(str, src))} samples to vectors of {dst[0]}"
    if dst == (*src, 1):
        return f"added a channel axis: {fmt(map(str, src))} → {fmt(map(str, dst))}"
    return f"reshaped samples {fmt(map(str, src))} → {fmt(map(str, dst))}"


# How targets are made from the labels: one plain function each (``y``, ``num_classes``),
# which the app calls and an exported script copies (nngui.core.files.python_export).


def integer_labels(y, num_classes):
    """Sparse categorical cross-entropy takes the integer class labels as they are."""
    return y.astype(np.int64)


def one_column(y, num_classes):
    """One output unit: the 0/1 labels are its targets, one column."""
    return y.astype(np.float32).reshape(-1, 1)


def one_hot(y, num_classes):
    """One-hot encode the labels: 3 -> [0, 0, 0, 1, 0, ...]."""
    out = np.zeros((len(y), num_classes), dtype=np.float32)
    out[np.arange(len(y)), y.astype(np.int64)] = 1.0
    return out


def real_targets(y, num_classes):
    """A regression's targets are real numbers, used as float32."""
    return y.astype(np.float32)


Encoder = Callable[[np.ndarray, int], np.ndarray]
_NOTES: dict[Encoder, str] = {
    integer_labels: "integer class labels used as they are",
    one_column: "labels used as 0/1 targets for one output",
    one_hot: "labels one-hot encoded into {num_classes} columns",
}


def target_encoder(spec: NetworkSpec, task: str) -> Encoder | None:
    """Which function makes ``spec``'s targets from a ``task``'s labels (None: an autoencoder,
    whose targets are its inputs). prepare() and exported scripts both ask it."""
    if spec.kind == "autoencoder":
        return None
    if task == "regression":
        return real_targets
    return _label_encoder(spec)


def _label_encoder(spec: NetworkSpec) -> Encoder:
    if spec.loss == "sparse_categorical_crossentropy":
        return integer_labels
    if (output_shape(spec) or (1,))[-1] == 1:
        return one_column
    return one_hot


def encode_targets(y: np.ndarray, spec: NetworkSpec, num_classes: int) -> tuple[np.ndarray, str]:
    """Class labels in the form the loss and output layer expect, and a note on the encoding."""
    encode = _label_encoder(spec)
    return encode(y, num_classes), _NOTES[encode].format(num_classes=num_classes)


def prepare(dataset, spec: NetworkSpec) -> Prepared:
    """Arrays for this spec from a datasets.Dataset (autoencoders learn to rebuild x)."""
    src = tuple(dataset.input_shape)
    notes = list(dataset.notes)
    x_train = reshape_inputs(dataset.x_train, spec.input_shape)
    x_test = reshape_inputs(dataset.x_test, spec.input_shape)
    note = _input_note(src, tuple(spec.input_shape))
    if note:
        notes.append(note)
    if spec.features:  # the course's lift φ: the network reads x1, x2 and the features
        x_train, x_test = lift(x_train, spec.features), lift(x_test, spec.features)
        notes.append(f"added input features: the network reads {describe(spec.features)}")
    labels_test = None
    encode = target_encoder(spec, dataset.task)
    if encode is None:
        out = output_shape(spec) or spec.input_shape
        y_train = x_train.reshape((len(x_train), *out))
        y_test = x_test.reshape((len(x_test), *out))
        notes.append("targets are the inputs themselves (autoencoder)")
    else:
        y_train = encode(dataset.y_train, dataset.num_classes)
        y_test = encode(dataset.y_test, dataset.num_classes)
        if encode is not real_targets:  # class labels
            labels_test = dataset.y_test.astype(np.int64)
            notes.append(_NOTES[encode].format(num_classes=dataset.num_classes))
    return Prepared(x_train, y_train, x_test, y_test, labels_test, notes)
