"""The δ recursion written out with one row's numbers plugged in, for the lab's step view."""

from __future__ import annotations

import numpy as np

from nngui.core.lab.backprop import TRUTH_TABLES, BackwardRecord, ForwardRecord, LabConfig


def _n(v: float) -> str:
    return f"{v:.4g}"


def _f(v: float) -> str:
    """A number used as a factor: negative ones in parentheses."""
    return f"({v:.4g})" if v < 0 else f"{v:.4g}"


def dloss_text(loss: str, p: float, y: float, n: int) -> tuple[str, str]:
    """∂L/∂ŷ for one row: (the rule, the rule with the numbers in)."""
    P, Y = _n(p), _n(y)
    return {
        "sse": ("2(ŷ − y)", f"2({P} − {Y})"),
        "mse": ("2(ŷ − y)/n", f"2({P} − {Y})/{n}"),
        "mae": ("sign(ŷ − y)/n", f"sign({P} − {Y})/{n}"),
        "binary_crossentropy": ("(ŷ − y) / (ŷ(1 − ŷ)) / n",
                                f"({P} − {Y}) / ({P}(1 − {P})) / {n}"),
    }[loss]


def dact_text(config: LabConfig, name: str, z: float, a: float) -> tuple[str, str]:
    """f'(z) as the lab computes it, from a: (the rule, with numbers); flags the wrong one."""
    if name == "sigmoid":
        if config.wrong_grad:
            return "z(1 − z) ✗ (grad_sigmoid given z, not a)", f"{_f(z)}(1 − {_f(z)})"
        return "a(1 − a)", f"{_n(a)}(1 − {_n(a)})"
    return {
        "tanh": ("(1 − a²)", f"(1 − {_f(a)}²)"),
        "relu": ("[a > 0]", f"[{_n(a)} > 0]"),
        "leaky_relu": ("(a > 0 ? 1 : α)", f"({_n(a)} > 0 ? 1 : {_n(config.alpha)})"),
        "linear": ("1", "1"),
    }[name]


def step_formulas(config: LabConfig, weights: list[np.ndarray], fw: ForwardRecord,
                  bw: BackwardRecord, row: int, names: list[str]) -> list[str]:
    """Lines of text: ∂L/∂ŷ, δ of every unit (output first), one ∂L/∂W and its update.

    ``weights`` are the weights the backward pass used (before its update); ``names`` are the
    layer names ('W1 (alphas)', ...).
    """
    n_layers = len(weights)
    out = n_layers - 1
    p, y = float(fw.output[row, 0]), float(TRUTH_TABLES[config.table][row])
    g = float(bw.dloss[row, 0])
    rule, nums = dloss_text(config.loss, p, y, fw.output.shape[0])
    lines = [f"row {row + 1}:  ∂L/∂ŷ = {rule} = {nums} = {_n(g)}"]
    z, a = float(fw.z[out][row, 0]), float(fw.a[out + 1][row, 0])
    rule, nums = dact_text(config, "sigmoid", z, a)
    lines.append(f"δ_out = ∂L/∂ŷ · {rule} = {_f(g)} × {nums} = "
                 f"{_n(float(bw.delta[out][row, 0]))}")
    if n_layers == 2:
        w2 = weights[1]
        d_out = float(bw.delta[1][row, 0])
        for j in range(w2.shape[0]):
            zj, aj = float(fw.z[0][row, j]), float(fw.a[1][row, j])
            rule, nums = dact_text(config, config.activation, zj, aj)
            lines.append(f"δ_h{j + 1} = (W2[h{j + 1}→ŷ] · δ_out) · {rule} = "
                         f"({_f(float(w2[j, 0]))} × {_f(d_out)}) × {nums} = "
                         f"{_n(float(bw.delta[0][row, j]))}")
    # one weight gradient, summed over the four rows, then its update
    grad = bw.grads[out]
    prev = fw.a[out]
    src = "h1" if n_layers == 2 else "x1"
    terms = " + ".join(f"{_f(float(prev[r, 0]))}×{_f(float(bw.delta[out][r, 0]))}"
                       for r in range(prev.shape[0]))
    w_name = names[out].split()[0]
    lines.append(f"∂L/∂{w_name}[{src}→ŷ] = Σ_rows {src}·δ_out = {terms} = "
                 f"{_n(float(grad[0, 0]))}")
    lines.append(f"update = −η · ∂L/∂W = −{_f(config.lr)} × {_f(float(grad[0, 0]))} = "
                 f"{_n(float(bw.updates[out][0, 0]))}")
    return lines
