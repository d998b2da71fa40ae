"""Keras' SGD, Adam and RMSprop updates on NumPy copies of an optimizer's variables (for
``fast_numpy.py``): Adam is TensorFlow's ``ResourceApplyAdam`` formula (``builder._fused_adam``),
SGD's momentum the live one where ``controls.make_live`` made it so.

Every weight, gradient and slot lives in one contiguous float32 buffer per kind (``Flat``):
an update is then a dozen NumPy calls a step whatever the number of layers, not a dozen per
weight tensor (~1 µs each: most of a step of a toy network).

Adam takes ten passes over memory instead of twelve (~25 µs a step at 80k weights): the
gradient arrives already multiplied by ``1 - beta_1`` (``grad_scale``: the loop scales the
head's gradient, a few hundred numbers, and backpropagation is linear in it), so
``m = beta_1·m + g'``; and the second moment is kept scaled by ``(1 - beta_1)² / (1 - beta_2)``
between ``read`` and ``write``, so ``v' = beta_2·v' + g'²``. The update divides by
``√v' + eps/s`` and multiplies by ``alpha/s``, ``s = √(1 - beta_2)/(1 - beta_1)``: Keras'
``alpha·m / (√v + eps)`` with the rounding of another order of the same operations.
"""

from __future__ import annotations

from typing import Any

import numpy as np


class Flat:
    """Arrays of the given shapes, each a view of one contiguous float32 ``buffer``."""

    def __init__(self, shapes: list[tuple[int, ...]]) -> None:
        sizes = [int(np.prod(s, dtype=np.int64)) for s in shapes]
        ends = np.cumsum([0, *sizes])
        self.buffer = np.zeros(int(ends[-1]), np.float32)
        self.spans = [(int(a), int(b), s) for a, b, s in zip(ends[:-1], ends[1:], shapes,
                                                              strict=True)]
        self.views = self.views_of(self.buffer)

    def views_of(self, buffer: np.ndarray) -> list[np.ndarray]:
        """``views``' shapes over another buffer of the same size."""
        return [buffer[a:b].reshape(s) for a, b, s in self.spans]

    def load(self, variables: list[Any]) -> None:
        """The buffer set to the variables' values (in the order of ``views``)."""
        for view, var in zip(self.views, variables, strict=True):
            view[...] = var.numpy()

    def store(self, variables: list[Any]) -> None:
        """The variables set to the buffer's values."""
        for view, var in zip(self.views, variables, strict=True):
            var.assign(view)


class NumpyOptimizer:
    """Keras' update of one optimizer, on NumPy copies of its variables (``read``/``write``)."""

    def __init__(self, opt: Any, variables: list[Any]) -> None:
        self.opt, self.kind = opt, type(opt).__name__
        index = [opt._get_variable_index(v) for v in variables]
        slots: dict[str, list[Any]] = {}
        if self.kind == "Adam":
            slots = {"m": [opt._momentums[i] for i in index],
                     "v": [opt._velocities[i] for i in index]}
        elif self.kind == "RMSprop":
            slots = {"v": [opt._velocities[i] for i in index]}
            if opt.momentum > 0:
                slots["m"] = [opt._momentums[i] for i in index]
        elif getattr(opt, "momentums", None):
            slots = {"m": [opt.momentums[i] for i in index]}
        self.slot_vars = slots
        self.variables = [opt.iterations, *(v for vs in slots.values() for v in vs)]
        shapes = [tuple(v.shape) for v in variables]
        self.slots = {k: Flat(shapes) for k in slots}
        self.scratch = np.empty(sum(int(np.prod(s, dtype=np.int64)) for s in shapes),
                                np.float32)
        self.iterations, self.lr, self.momentum = 0, np.float32(0), np.float32(0)
        self.grad_scale = np.float32(1)  # what the gradient handed to ``apply`` is times
        self.v_scale = np.float32(1)  # Adam's second moment, as kept between read and write
        self.scaled = False  # Adam in ten passes (the module's note)
        if self.kind == "Adam":
            c1, c2 = 1 - float(opt.beta_1), 1 - float(opt.beta_2)
            if c1 > 1e-3 and c2 > 1e-8:  # else the plain formula (a degenerate beta)
                self.scaled = True
                self.grad_scale, self.v_scale = np.float32(c1), np.float32(c1 * c1 / c2)

    def read(self, slots: bool = True) -> None:
        """The slots and step count (unless ``slots`` is False: the buffers hold them already),
        the learning rate and momentum (live ones change between calls) from the optimizer."""
        opt = self.opt
        if slots:
            for k, flat in self.slots.items():
                flat.load(self.slot_vars[k])
            if self.scaled:
                self.slots["v"].buffer *= self.v_scale
            self.iterations = int(opt.iterations.numpy())
        self.lr = np.float32(np.asarray(opt.learning_rate))
        live = getattr(opt, "_nngui_momentum", None)
        self.momentum = np.float32(live.numpy() if live is not None else
                                   getattr(opt, "momentum", 0.0))

    def state(self) -> tuple[int, dict[str, np.ndarray]]:
        """A copy of the step count and slots as ``read`` left them (for ``restore``)."""
        return self.iterations, {k: flat.buffer.copy() for k, flat in self.slots.items()}

    def restore(self, state: tuple[int, dict[str, np.ndarray]]) -> None:
        """The step count and slots set back to a ``state()``."""
        self.iterations = state[0]
        for k, value in state[1].items():
            self.slots[k].buffer[...] = value

    def write(self) -> None:
        """The slots and the step count back into the optimizer."""
        for k, flat in self.slots.items():
            if k == "v" and self.scaled:  # Adam's, unscaled
                np.divide(flat.buffer, self.v_scale, out=self.scratch)
                for view, var in zip(flat.views_of(self.scratch), self.slot_vars[k], strict=True):
                    var.assign(view)
            else:
                flat.store(self.slot_vars[k])
        self.opt.iterations.assign(self.iterations)

    def buffers(self) -> dict[str, np.ndarray]:
        """The slots' flat buffers, by name."""
        return {k: flat.buffer for k, flat in self.slots.items()}

    def apply(self, w: np.ndarray, g: np.ndarray,
              slots: dict[str, np.ndarray] | None = None) -> None:
        """One step of the weights ``w`` (a flat buffer), in place, by the gradient ``g``
        (the same layout, times ``grad_scale``; used up here); the step count goes up by one.
        ``slots``: the slots' buffers in ``w``'s layout where that is not the variables' own
        (``numpy_compact.Compact``)."""
        lr, opt = self.lr, self.opt
        tmp = self.scratch[:len(w)]
        buf = slots if slots is not None else self.buffers()
        if self.kind == "Adam":
            m, v = buf["m"], buf["v"]
            t = np.float32(self.iterations + 1)
            b1, b2 = np.float32(opt.beta_1), np.float32(opt.beta_2)
            alpha = lr * np.sqrt(1 - b2 ** t) / (1 - b1 ** t)
            eps = np.float32(opt.epsilon)
            if self.scaled:  # g is (1 - b1)·g and v is kept scaled (the module's note)
                s = np.sqrt(np.float32(1) - b2) / self.grad_scale
                m *= b1
                m += g
                np.multiply(g, g, out=g)
                v *= b2
                v += g
                np.sqrt(v, out=tmp)
                tmp += eps / s
                np.divide(m, tmp, out=tmp)
                tmp *= alpha / s
                w -= tmp
            else:  # m += (g - m)(1 - b1); v += (g² - v)(1 - b2); w -= alpha·m / (√v + eps)
                np.subtract(g, m, out=tmp)
                tmp *= np.float32(1) - b1
                m += tmp
                np.multiply(g, g, out=g)
                g -= v
                g *= np.float32(1) - b2
                v += g
                np.sqrt(v, out=tmp)
                tmp += eps
                np.divide(m, tmp, out=tmp)
                tmp *= alpha
                w -= tmp
        elif self.kind == "RMSprop":
            rho, v = np.float32(opt.rho), buf["v"]
            v *= rho
            np.multiply(g, g, out=tmp)
            tmp *= np.float32(1) - rho
            v += tmp
            np.add(v, np.float32(opt.epsilon), out=tmp)
            np.sqrt(tmp, out=tmp)
            g *= lr
            np.divide(g, tmp, out=tmp)  # the increment: lr·g / √(v + eps)
            if "m" in buf:
                m = buf["m"]
                m *= np.float32(opt.momentum)
                m += tmp
                w -= m
            else:
                w -= tmp
        elif "m" in buf:  # SGD with momentum (Nesterov's or not)
            m, mom = buf["m"], self.momentum
            g *= lr
            m *= mom
            m -= g
            if opt.nesterov:
                np.multiply(m, mom, out=tmp)
                tmp -= g
                w += tmp
            else:
                w += m
        else:
            g *= lr
            w -= g
        self.iterations += 1
