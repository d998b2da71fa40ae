"""Fit a dataset to a network: reshape inputs, encode targets, and say what was done."""

from __future__ import annotations

import math
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


def encode_targets(y: np.ndarray, spec: NetworkSpec, num_classes: int) -> tuple[np.ndarray, str]:
    """Targets in the form the loss and output layer expect, and a note on the encoding."""
    units = (output_shape(spec) or (1,))[-1]
    if spec.loss == "sparse_categorical_crossentropy":
        return y.astype(np.int64), "integer class labels used as they are"
    if units == 1:
        return y.astype(np.float32).reshape(-1, 1), "labels used as 0/1 targets for one output"
    onehot = np.zeros((len(y), num_classes), dtype=np.float32)
    onehot[np.arange(len(y)), y.astype(np.int64)] = 1.0
    return onehot, f"labels one-hot encoded into {num_classes} columns"


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
    if spec.kind == "autoencoder":
        out = output_shape(spec) or spec.input_shape
        y_train = x_train.reshape((len(x_train), *out))
        y_test = x_test.reshape((len(x_test), *out))
        notes.append("targets are the inputs themselves (autoencoder)")
    elif dataset.task == "regression":
        y_train = dataset.y_train.astype(np.float32)
        y_test = dataset.y_test.astype(np.float32)
    else:
        y_train, note = encode_targets(dataset.y_train, spec, dataset.num_classes)
        y_test, _ = encode_targets(dataset.y_test, spec, dataset.num_classes)
        labels_test = dataset.y_test.astype(np.int64)
        notes.append(note)
    return Prepared(x_train, y_train, x_test, y_test, labels_test, notes)
