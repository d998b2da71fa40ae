"""The backprop lab's network: the course's ``nn_toy`` XOR net, trained by hand-written backprop.

Inputs x1, x2 and (optionally) a constant-1 bias column, one hidden layer (or none: the
perceptron), one sigmoid output; weights uniform in [0, 1) from ``np.random.RandomState(seed)``
exactly as ``np.random.seed(seed); np.random.rand(...)`` draws them; full-batch gradient descent.
Every pass is recorded (z, a per layer; δ, ∂L/∂W and the update per layer) so the GUI can show
the numbers of one step. Derivatives are taken from the activations a, as the course's
``grad_sigmoid(a) = a(1 - a)`` does.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

import numpy as np

from nngui.core.layers.functions import ACTIVATIONS, LOSSES, grad_sigmoid

TRUTH_TABLES: dict[str, tuple[int, int, int, int]] = {
    "xor": (0, 1, 1, 0), "and": (0, 0, 0, 1), "or": (0, 1, 1, 1), "xnor": (1, 0, 0, 1),
}
INPUT_ROWS = ((0, 0), (0, 1), (1, 0), (1, 1))
LAB_ACTIVATIONS = ("sigmoid", "tanh", "relu", "leaky_relu", "linear")
LAB_LOSSES = ("sse", "mse", "binary_crossentropy", "mae")
MAX_HIDDEN = 16


class LabError(ValueError):
    """A lab setting out of range: the message says which and why."""


@dataclass(frozen=True)
class LabConfig:
    """Everything that defines a lab run; the defaults are the course's XOR network."""

    table: str = "xor"
    hidden: int = 4  # 0: no hidden layer, the perceptron
    activation: str = "sigmoid"  # of the hidden layer; the output is always sigmoid
    loss: str = "sse"
    bias: bool = True  # the constant-1 input column
    lr: float = 1.0  # the course adds the gradient as it is: learning rate 1
    seed: int = 0
    alpha: float = 0.2  # leaky ReLU slope
    wrong_grad: bool = False  # grad_sigmoid(z) instead of grad_sigmoid(a): the classic slip

    def __post_init__(self) -> None:
        if self.table not in TRUTH_TABLES:
            raise LabError(f"Unknown truth table {self.table!r}; choose from "
                           f"{', '.join(TRUTH_TABLES)}.")
        if not 0 <= self.hidden <= MAX_HIDDEN:
            raise LabError(f"Hidden width must be 0 (perceptron) to {MAX_HIDDEN}, "
                           f"not {self.hidden}.")
        if self.activation not in LAB_ACTIVATIONS:
            raise LabError(f"Hidden activation must be one of {', '.join(LAB_ACTIVATIONS)}, "
                           f"not {self.activation!r}.")
        if self.loss not in LAB_LOSSES:
            raise LabError(f"Loss must be one of {', '.join(LAB_LOSSES)}, not {self.loss!r}.")
        if not (np.isfinite(self.lr) and 0 < self.lr <= 100):
            raise LabError(f"Learning rate must be above 0 and at most 100, not {self.lr}.")
        if not 0 <= self.seed < 2**32:
            raise LabError(f"Seed must be between 0 and 2**32 - 1, not {self.seed}.")
        if not 0 <= self.alpha <= 1:
            raise LabError(f"Leaky ReLU α must be between 0 and 1, not {self.alpha}.")

    @property
    def activations(self) -> tuple[str, ...]:
        """Activation of each weight layer, input side first."""
        return (self.activation, "sigmoid") if self.hidden else ("sigmoid",)

    def act_params(self, name: str) -> dict[str, float]:
        return {"alpha": self.alpha} if name == "leaky_relu" else {}


def dataset(config: LabConfig) -> tuple[np.ndarray, np.ndarray]:
    """The truth table as the course writes it: x (4, 3) with the bias column last, y (4, 1)."""
    x = np.array(INPUT_ROWS, dtype=np.float64)
    if config.bias:
        x = np.hstack([x, np.ones((4, 1))])
    y = np.array(TRUTH_TABLES[config.table], dtype=np.float64).reshape(4, 1)
    return x, y


def initial_weights(config: LabConfig) -> list[np.ndarray]:
    """Uniform [0, 1) weights, drawn in the order the course's ``nn_toy.__init__`` draws them."""
    rng = np.random.RandomState(config.seed)
    n_in = 3 if config.bias else 2
    sizes = [n_in, config.hidden, 1] if config.hidden else [n_in, 1]
    return [rng.rand(a, b) for a, b in zip(sizes[:-1], sizes[1:], strict=True)]


@dataclass
class ForwardRecord:
    """What one hand-written forward pass computed, kept for the lab's tables and formulas.

    z[l] = a[l] W[l] and a[l+1] = f(z[l]); a[0] is the input x. (The NumPy engine that runs
    trained Keras layers is another thing: ``nngui.core.model.forward.ForwardPass``.)
    """

    z: list[np.ndarray]
    a: list[np.ndarray]
    loss: float
    sse: float

    @property
    def output(self) -> np.ndarray:
        return self.a[-1]


@dataclass
class BackwardRecord:
    """What one hand-written backward pass computed.

    δ[l] = ∂L/∂z[l], grads[l] = ∂L/∂W[l] = a[l]ᵀ δ[l], updates[l] = -lr · grads[l].
    """

    dloss: np.ndarray  # ∂L/∂ŷ
    dact: list[np.ndarray]  # f'(z[l]) as used (wrong when the toggle is on)
    delta: list[np.ndarray]
    grads: list[np.ndarray]
    updates: list[np.ndarray]


def derivative(config: LabConfig, name: str, z: np.ndarray, a: np.ndarray) -> np.ndarray:
    """f'(z) from the output a as the course computes it; with wrong_grad, sigmoid gets z."""
    if name == "sigmoid":
        return grad_sigmoid(z if config.wrong_grad else a)
    return ACTIVATIONS[name].df_from_a(a, **config.act_params(name))


def forward(config: LabConfig, x: np.ndarray, y: np.ndarray,
            weights: list[np.ndarray]) -> ForwardRecord:
    """One forward pass over the four rows."""
    zs, acts = [], [x]
    for w, name in zip(weights, config.activations, strict=True):
        z = acts[-1] @ w
        zs.append(z)
        acts.append(ACTIVATIONS[name].f(z, **config.act_params(name)))
    out = acts[-1]
    loss = LOSSES[config.loss].value(y, out)
    sse = loss if config.loss == "sse" else LOSSES["sse"].value(y, out)
    return ForwardRecord(zs, acts, loss, sse)


def backward(config: LabConfig, y: np.ndarray, weights: list[np.ndarray],
             fw: ForwardRecord) -> BackwardRecord:
    """The δ recursion: δ_out = ∂L/∂ŷ ⊙ f'(z_out), δ_l = (δ_(l+1) W_(l+1)ᵀ) ⊙ f'(z_l)."""
    dloss = LOSSES[config.loss].grad(y, fw.output)
    n = len(weights)
    dact: list[np.ndarray] = [np.empty(0)] * n
    delta: list[np.ndarray] = [np.empty(0)] * n
    upstream = dloss
    for layer in range(n - 1, -1, -1):
        name = config.activations[layer]
        dact[layer] = derivative(config, name, fw.z[layer], fw.a[layer + 1])
        delta[layer] = upstream * dact[layer]
        upstream = delta[layer] @ weights[layer].T
    grads = [fw.a[layer].T @ delta[layer] for layer in range(n)]
    return BackwardRecord(dloss, dact, delta, grads, [-config.lr * g for g in grads])


def hand_gradients(config: LabConfig, weights: list[np.ndarray]) -> list[np.ndarray]:
    """∂L/∂W for every layer by the hand-written backward pass, without changing anything."""
    x, y = dataset(config)
    return backward(config, y, weights, forward(config, x, y, weights)).grads


def loss_at(config: LabConfig, weights: list[np.ndarray]) -> float:
    """The loss for the given weights (what finite differences perturb)."""
    x, y = dataset(config)
    return forward(config, x, y, weights).loss


class LabNet:
    """The lab's state: weights, the last forward and backward pass, the loss history."""

    def __init__(self, config: LabConfig | None = None) -> None:
        self.config = config or LabConfig()
        self.reset()

    def reset(self, seed: int | None = None) -> None:
        """Fresh weights from the seed (the config's, or a new one), history cleared."""
        if seed is not None:
            self.config = replace(self.config, seed=seed)
        self.x, self.y = dataset(self.config)
        self.weights = initial_weights(self.config)
        self.iteration = 0
        self.losses: list[float] = []
        self.sses: list[float] = []
        self.last_forward: ForwardRecord | None = None
        self.last_backward: BackwardRecord | None = None

    def configure(self, **changes) -> None:
        """Change settings. Structural ones (table, width, bias, seed) also reset the weights."""
        new = replace(self.config, **changes)
        structural = any(getattr(new, k) != getattr(self.config, k)
                         for k in ("table", "hidden", "bias", "seed"))
        self.config = new
        if structural:
            self.reset()
        else:  # lr, activation, loss, toggle: same weights; the recorded passes no longer apply
            self.last_forward = self.last_backward = None

    @property
    def phase(self) -> str:
        """'forward' when the next step is a forward pass, else 'backward'."""
        return "backward" if self.last_forward is not None and self.last_backward is None \
            else "forward"

    def forward(self) -> ForwardRecord:
        """One forward pass on the current weights; its loss joins the history."""
        fw = forward(self.config, self.x, self.y, self.weights)
        self.last_forward, self.last_backward = fw, None
        self.losses.append(fw.loss)
        self.sses.append(fw.sse)
        return fw

    def backward(self) -> BackwardRecord:
        """Backward pass for the last forward pass, then the update W ← W - lr·∂L/∂W."""
        if self.last_forward is None or self.last_backward is not None:
            self.forward()
        assert self.last_forward is not None
        bw = backward(self.config, self.y, self.weights, self.last_forward)
        for w, u in zip(self.weights, bw.updates, strict=True):
            w += u
        self.last_backward = bw
        self.iteration += 1
        return bw

    def step(self) -> float:
        """One iteration as the course runs it: forward_process then backprop_process."""
        if self.phase == "forward":
            self.forward()
        self.backward()
        return self.losses[-1]

    def iterate(self, n: int) -> float:
        """n iterations; returns the last loss."""
        for _ in range(n):
            self.step()
        return self.losses[-1] if self.losses else float("nan")

    @property
    def outputs(self) -> np.ndarray:
        """The four predicted probabilities of the last forward pass (fresh one if none)."""
        fw = self.last_forward or forward(self.config, self.x, self.y, self.weights)
        return fw.output.ravel().copy()

    def gradients(self) -> list[np.ndarray]:
        """Hand-written ∂L/∂W at the current weights."""
        return hand_gradients(self.config, self.weights)

    def layer_names(self) -> list[str]:
        """'W1 (alphas)', 'W2 (betas)' for the course's two layers; 'W1' for the perceptron."""
        if len(self.weights) == 1:
            return ["W1"]
        return ["W1 (alphas)", "W2 (betas)"]

    def unit_labels(self) -> list[list[str]]:
        """Node labels per layer, input first: x1, x2, 1 | h1..hn | ŷ."""
        first = ["x1", "x2"] + (["1"] if self.config.bias else [])
        hidden = [[f"h{j + 1}" for j in range(self.config.hidden)]] if self.config.hidden else []
        return [first, *hidden, ["ŷ"]]
