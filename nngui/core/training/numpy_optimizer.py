"""Keras' SGD, Adam and RMSprop updates on NumPy copies of an optimizer's variables (for
``fast_numpy.py``): Adam is TensorFlow's ``ResourceApplyAdam`` formula (``builder._fused_adam``),
SGD's momentum the live one where ``controls.make_live`` made it so."""

from __future__ import annotations

from typing import Any

import numpy as np


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
        self.values: dict[str, list[np.ndarray]] = {}
        self.iterations, self.lr, self.momentum = 0, np.float32(0), np.float32(0)
        self.scratch: list[np.ndarray] = []

    def read(self) -> None:
        opt = self.opt
        self.values = {k: [np.array(v.numpy(), np.float32) for v in vs]
                       for k, vs in self.slot_vars.items()}
        self.iterations = int(opt.iterations.numpy())
        self.lr = np.float32(np.asarray(opt.learning_rate))
        live = getattr(opt, "_nngui_momentum", None)
        self.momentum = np.float32(live.numpy() if live is not None else
                                   getattr(opt, "momentum", 0.0))

    def write(self) -> None:
        for k, vs in self.slot_vars.items():
            for var, value in zip(vs, self.values[k], strict=True):
                var.assign(value)
        self.opt.iterations.assign(self.iterations)

    def _scratch(self, w: list[np.ndarray]) -> list[np.ndarray]:
        if [a.shape for a in self.scratch] != [a.shape for a in w]:
            self.scratch = [np.empty_like(a) for a in w]
        return self.scratch

    def apply(self, w: list[np.ndarray], grads: list[np.ndarray]) -> None:
        """One step of every weight, in place (``grads`` are used up); the step count goes
        up by one."""
        lr, opt = self.lr, self.opt
        if self.kind == "Adam":
            t = np.float32(self.iterations + 1)
            b1, b2 = np.float32(opt.beta_1), np.float32(opt.beta_2)
            alpha = lr * np.sqrt(1 - b2 ** t) / (1 - b1 ** t)
            eps = np.float32(opt.epsilon)
            c1, c2 = np.float32(1) - b1, np.float32(1) - b2
            for var, g, m, v, tmp in zip(w, grads, self.values["m"], self.values["v"],
                                         self._scratch(w), strict=True):
                # m += (g - m)(1 - b1); v += (g² - v)(1 - b2); var -= alpha·m / (√v + eps),
                # in place (a pass over memory each; ``g`` is this step's own, used up here)
                np.subtract(g, m, out=tmp)
                tmp *= c1
                m += tmp
                np.multiply(g, g, out=g)
                g -= v
                g *= c2
                v += g
                np.sqrt(v, out=tmp)
                tmp += eps
                np.divide(m, tmp, out=tmp)
                tmp *= alpha
                var -= tmp
        elif self.kind == "RMSprop":
            rho, eps = np.float32(opt.rho), np.float32(opt.epsilon)
            ms = self.values.get("m")
            for j, (var, g, v) in enumerate(zip(w, grads, self.values["v"], strict=True)):
                v *= rho
                v += (1 - rho) * (g * g)
                increment = lr * g / np.sqrt(v + eps)
                if ms is not None:
                    ms[j] *= np.float32(opt.momentum)
                    ms[j] += increment
                    var -= ms[j]
                else:
                    var -= increment
        elif "m" in self.values:  # SGD with momentum (Nesterov's or not)
            mom = self.momentum
            for var, g, m in zip(w, grads, self.values["m"], strict=True):
                m *= mom
                m -= g * lr
                if opt.nesterov:
                    var += m * mom - g * lr
                else:
                    var += m
        else:
            for var, g in zip(w, grads, strict=True):
                var -= g * lr
        self.iterations += 1
