"""The seed networks of the course material, each with its dataset and training settings."""

from __future__ import annotations

from dataclasses import dataclass

from nngui.core.network.spec import LayerSpec, NetworkSpec, SpecError, TrainConfig


@dataclass(frozen=True)
class Preset:
    name: str
    title: str
    description: str
    dataset: str  # a datasets name; "file" means the user must supply the data
    network: dict
    train: dict

    def spec(self) -> NetworkSpec:
        """A fresh, editable copy of the preset's network."""
        return NetworkSpec.from_dict(self.network)

    def train_config(self) -> TrainConfig:
        return TrainConfig.from_dict(self.train)


def _net(name: str, input_shape: tuple[int, ...], layers: list[LayerSpec], loss: str,
         optimizer: str = "adam", lr: float | None = None, **extra) -> dict:
    return NetworkSpec(input_shape, layers, loss, optimizer, lr, name=name, **extra).to_dict()


def _dense(units: int, activation: str = "relu", **kw) -> LayerSpec:
    return LayerSpec("Dense", {"units": units, "activation": activation, **kw})


_PRESETS = [
    Preset(
        "xor-3-4-1", "XOR 3-4-1 (sigmoid, SSE)",
        "The course's toy net: 3 inputs (x1, x2 and a constant 1), 4 sigmoid hidden units, "
        "1 sigmoid output, sum of squared errors, full-batch gradient descent (with momentum).",
        "xor",
        _net("xor_3_4_1", (3,), [_dense(4, "sigmoid"), _dense(1, "sigmoid")],
             "sse", "sgd", 1.0, optimizer_params={"momentum": 0.9}),
        {"epochs": 150, "batch_size": 4, "validation_split": 0.0},
    ),
    Preset(
        "xor-2-2-1", "XOR 2-2-1 (sigmoid, SSE; the hidden space drawn as it is)",
        "XOR on its two inputs x1, x2: two sigmoid hidden units, one sigmoid output, SSE, "
        "full-batch gradient descent. With 2 hidden units the Watch tab draws the hidden space "
        "itself, and the output unit's line in it: there XOR is separable by one line. Reaches "
        "SSE < 0.05 with the default seed; some other seeds stall at 50 % (a local minimum).",
        "xor2",
        _net("xor_2_2_1", (2,), [_dense(2, "sigmoid"), _dense(1, "sigmoid")], "sse", "sgd", 1.0),
        {"epochs": 500, "batch_size": 4, "validation_split": 0.0},
    ),
    Preset(
        "xor-2-4-1", "XOR 2-4-1 (sigmoid, SSE)",
        "The course's toy net on XOR's two inputs (each Dense unit has its own bias, so no "
        "constant-1 column): 4 sigmoid hidden units, 1 sigmoid output, SSE, gradient descent "
        "with momentum. Its boundary shows on the Watch and Evaluate tabs.",
        "xor2",
        _net("xor_2_4_1", (2,), [_dense(4, "sigmoid"), _dense(1, "sigmoid")],
             "sse", "sgd", 1.0, optimizer_params={"momentum": 0.9}),
        {"epochs": 150, "batch_size": 4, "validation_split": 0.0},
    ),
    Preset(
        "perceptron-xor", "Perceptron on XOR (no hidden layer)",
        "One sigmoid unit draws one straight line, and no line separates XOR: it stays at "
        "50-75 % however long it trains.",
        "xor2",
        _net("perceptron_xor", (2,), [_dense(1, "sigmoid")], "binary_crossentropy", "adam", 0.1),
        {"epochs": 200, "batch_size": 4, "validation_split": 0.0},
    ),
    Preset(
        "perceptron-xor-x1x2", "Perceptron on XOR with the input x1·x2",
        "The same single unit with x1·x2 as a third input: XOR = x1 + x2 - 2·x1·x2 is a "
        "straight line in (x1, x2, x1·x2), so it reaches 100 %.",
        "xor2",
        _net("perceptron_xor_x1x2", (2,), [_dense(1, "sigmoid")], "binary_crossentropy",
             "adam", 0.1, features=["x1*x2"]),
        {"epochs": 200, "batch_size": 4, "validation_split": 0.0},
    ),
    Preset(
        "mnist-784-20-10", "MNIST 784-20-10 (relu, softmax)",
        "A small MLP on flattened 28×28 digits: 15,910 parameters, ~95% after a few epochs.",
        "mnist",
        _net("mnist_784_20_10", (784,), [_dense(20), _dense(10, "softmax")],
             "categorical_crossentropy"),
        {"epochs": 5, "batch_size": 32},
    ),
    Preset(
        "mnist-mlp-512", "MNIST 784-512-512-10 with Dropout 0.2",
        "The classic Keras MNIST MLP: two 512-unit relu layers with dropout; ~98.2% test "
        "accuracy after 10 epochs.",
        "mnist",
        _net("mnist_mlp_512", (784,), [_dense(512), LayerSpec("Dropout", {"rate": 0.2}),
                                       _dense(512), LayerSpec("Dropout", {"rate": 0.2}),
                                       _dense(10, "softmax")], "categorical_crossentropy"),
        {"epochs": 10, "batch_size": 128},
    ),
    Preset(
        "mnist-flatten-128-64", "MNIST Flatten(28×28)-128-64-10",
        "Reads the 28×28 image directly: Flatten, then 128 and 64 relu units.",
        "mnist",
        _net("mnist_flatten_128_64", (28, 28), [LayerSpec("Flatten"), _dense(128), _dense(64),
                                                _dense(10, "softmax")],
             "sparse_categorical_crossentropy"),
        {"epochs": 5, "batch_size": 32},
    ),
    Preset(
        "mnist-softmax-784-10", "MNIST single-layer softmax 784-10",
        "Multinomial logistic regression: one Dense softmax layer, 7,850 parameters (~92%).",
        "mnist",
        _net("mnist_softmax", (784,), [_dense(10, "softmax")], "categorical_crossentropy"),
        {"epochs": 5, "batch_size": 128},
    ),
    Preset(
        "mnist-cnn", "MNIST small CNN",
        "Two convolution + pooling stages and a dropout classifier (34,826 parameters, ~99%).",
        "mnist",
        _net("mnist_cnn", (28, 28), [
            LayerSpec("Reshape", {"target_shape": (28, 28, 1)}),
            LayerSpec("Conv2D", {"filters": 32, "kernel_size": 3}),
            LayerSpec("MaxPooling2D", {"pool_size": 2}),
            LayerSpec("Conv2D", {"filters": 64, "kernel_size": 3}),
            LayerSpec("MaxPooling2D", {"pool_size": 2}),
            LayerSpec("Flatten"),
            LayerSpec("Dropout", {"rate": 0.5}),
            _dense(10, "softmax"),
        ], "sparse_categorical_crossentropy"),
        {"epochs": 3, "batch_size": 128},
    ),
    Preset(
        "perceptron-2d", "Perceptron / logistic regression (2-D)",
        "One sigmoid unit draws one straight line: it separates the blobs, never the moons.",
        "blobs",
        _net("perceptron_2d", (2,), [_dense(1, "sigmoid")], "binary_crossentropy", "sgd", 0.1),
        {"epochs": 30, "batch_size": 16},
    ),
    Preset(
        "perceptron-lifted", "Perceptron with inputs x1², x2² on circles",
        "The course's lift φ: with x1² and x2² as extra inputs one sigmoid unit draws a circle.",
        "circles",
        _net("perceptron_lifted", (2,), [_dense(1, "sigmoid")], "binary_crossentropy", "adam",
             0.1, features=["x1^2", "x2^2"]),
        {"epochs": 30, "batch_size": 16},
    ),
    Preset(
        "mlp-2-2-2", "MLP 2-2-2 on two moons",
        "Two hidden units bend the boundary only a little: with the default seed it ends near "
        "85 % test accuracy, about where a straight line gets. That is the point: two units "
        "are too few for the moons (compare MLP 2-8-2).",
        "moons",
        _net("mlp_2_2_2", (2,), [_dense(2, "tanh"), _dense(2, "softmax")],
             "sparse_categorical_crossentropy", "adam", 0.05),
        {"epochs": 60, "batch_size": 16},
    ),
    Preset(
        "mlp-2-8-2", "MLP 2-8-2 on two moons",
        "Eight hidden units bend the boundary around both moons: about 96 % test accuracy with "
        "the default seed, where a straight line (the perceptron) stays near 85 %.",
        "moons",
        _net("mlp_2_8_2", (2,), [_dense(8, "tanh"), _dense(2, "softmax")],
             "sparse_categorical_crossentropy", "adam", 0.05),
        {"epochs": 60, "batch_size": 16},
    ),
    Preset(
        "mlp-2-4-2", "MLP 2-4-2 on circles",
        "Four hidden units are enough to wrap a boundary around the inner circle.",
        "circles",
        _net("mlp_2_4_2", (2,), [_dense(4, "tanh"), _dense(2, "softmax")],
             "sparse_categorical_crossentropy", "adam", 0.05),
        {"epochs": 60, "batch_size": 16},
    ),
    Preset(
        "regression-1-32-32-1", "Regression curve 1-32-32-1",
        "Fits a noisy 1-D curve with two tanh layers and a linear output (MSE).",
        "regression",
        _net("regression_mlp", (1,), [_dense(32, "tanh"), _dense(32, "tanh"),
                                      _dense(1, "linear")], "mse", "adam", 0.01,
             kind="regressor"),
        {"epochs": 100, "batch_size": 32},
    ),
    Preset(
        "cifar-3072-3000-2000-10", "CIFAR-style 3072-3000-2000-10 (sigmoid)",
        "The course's large sigmoid MLP for 32×32×3 images (15,241,010 parameters): pick "
        "CIFAR-10 under Data (downloaded once, 163 MB) or load its file.",
        "cifar10",
        _net("cifar_mlp", (3072,), [_dense(3000, "sigmoid"), _dense(2000, "sigmoid"),
                                    _dense(10, "softmax")], "categorical_crossentropy",
             "sgd", 0.01),
        {"epochs": 10, "batch_size": 128},
    ),
]

def _autoencoder_presets() -> list[Preset]:
    from nngui.core.model.autoencoder import AUTOENCODER_PRESETS

    return [Preset(d["name"], d["title"], d["description"], d["dataset"], d["network"], d["train"])
            for d in AUTOENCODER_PRESETS]


PRESETS: dict[str, Preset] = {p.name: p for p in [*_PRESETS, *_autoencoder_presets()]}


def preset_names() -> list[str]:
    return list(PRESETS)


def get_preset(name: str) -> Preset:
    """Look a preset up by name; a SpecError lists the valid names."""
    try:
        return PRESETS[name]
    except KeyError:
        raise SpecError(f"Unknown preset {name!r}; choose one of: "
                        f"{', '.join(PRESETS)}.") from None
