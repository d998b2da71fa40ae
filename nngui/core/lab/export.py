"""The lab's network as a standalone NumPy script in the course's ``nn_toy`` style.

The script does the lab's arithmetic in the lab's order (forward: x·W then f; backward: the δ
recursion with f' taken from the activations; update W -= lr·∂L/∂W), from the same seed, so it
prints the probabilities the lab shows after the same number of iterations.
"""

from __future__ import annotations

from nngui.core.lab.backprop import LabConfig, dataset
from nngui.core.platform.codegen import literal

_ACT_SOURCE = {
    "sigmoid": ("def act_sigmoid(z):\n    return 1 / (1 + np.exp(-z))\n\n\n"
                "def grad_sigmoid(a):\n    # the derivative written with the output a = σ(z)\n"
                "    return a * (1 - a)\n"),
    "tanh": ("def act_tanh(z):\n    return np.tanh(z)\n\n\n"
             "def grad_tanh(a):\n    return 1 - a**2\n"),
    "relu": ("def act_relu(z):\n    return np.maximum(z, 0)\n\n\n"
             "def grad_relu(a):\n    return (a > 0).astype(float)\n"),
    "leaky_relu": ("ALPHA = {alpha}\n\n\ndef act_leaky_relu(z):\n"
                   "    return np.where(z > 0, z, ALPHA * z)\n\n\n"
                   "def grad_leaky_relu(a):\n    return np.where(a > 0, 1.0, ALPHA)\n"),
    "linear": ("def act_linear(z):\n    return z\n\n\n"
               "def grad_linear(a):\n    return np.ones_like(a)\n"),
}

_LOSS_SOURCE = {
    "sse": ("def sse(y, output):\n    return np.sum(np.power(y - output, 2))\n\n\n"
            "def grad_sse(y, output):\n    # dSSE/d output\n    return 2 * (output - y)\n"),
    "mse": ("def mse(y, output):\n    return np.mean(np.power(y - output, 2))\n\n\n"
            "def grad_mse(y, output):\n    return 2 * (output - y) / y.size\n"),
    "mae": ("def mae(y, output):\n    return np.mean(np.abs(y - output))\n\n\n"
            "def grad_mae(y, output):\n    return np.sign(output - y) / y.size\n"),
    "binary_crossentropy": (
        "EPS = 1e-7\n\n\ndef binary_crossentropy(y, output):\n"
        "    p = np.clip(output, EPS, 1 - EPS)\n"
        "    return -np.mean(y * np.log(p) + (1 - y) * np.log(1 - p))\n\n\n"
        "def grad_binary_crossentropy(y, output):\n"
        "    p = np.clip(output, EPS, 1 - EPS)\n"
        "    inside = (output >= EPS) & (output <= 1 - EPS)  # clipping stops the gradient\n"
        "    return inside * (p - y) / (p * (1 - p)) / y.size\n"),
}


def _rows(a) -> str:
    return "[" + ", ".join("[" + ", ".join(f"{int(v)}" for v in row) + "]" for row in a) + "]"


def export_script(config: LabConfig, iterations: int = 1500) -> str:
    """A runnable Python script that trains the configured net for ``iterations`` steps."""
    x, y = dataset(config)
    hidden = config.activation
    acts = ["sigmoid"] if not config.hidden else list(dict.fromkeys([hidden, "sigmoid"]))
    defs = "\n\n".join(_ACT_SOURCE[a].format(alpha=literal(float(config.alpha))) for a in acts)
    wrong = "self.Z_out" if config.wrong_grad else "self.output"
    wrong_h = "self.Z_hidden" if config.wrong_grad and hidden == "sigmoid" else "self.H"
    loss = config.loss
    if config.hidden:
        init = (f"        self.alphas = np.random.rand(self.x.shape[1], {config.hidden})\n"
                f"        self.betas = np.random.rand({config.hidden}, 1)\n")
        fwd = (f"        self.Z_hidden = np.dot(self.x, self.alphas)\n"
               f"        self.H = act_{hidden}(self.Z_hidden)\n"
               "        self.Z_out = np.dot(self.H, self.betas)\n"
               "        self.output = act_sigmoid(self.Z_out)\n")
        bwd = (f"        delta_out = grad_{loss}(self.y, self.output) * grad_sigmoid({wrong})\n"
               f"        delta_hidden = np.dot(delta_out, self.betas.T) * grad_{hidden}({wrong_h})\n"
               "        grad_betas = np.dot(self.H.T, delta_out)\n"
               "        grad_alphas = np.dot(self.x.T, delta_hidden)\n"
               "        self.alphas -= self.lr * grad_alphas\n"
               "        self.betas -= self.lr * grad_betas\n")
        shape = f"{x.shape[1]} inputs -> {config.hidden} {hidden} -> 1 sigmoid"
    else:
        init = "        self.betas = np.random.rand(self.x.shape[1], 1)\n"
        fwd = ("        self.Z_out = np.dot(self.x, self.betas)\n"
               "        self.output = act_sigmoid(self.Z_out)\n")
        bwd = (f"        delta_out = grad_{loss}(self.y, self.output) * grad_sigmoid({wrong})\n"
               "        grad_betas = np.dot(self.x.T, delta_out)\n"
               "        self.betas -= self.lr * grad_betas\n")
        shape = f"{x.shape[1]} inputs -> 1 sigmoid (a perceptron: no hidden layer)"
    every = max(1, iterations // 10)
    bias_note = " (x3 is the constant-1 bias column)" if config.bias else " (no bias column)"
    wrong_note = ("\n# NOTE: grad_sigmoid is given z instead of a = sigmoid(z) on purpose: the lab's"
                  "\n# 'wrong grad_sigmoid' toggle. Watch it fail to learn.\n"
                  if config.wrong_grad else "")
    return f'''"""{config.table.upper()} learned by hand-written backpropagation (exported from nngui's lab).

Network: {shape}; loss {loss}; learning rate {literal(config.lr)};
weights uniform in [0, 1) from seed {config.seed}; {iterations} iterations.
"""
import numpy as np
{wrong_note}
# inputs x1, x2{bias_note}; the truth table's answers y
x = np.array({_rows(x)})
y = np.array({_rows(y)})


{defs}

{_LOSS_SOURCE[loss]}

class nn_toy:
    def __init__(self, x, y, lr):
        self.x = x
        self.y = y
        self.lr = lr
        np.random.seed({config.seed})
{init}        self.output = np.zeros(self.y.shape)

    def forward_process(self):
{fwd}
    def backprop_process(self):
{bwd}

my_data = nn_toy(x, y, lr={config.lr!r})
for i in range({iterations}):
    my_data.forward_process()
    my_data.backprop_process()
    if (i + 1) % {every} == 0:
        print("iteration", i + 1, "{loss.upper()}:", {loss}(y, my_data.output))

print("_____")
print("+      predicted      +")
print("_____")
print(my_data.output)
print("probabilities:", [float(p) for p in my_data.output.ravel()])
'''
