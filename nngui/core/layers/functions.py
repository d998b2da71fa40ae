"""The course's function families in NumPy: activations with derivatives, losses with gradients.

One table for the whole app: ``ACTIVATIONS[name].f(z, **params)`` and ``.df(z, **params)``
(derivative with respect to z, element-wise), ``.vjp(z, g, **params)`` (the chain-rule product
g·∂a/∂z, which is what backpropagation needs and what softmax needs as a whole Jacobian);
``LOSSES[name].value(y, p)`` and ``.grad(y, p)`` (gradient with respect to the prediction p).
Names follow ``catalog``. Values and gradients follow Keras 3 conventions (the same clipping
epsilon, the same per-sample reduction then batch mean) so they can be held equal to Keras.
Everything keeps float32 in float32 and is stable for large |z|.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import numpy as np

EPSILON = 1e-7  # keras.config.epsilon(): how far cross-entropies clip probabilities from 0 and 1
SATURATION_FRACTION = 0.05  # "saturated" where |f'(z)| is below 5 % of its largest value

Array = np.ndarray


def _float(x: Any) -> Array:
    """As a floating array; keeps float32/float16, turns ints and lists into float64."""
    a = np.asarray(x)
    return a if a.dtype.kind == "f" else a.astype(np.float64)  # kind: issubdtype is slow


# --------------------------------------------------------------------------- activations
def sigmoid(z: Any) -> Array:
    """1 / (1 + e^-z), without overflow: e^-|z| never exceeds 1."""
    z = _float(z)
    e = np.exp(-np.abs(z))
    return np.where(z >= 0, 1 / (1 + e), e / (1 + e)).astype(z.dtype, copy=False)


def grad_sigmoid(a: Any) -> Array:
    """The course's grad_sigmoid: σ'(z) written with the output a = σ(z), a·(1 - a)."""
    a = _float(a)
    return a * (1 - a)


def _d_sigmoid(z: Any) -> Array:
    return grad_sigmoid(sigmoid(z))


def _tanh(z: Any) -> Array:
    return np.tanh(_float(z))


def _d_tanh(z: Any) -> Array:
    t = np.tanh(_float(z))
    return 1 - t * t


def _linear(z: Any) -> Array:
    return _float(z).copy()


def _d_linear(z: Any) -> Array:
    return np.ones_like(_float(z))


def _relu(z: Any) -> Array:
    z = _float(z)
    return np.maximum(z, 0).astype(z.dtype, copy=False)


def _d_relu(z: Any) -> Array:
    z = _float(z)
    return (z > 0).astype(z.dtype)  # 0 at z = 0, as TensorFlow's gradient


def _leaky_relu(z: Any, alpha: float = 0.2) -> Array:
    z = _float(z)
    return np.where(z > 0, z, alpha * z).astype(z.dtype, copy=False)


def _d_leaky_relu(z: Any, alpha: float = 0.2) -> Array:
    z = _float(z)
    return np.where(z > 0, 1.0, alpha).astype(z.dtype)


def _elu(z: Any, alpha: float = 1.0) -> Array:
    z = _float(z)
    neg = alpha * np.expm1(np.minimum(z, 0))  # minimum: no overflow warning for large z
    return np.where(z > 0, z, neg).astype(z.dtype, copy=False)


def _d_elu(z: Any, alpha: float = 1.0) -> Array:
    z = _float(z)
    return np.where(z > 0, 1.0, alpha * np.exp(np.minimum(z, 0))).astype(z.dtype)


def _normal_cdf(z: Array) -> Array:
    """Φ(z) via erfc, which keeps its precision far into the left tail (1 + erf does not)."""
    x = -z / _SQRT2
    try:
        from scipy.special import erfc  # scipy comes with scikit-learn
    except ImportError:  # pragma: no cover - a slow but exact fallback
        return 0.5 * np.vectorize(math.erfc, otypes=[z.dtype])(x)
    return (0.5 * erfc(x)).astype(z.dtype, copy=False)


_SQRT2 = math.sqrt(2.0)
_SQRT_2_OVER_PI = math.sqrt(2.0 / math.pi)


def _gelu(z: Any, approximate: bool = False) -> Array:
    z = _float(z)
    if approximate:
        return 0.5 * z * (1 + np.tanh(_SQRT_2_OVER_PI * (z + 0.044715 * z**3)))
    return z * _normal_cdf(z)


def _d_gelu(z: Any, approximate: bool = False) -> Array:
    z = _float(z)
    if approximate:
        u = _SQRT_2_OVER_PI * (z + 0.044715 * z**3)
        t = np.tanh(u)
        du = _SQRT_2_OVER_PI * (1 + 3 * 0.044715 * z * z)
        return 0.5 * (1 + t) + 0.5 * z * (1 - t * t) * du
    pdf = np.exp(-0.5 * z * z) / math.sqrt(2 * math.pi)  # Φ'(z)
    return _normal_cdf(z) + z * pdf


def softmax(z: Any, axis: int = -1) -> Array:
    """exp(z) / Σ exp(z_j) along axis, shifted by the max so exp never overflows."""
    z = _float(z)
    e = np.exp(z - np.max(z, axis=axis, keepdims=True))
    return e / np.sum(e, axis=axis, keepdims=True)


def _d_softmax(z: Any, axis: int = -1) -> Array:
    s = softmax(z, axis)
    return s * (1 - s)  # the Jacobian's diagonal ∂s_i/∂z_i; use vjp/jacobian for the rest


def softmax_jacobian(z: Any) -> Array:
    """∂s_i/∂z_j = s_i(δ_ij - s_j) for the last axis: shape (..., n, n)."""
    s = softmax(z)
    return s[..., :, None] * (np.eye(s.shape[-1], dtype=s.dtype) - s[..., None, :])


def _vjp_softmax(z: Any, g: Any, axis: int = -1) -> Array:
    # the Jacobian is symmetric, so this is also the Jacobian-vector product J·g
    s = softmax(z, axis)
    g = _float(g)
    return s * (g - np.sum(g * s, axis=axis, keepdims=True))


@dataclass(frozen=True)
class Activation:
    """One activation: f, its derivative, the chain-rule product, formulas, parameters."""

    name: str
    title: str
    f: Callable[..., Array]
    df: Callable[..., Array]  # ∂f/∂z element-wise, evaluated at z (softmax: the diagonal)
    formula: str  # plain text
    dformula: str
    latex: str
    dlatex: str
    params: dict[str, Any] = field(default_factory=dict)  # defaults, e.g. {"alpha": 0.2}
    elementwise: bool = True
    df_from_a: Callable[..., Array] | None = None  # f' written with a = f(z), when it can be
    saturation_note: str = ""
    _vjp: Callable[..., Array] | None = None

    def vjp(self, z: Any, g: Any, **params: Any) -> Array:
        """g · ∂f/∂z: the upstream gradient g pulled back through f (δ = g ⊙ f'(z))."""
        if self._vjp is not None:
            return self._vjp(z, g, **params)
        return _float(g) * self.df(z, **params)


ACTIVATIONS: dict[str, Activation] = {a.name: a for a in (
    Activation("linear", "Identity", _linear, _d_linear, "f(z) = z", "f'(z) = 1",
               r"\sigma(z) = z", r"\sigma'(z) = 1",
               df_from_a=lambda a: np.ones_like(_float(a))),
    Activation("sigmoid", "Sigmoid (logistic)", sigmoid, _d_sigmoid,
               "f(z) = 1 / (1 + e^-z)", "f'(z) = f(z)(1 - f(z)) = a(1 - a)",
               r"\sigma(z) = \frac{1}{1 + e^{-z}}", r"\sigma'(z) = \sigma(z)(1 - \sigma(z))",
               df_from_a=grad_sigmoid,
               saturation_note="flat for large |z|: gradients vanish"),
    Activation("tanh", "Hyperbolic tangent", _tanh, _d_tanh,
               "f(z) = (e^z - e^-z) / (e^z + e^-z)", "f'(z) = 1 - f(z)² = 1 - a²",
               r"\tanh(z) = \frac{e^z - e^{-z}}{e^z + e^{-z}}", r"\tanh'(z) = 1 - \tanh^2(z)",
               df_from_a=lambda a: 1 - _float(a) ** 2,
               saturation_note="flat for large |z|: gradients vanish"),
    Activation("relu", "ReLU", _relu, _d_relu, "f(z) = max(0, z)",
               "f'(z) = 1 if z > 0 else 0", r"\mathrm{ReLU}(z) = \max(0, z)",
               r"\mathrm{ReLU}'(z) = \begin{cases}1 & z > 0\\ 0 & \text{otherwise}\end{cases}",
               df_from_a=lambda a: (_float(a) > 0).astype(_float(a).dtype),
               saturation_note="z < 0: zero gradient, a 'dead' unit"),
    Activation("leaky_relu", "Leaky ReLU", _leaky_relu, _d_leaky_relu,
               "f(z) = z if z > 0 else αz", "f'(z) = 1 if z > 0 else α",
               r"f(z) = \max(\alpha z, z)",
               r"f'(z) = \begin{cases}1 & z > 0\\ \alpha & \text{otherwise}\end{cases}",
               params={"alpha": 0.2},
               df_from_a=lambda a, alpha=0.2: np.where(_float(a) > 0, 1.0, alpha),
               saturation_note="z < 0: only the small slope α passes"),
    Activation("softmax", "Softmax", softmax, _d_softmax,
               "f(z)_i = exp(z_i) / Σ_j exp(z_j)", "∂f_i/∂z_j = f_i (δ_ij - f_j)",
               r"\sigma(z)_i = \frac{e^{z_i}}{\sum_j e^{z_j}}",
               r"\frac{\partial \sigma_i}{\partial z_j} = \sigma_i(\delta_{ij} - \sigma_j)",
               elementwise=False, _vjp=_vjp_softmax,
               saturation_note="one z far above the rest: all outputs stop moving"),
    Activation("elu", "ELU", _elu, _d_elu, "f(z) = z if z > 0 else α(e^z - 1)",
               "f'(z) = 1 if z > 0 else αe^z = f(z) + α",
               r"f(z) = \begin{cases}z & z > 0\\ \alpha(e^z - 1) & \text{otherwise}\end{cases}",
               r"f'(z) = \begin{cases}1 & z > 0\\ \alpha e^z & \text{otherwise}\end{cases}",
               params={"alpha": 1.0},
               df_from_a=lambda a, alpha=1.0: np.where(_float(a) > 0, 1.0, _float(a) + alpha),
               saturation_note="very negative z: output stays near -α, gradient near 0"),
    Activation("gelu", "GELU", _gelu, _d_gelu, "f(z) = z·Φ(z),  Φ = normal CDF",
               "f'(z) = Φ(z) + z·φ(z)", r"\mathrm{GELU}(z) = z\,\Phi(z)",
               r"\mathrm{GELU}'(z) = \Phi(z) + z\,\varphi(z)",
               params={"approximate": False},
               saturation_note="very negative z: output and gradient near 0"),
)}
ACTIVATION_ALIASES = {"identity": "linear", "logistic": "sigmoid", "none": "linear"}


def activation(name: str) -> Activation:
    """The activation for a catalog name or alias ('identity', 'logistic'); KeyError if none."""
    key = name.strip().lower()
    return ACTIVATIONS[ACTIVATION_ALIASES.get(key, key)]


def saturation_ranges(name: str, lo: float = -6.0, hi: float = 6.0,
                      fraction: float = SATURATION_FRACTION,
                      **params: Any) -> list[tuple[float, float]]:
    """Intervals of [lo, hi] where |f'(z)| < fraction · max |f'| (the flat, slow-learning parts).

    Softmax is taken on the 2-vector (z, 0). Returned ends are grid points (step (hi-lo)/2000).
    """
    act = activation(name)
    z = np.linspace(lo, hi, 2001)
    if act.name == "softmax":
        d = np.abs(act.df(np.stack([z, np.zeros_like(z)], axis=-1), **params)[:, 0])
    else:
        d = np.abs(act.df(z, **params))
    flat = d < fraction * d.max()
    out: list[tuple[float, float]] = []
    start = None
    for i, f in enumerate(flat):
        if f and start is None:
            start = z[i]
        if start is not None and (not f or i == len(z) - 1):
            out.append((float(start), float(z[i] if f else z[i - 1])))
            start = None
    return out


# --------------------------------------------------------------------------- losses
def _clip(p: Array) -> Array:
    return np.clip(p, EPSILON, 1 - EPSILON)


def _inside(p: Array) -> Array:
    return ((p >= EPSILON) & (p <= 1 - EPSILON)).astype(p.dtype)  # clipping kills the gradient


def _hinge_labels(y: Array) -> Array:
    # Keras maps 0/1 labels to -1/+1 and leaves -1/+1 labels alone
    return 2 * y - 1 if np.all((y == 0) | (y == 1)) else y


def _sparse_onehot(y: Array, p: Array) -> Array:
    labels = np.asarray(y).reshape(p.shape[:-1]).astype(int)
    return np.eye(p.shape[-1], dtype=p.dtype)[labels]


# each: (per-sample loss over the last axis, its gradient with respect to p for that sample)
def _sse(y, p):
    return np.sum((y - p) ** 2, -1), 2 * (p - y)


def _mse(y, p):
    n = p.shape[-1]
    return np.mean((y - p) ** 2, -1), 2 * (p - y) / n


def _mae(y, p):
    n = p.shape[-1]
    return np.mean(np.abs(y - p), -1), np.sign(p - y) / n


def _bce(y, p):
    n = p.shape[-1]
    q = _clip(p)
    per = -np.mean(y * np.log(q) + (1 - y) * np.log(1 - q), -1)
    return per, _inside(p) * (q - y) / (q * (1 - q)) / n


def _cce(y, p):
    total = np.sum(p, -1, keepdims=True)  # Keras renormalises the prediction first
    q = p / total
    inside = ((q >= EPSILON) & (q <= 1 - EPSILON)).astype(p.dtype)
    per = -np.sum(y * np.log(np.clip(q, EPSILON, 1 - EPSILON)), -1)
    g = inside * y / np.where(inside > 0, q, 1)
    grad = (-g + np.sum(g * q, -1, keepdims=True)) / total  # through q = p / Σp
    return per, grad


def _scce(y, p):
    return _cce(_sparse_onehot(y, p), p)


def _kl(y, p):
    yc = np.clip(y, EPSILON, 1)
    pc = np.clip(p, EPSILON, 1)
    inside = ((p >= EPSILON) & (p <= 1)).astype(p.dtype)
    return np.sum(yc * np.log(yc / pc), -1), -inside * yc / pc


def _hinge(y, p):
    n = p.shape[-1]
    t = _hinge_labels(y)
    margin = 1 - t * p
    return np.mean(np.maximum(margin, 0), -1), -(margin > 0).astype(p.dtype) * t / n


@dataclass(frozen=True)
class Loss:
    """One loss: value and gradient with respect to the prediction, formulas, reduction."""

    name: str
    title: str
    _fn: Callable[[Array, Array], tuple[Array, Array]]
    formula: str
    dformula: str
    latex: str
    reduction: str = "mean"  # over the batch: "mean" like Keras, "sum" for SSE (the course)

    def _prepare(self, y: Any, p: Any) -> tuple[Array, Array]:
        p = _float(p)
        p = p.reshape(1, -1) if p.ndim <= 1 else p
        y = _float(y).astype(p.dtype, copy=False)
        if self.name != "sparse_categorical_crossentropy" and y.shape != p.shape:
            y = np.broadcast_to(y.reshape(p.shape) if y.size == p.size else y, p.shape)
        return y, p

    def per_sample(self, y: Any, p: Any) -> Array:
        """The loss of each sample (rows of p), reduced over the last axis as Keras does."""
        return self._fn(*self._prepare(y, p))[0]

    def grad_per_sample(self, y: Any, p: Any) -> Array:
        """∂ per_sample[i] / ∂ p[i]: the gradient of each sample's loss, shaped like p."""
        return self._fn(*self._prepare(y, p))[1]

    def value(self, y: Any, p: Any) -> float:
        """The batch loss: per-sample losses summed (SSE) or averaged (the rest)."""
        per = self.per_sample(y, p)
        return float(np.sum(per) if self.reduction == "sum" else np.mean(per))

    def grad(self, y: Any, p: Any) -> Array:
        """∂ value / ∂ p, shaped like p (rows of a 1-D p count as one sample)."""
        shape = np.shape(p)
        g = self.grad_per_sample(y, p)
        if self.reduction == "mean":
            g = g / g.shape[0]
        return g.reshape(shape) if len(shape) >= 1 else g.reshape(())


LOSSES: dict[str, Loss] = {x.name: x for x in (
    Loss("sse", "Sum of squared errors", _sse, "L = Σ (y - ŷ)²", "∂L/∂ŷ = 2(ŷ - y)",
         r"SSE = \sum_i (y_i - \hat y_i)^2", reduction="sum"),
    Loss("mse", "Mean squared error", _mse, "L = (1/n) Σ (y - ŷ)²", "∂L/∂ŷ = 2(ŷ - y)/n",
         r"MSE = \frac{1}{n}\sum_i (y_i - \hat y_i)^2"),
    Loss("mae", "Mean absolute error", _mae, "L = (1/n) Σ |y - ŷ|", "∂L/∂ŷ = sign(ŷ - y)/n",
         r"MAE = \frac{1}{n}\sum_i |y_i - \hat y_i|"),
    Loss("binary_crossentropy", "Binary cross-entropy", _bce,
         "L = -(y log ŷ + (1 - y) log(1 - ŷ))", "∂L/∂ŷ = (ŷ - y) / (ŷ(1 - ŷ))",
         r"BCE = -\left(y \log \hat y + (1 - y)\log(1 - \hat y)\right)"),
    Loss("categorical_crossentropy", "Categorical cross-entropy", _cce,
         "L = -Σ y_i log ŷ_i", "∂L/∂ŷ_i = -y_i / ŷ_i (+ 1 when ŷ is renormalised)",
         r"CCE = -\sum_i y_i \log \hat y_i"),
    Loss("sparse_categorical_crossentropy", "Categorical cross-entropy (integer labels)",
         _scce, "L = -log ŷ_label", "∂L/∂ŷ_label = -1 / ŷ_label (+ 1 renormalised)",
         r"-\log \hat y_{k}"),
    Loss("kl_divergence", "Kullback-Leibler divergence", _kl, "L = Σ y_i log(y_i / ŷ_i)",
         "∂L/∂ŷ_i = -y_i / ŷ_i", r"D_{KL}(y \| \hat y) = \sum_i y_i \log \frac{y_i}{\hat y_i}"),
    Loss("hinge", "Hinge", _hinge, "L = (1/n) Σ max(0, 1 - t·ŷ),  t = ±1",
         "∂L/∂ŷ = -t/n where t·ŷ < 1, else 0", r"\frac{1}{n}\sum_i \max(0, 1 - t_i \hat y_i)"),
)}
