"""A small dense Keras network's arithmetic in NumPy, as Keras computes it (``fast_numpy.py``
trains with it): which models it covers (``why_not``), their forward pass, loss, metrics and
gradients (``Arith``).

Covered: a Sequential of Dense, Flatten, LeakyReLU and Activation layers in float32 with
Keras' linear, ReLU, sigmoid, tanh (and a softmax output) activations, no penalty or
constraint; the losses the builder makes (a softmax or sigmoid output read by a cross-entropy
is differentiated through its logits, as Keras' TensorFlow backend does through
``_keras_logits``; MSE; the course's SSE); accuracy and MAE metrics; SGD (with momentum,
live or not, and Nesterov), Adam and RMSprop without clipping, weight decay, averaging or
a learning-rate schedule (``numpy_optimizer.py``).
"""

from __future__ import annotations

from typing import Any

import numpy as np

HIDDEN = ("linear", "relu", "sigmoid", "tanh")  # activations a hidden layer may have
LAST = HIDDEN + ("softmax",)  # and the output layer
LOSSES = ("SparseCategoricalCrossentropy", "CategoricalCrossentropy", "BinaryCrossentropy",
          "MeanSquaredError", "SumSquaredError")
METRICS = ("SparseCategoricalAccuracy", "CategoricalAccuracy", "BinaryAccuracy",
           "MeanAbsoluteError")




def _activation_name(fn: Any) -> str:
    """'relu', ... for Keras' own activation functions ('' for anything else)."""
    from nngui.core.platform.runtime import keras

    acts = keras().activations
    for name in LAST:
        if fn is getattr(acts, name, None):
            return name
    return ""


def _ops(model: Any) -> tuple[list[tuple], str]:
    """The model as ('dense', kernel, bias, act) / ('act', name) / ('leaky', slope) /
    ('flatten',) steps, or ([], why not)."""
    ops: list[tuple] = []
    rank = len(model.input_shape)  # the batch axis included
    for layer in model.layers:
        kind = type(layer).__name__
        if kind == "InputLayer":
            continue
        if getattr(layer, "dtype", "float32") != "float32" or \
                getattr(getattr(layer, "dtype_policy", None), "name", "float32") != "float32":
            return [], "not float32"
        if getattr(layer, "activity_regularizer", None) is not None:
            return [], "an activity penalty"
        if kind == "Dense":
            if rank != 2:
                return [], "a Dense layer on more than one axis"
            if any(getattr(layer, a, None) is not None for a in (
                    "kernel_regularizer", "bias_regularizer", "kernel_constraint",
                    "bias_constraint")) or getattr(layer, "lora_enabled", False):
                return [], "a Dense layer with a penalty or constraint"
            act = _activation_name(layer.activation)
            if not act:
                return [], "an activation written only in Keras"
            ops.append(("dense", layer.kernel, layer.bias if layer.use_bias else None, act))
        elif kind == "Activation":
            act = _activation_name(layer.activation)
            if not act:
                return [], "an activation written only in Keras"
            ops.append(("act", act))
        elif kind == "LeakyReLU":
            ops.append(("leaky", float(layer.negative_slope)))
        elif kind == "Flatten":
            ops.append(("flatten",))
            rank = 2
        else:
            return [], f"a {kind} layer"
    acts = [op[-1] if op[0] == "dense" else op[1] for op in ops if op[0] in ("dense", "act")]
    if not any(op[0] == "dense" for op in ops):
        return [], "no Dense layer"
    if "softmax" in acts[:-1] or (acts and acts[-1] == "softmax" and ops[-1][0] == "leaky"):
        return [], "a softmax inside the network"
    return ops, ""


def _output_act(ops: list[tuple]) -> str:
    """The activation the output passes last ('linear' after a LeakyReLU or Flatten)."""
    last = ops[-1]
    return last[3] if last[0] == "dense" else last[1] if last[0] == "act" else "linear"


def _loss(model: Any, ops: list[tuple]) -> tuple[str, str]:
    """('softmax_ce' | 'sigmoid_ce' | 'mse' | 'sse', '') or ('', why not)."""
    loss = getattr(model, "loss", None)
    kind = type(loss).__name__
    if kind not in LOSSES:
        return "", f"the loss {kind}"
    cfg = loss.get_config()
    if cfg.get("label_smoothing") or cfg.get("ignore_class") is not None or \
            cfg.get("axis", -1) != -1:
        return "", "label smoothing or an ignored class"
    want = "sum" if kind == "SumSquaredError" else "sum_over_batch_size"
    if cfg.get("reduction", want) != want:
        return "", "another loss reduction"
    out = _output_act(ops)
    if kind in ("MeanSquaredError", "SumSquaredError"):
        return ("mse" if kind == "MeanSquaredError" else "sse"), ""
    logits = "softmax" if kind != "BinaryCrossentropy" else "sigmoid"
    if out == logits and not cfg.get("from_logits"):
        return f"{logits}_ce", ""
    if out == "linear" and cfg.get("from_logits"):
        return f"{logits}_ce", ""
    return "", "a cross-entropy not read through its logits"


def _metrics(model: Any) -> tuple[list[tuple[str, str]], str]:
    """[(key, Keras class name)] of the compiled metrics, or ([], why not)."""
    found: list[Any] = []

    def walk(metrics: list[Any]) -> None:
        for m in metrics:
            inner = getattr(m, "metrics", None)
            if type(m).__name__ == "CompileMetrics" and inner is not None:
                walk(list(inner))
            elif m.name != "loss":
                found.append(m)

    walk(list(model.metrics))
    out = []
    for m in found:
        kind = type(m).__name__
        if kind not in METRICS:
            return [], f"the metric {kind}"
        if kind == "BinaryAccuracy" and float(getattr(m, "threshold", 0.5)) != 0.5:
            return [], "a binary accuracy threshold other than 0.5"
        out.append((m.name, kind))
    return out, ""


def _optimizer(opt: Any) -> str:
    """Why ``opt``'s update is not written here ('' when it is)."""
    kind = type(opt).__name__
    if kind not in ("SGD", "Adam", "RMSprop"):
        return f"the optimizer {kind}"
    if any(getattr(opt, a, None) for a in ("clipnorm", "clipvalue", "global_clipnorm",
                                            "weight_decay", "use_ema",
                                            "gradient_accumulation_steps")):
        return "gradient clipping, weight decay or averaging"
    if getattr(opt, "loss_scale_factor", None) not in (None, 1, 1.0):
        return "a loss scale"
    if kind == "Adam" and opt.amsgrad or kind == "RMSprop" and opt.centered:
        return "AMSGrad or a centered RMSprop"
    from nngui.core.platform.runtime import keras

    if isinstance(getattr(opt, "_learning_rate", None),
                  keras().optimizers.schedules.LearningRateSchedule):
        return "a learning-rate schedule"
    return ""


def why_not(model: Any) -> str:
    """Why ``model`` trains with TensorFlow on the fast path ('' when NumPy trains it).

    Asked once the model is compiled (``model.loss``, ``model.optimizer``)."""
    try:
        opt = getattr(model, "optimizer", None)
        if opt is None:
            return "not compiled"
        ops, why = _ops(model)
        why = why or _optimizer(opt)
        if not why:
            why = _loss(model, ops)[1]
        if not why:
            weights = {id(w) for w in model.weights}
            if weights != {id(w) for w in model.trainable_weights}:
                why = "weights that do not train"
        return why
    except (AttributeError, TypeError, ValueError) as exc:  # a model of another shape
        return f"not a plain Keras model ({type(exc).__name__})"


# ---- the arithmetic ------------------------------------------------------------------------


def _act(name: str, z: np.ndarray) -> np.ndarray:
    if name == "relu":
        return np.maximum(z, np.float32(0))
    if name == "sigmoid":
        return _sigmoid(z)
    if name == "tanh":
        return np.tanh(z)
    if name == "softmax":
        e = np.exp(z - z.max(axis=-1, keepdims=True))
        return e / e.sum(axis=-1, keepdims=True)
    return z


def _sigmoid(z: np.ndarray) -> np.ndarray:
    with np.errstate(over="ignore"):
        return (1 / (1 + np.exp(-z))).astype(np.float32, copy=False)


def _act_back(name: str, out: np.ndarray, g: np.ndarray) -> np.ndarray:
    """dL/dz from dL/d(out) for ``out = act(z)``."""
    if name == "relu":
        return g * (out > 0)
    if name == "sigmoid":
        return g * out * (1 - out)
    if name == "tanh":
        return g * (1 - out * out)
    if name == "softmax":
        return out * (g - (g * out).sum(axis=-1, keepdims=True))
    return g


class Arith:
    """The network's forward pass, loss, metrics and gradients on NumPy arrays."""

    def __init__(self, ops: list[tuple], loss: str, metrics: list[tuple[str, str]],
                 sparse: bool = False) -> None:
        self.ops, self.loss, self.metrics = ops, loss, metrics
        self.sparse = sparse  # the labels are class numbers (a sparse cross-entropy)
        dense = [op for op in ops if op[0] == "dense"]
        # the trainable variables in the order ``forward``'s and ``grads``' arrays take them
        self.variables = [v for op in dense for v in (op[1], op[2]) if v is not None]
        self.out_units = int(dense[-1][1].shape[-1])
        self.out_act = _output_act(ops)
        self.logits_loss = loss.endswith("_ce")
        self.rows = np.arange(0)
        self.first_dense = min(j for j, op in enumerate(ops) if op[0] == "dense")

    def forward(self, w: list[np.ndarray], x: np.ndarray) -> tuple[list, np.ndarray]:
        """(what the backward pass needs, the output before the last activation when a
        cross-entropy reads logits, else the output)."""
        kept: list = []
        a, i = x, 0
        last = len(self.ops) - 1
        for j, op in enumerate(self.ops):
            if op[0] == "flatten":
                kept.append(a.shape)
                a = a.reshape(a.shape[0], -1)
            elif op[0] == "leaky":
                kept.append(a)
                a = np.where(a > 0, a, a * np.float32(op[1]))
            else:
                act = op[1] if op[0] == "act" else op[3]
                if op[0] == "dense":
                    kept.append(a)
                    z = a @ w[i]
                    if op[2] is not None:
                        z += w[i + 1]
                    i += 1 + (op[2] is not None)
                else:
                    z = a
                if j == last and self.logits_loss:
                    kept.append(None)
                    return kept, z
                a = _act(act, z)
                kept.append(a)
        return kept, a

    def labels(self, y: Any) -> np.ndarray:
        """``y`` as the loss reads it here: class numbers (int64) for a sparse cross-entropy,
        else float32 rows of the output's width (no copy where it already is one)."""
        a = np.asarray(y)
        if self.sparse:
            return a.reshape(len(a)).astype(np.int64)
        return a.astype(np.float32, copy=False).reshape(len(a), self.out_units)

    def output(self, head: np.ndarray) -> np.ndarray:
        """The network's output from what ``forward`` returned."""
        return _act(self.out_act, head) if self.logits_loss else head

    def sample_losses(self, head: np.ndarray, y: np.ndarray) -> np.ndarray:
        """Each sample's loss (before the batch reduction), and nothing else."""
        if self.loss == "softmax_ce":
            z = head - head.max(axis=-1, keepdims=True)
            lse = np.log(np.exp(z).sum(axis=-1))
            return lse - (z * y).sum(axis=-1) if y.ndim == 2 else \
                lse - z[np.arange(len(y)), y]
        if self.loss == "sigmoid_ce":
            with np.errstate(over="ignore"):
                per = np.maximum(head, 0) - head * y + np.log1p(np.exp(-np.abs(head)))
            return per.mean(axis=-1)
        d = head - y
        return (d * d).mean(axis=-1) if self.loss == "mse" else (d * d).sum(axis=-1)

    def _rows(self, n: int) -> np.ndarray:
        if len(self.rows) != n:
            self.rows = np.arange(n)
        return self.rows

    def step_parts(self, head: np.ndarray, y: np.ndarray
                   ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """A training step's (each sample's loss, the output, dL/d(head) of the batch's
        reduced loss), sharing what they have in common (a softmax's exponentials once)."""
        b = np.float32(head.shape[0])
        if self.loss == "softmax_ce":
            z = head - head.max(axis=-1, keepdims=True)
            e = np.exp(z)
            total = e.sum(axis=-1, keepdims=True)
            p = e / total
            g = p / b
            if y.ndim == 2:
                per = np.log(total[:, 0]) - (z * y).sum(axis=-1)
                g -= y / b
            else:
                rows = self._rows(len(y))
                per = np.log(total[:, 0]) - z[rows, y]
                g[rows, y] -= 1 / b
            return per, p, g
        if self.loss == "sigmoid_ce":
            p = _sigmoid(head)
            return self.sample_losses(head, y), p, (p - y) / np.float32(b * head.shape[-1])
        d = head - y
        if self.loss == "mse":
            return (d * d).mean(axis=-1), head, d * np.float32(2 / (b * head.shape[-1]))
        return (d * d).sum(axis=-1), head, 2 * d

    def metric_values(self, kind: str, out: np.ndarray, y: np.ndarray) -> np.ndarray:
        """Keras' per-sample values of a mean metric."""
        if kind == "SparseCategoricalAccuracy":
            return (out.argmax(axis=-1) == y).astype(np.float32)
        if kind == "CategoricalAccuracy":
            return (out.argmax(axis=-1) == y.argmax(axis=-1)).astype(np.float32)
        if kind == "BinaryAccuracy":
            return (y == (out > 0.5)).astype(np.float32).mean(axis=-1)
        return np.abs(y - out).mean(axis=-1)  # MeanAbsoluteError

    def grads(self, w: list[np.ndarray], kept: list, g: np.ndarray, out: list[np.ndarray]
              ) -> None:
        """The gradient of the batch's loss for each of ``w``, from ``g`` (its gradient for
        the head, ``step_parts``'), written into ``out`` (arrays of the same shapes)."""
        i, k = len(w), len(kept) - 1
        skip_act = self.logits_loss  # the head's gradient is already the logits'
        for j in range(len(self.ops) - 1, self.first_dense - 1, -1):  # none below: no weights
            op = self.ops[j]
            if op[0] == "flatten":
                g = g.reshape(kept[k])
                k -= 1
                continue
            if op[0] == "leaky":
                g = np.where(kept[k] > 0, g, g * np.float32(op[1]))
                k -= 1
                continue
            if not skip_act:
                g = _act_back(op[1] if op[0] == "act" else op[3], kept[k], g)
            skip_act = False
            k -= 1
            if op[0] == "dense":
                a = kept[k]
                k -= 1
                i -= 1 + (op[2] is not None)
                np.matmul(a.T, g, out=out[i])
                if op[2] is not None:
                    np.add.reduce(g, axis=0, out=out[i + 1])
                if j > self.first_dense:  # the gradient goes on to the weights below
                    g = g @ w[i].T


def arith(model: Any) -> Arith:
    """The arithmetic of a compiled, built ``model`` that ``why_not`` accepts."""
    ops, _ = _ops(model)
    loss, _ = _loss(model, ops)
    metrics, _ = _metrics(model)
    return Arith(ops, loss, metrics,
                 type(model.loss).__name__ == "SparseCategoricalCrossentropy")
