"""Dense autoencoders: specs and presets, encoder/decoder views, latent projections, errors.

The bottleneck of ``autoencoder_spec`` is *linear* by default: a relu bottleneck of two units
often loses a unit (dead at zero) and squashes the digits onto the axes, while a linear code
spreads the classes over the whole plane, which is what the 2-D latent plot wants to show.

TensorFlow and scikit-learn are imported lazily (inside functions) like everywhere in core.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np

from nngui.core.model.forward import ForwardPass
from nngui.core.network.shapes import layer_rows
from nngui.core.network.spec import LayerSpec, NetworkSpec, SpecError

ProgressFn = Callable[[int, int], None]
BATCH = 2048
TSNE_MAX_POINTS = 2000
TSNE_ITERATIONS = 750  # sklearn's default is 1000; 750 looks the same and is faster


def autoencoder_spec(encoder: list[int], latent: int, decoder: list[int] | None = None,
                     activation: str = "relu", loss: str = "mse", input_dim: int = 784,
                     noise: float = 0.0, name: str = "autoencoder",
                     latent_activation: str = "linear") -> NetworkSpec:
    """A Sequential dense autoencoder; ``decoder`` None mirrors the encoder widths."""
    if loss not in ("mse", "binary_crossentropy"):
        raise SpecError("An autoencoder's loss is MSE or binary cross-entropy.")
    widths = [int(w) for w in encoder] + [int(latent)]
    widths += [int(w) for w in (list(reversed(encoder)) if decoder is None else decoder)]
    if min(widths) < 1 or int(input_dim) < 1:
        raise SpecError("Every layer of an autoencoder needs at least one unit.")
    if noise < 0:
        raise SpecError("The input noise level cannot be negative.")
    layers: list[LayerSpec] = []
    if noise > 0:
        layers.append(LayerSpec("GaussianNoise", {"stddev": float(noise)}))
    for w in encoder:
        layers.append(LayerSpec("Dense", {"units": int(w), "activation": activation}))
    latent_index = len(layers)
    layers.append(LayerSpec("Dense", {"units": int(latent), "activation": latent_activation}))
    for w in widths[len(encoder) + 1:]:
        layers.append(LayerSpec("Dense", {"units": w, "activation": activation}))
    layers.append(LayerSpec("Dense", {"units": int(input_dim), "activation": "sigmoid"}))
    return NetworkSpec((int(input_dim),), layers, loss, "adam", None, name=name,
                       kind="autoencoder", latent_index=latent_index)


def _preset(name: str, title: str, description: str, spec: NetworkSpec, train: dict) -> dict:
    return {"name": name, "title": title, "description": description, "dataset": "mnist",
            "network": spec.to_dict(), "train": train}


# Adam 1e-3, batch 256, 30 epochs (about a second an epoch on 2 CPU cores): test MSE per
# pixel 0.0078 for the 32-d net (0.0090 after 20 epochs), 0.0084 for the denoising one, 0.038
# for the 2-d one; measured by scripts/train_bundled_autoencoder.py.
AE_TRAIN = {"epochs": 30, "batch_size": 256, "validation_split": 0.1}
AUTOENCODER_PRESETS: list[dict] = [
    _preset("ae-2d", "Autoencoder 784-128-32-8-2-8-32-128-784 (2-D latent)",
            "Squeezes each digit through two numbers: the latent plot shows all 10,000 test "
            "digits as points, and hovering it decodes any point back into a digit "
            "(210,562 parameters).",
            autoencoder_spec([128, 32, 8], 2, name="ae_2d"), dict(AE_TRAIN)),
    _preset("ae-32d", "Autoencoder 784-128-64-32-64-128-784 (32-D latent)",
            "A 32-number code keeps enough detail for sharp reconstructions (test MSE about "
            "0.008 per pixel); the latent plot shows it by PCA or t-SNE (222,384 parameters).",
            autoencoder_spec([128, 64], 32, name="ae_32d"), dict(AE_TRAIN)),
    _preset("ae-denoising", "Denoising autoencoder 784-128-64-32-64-128-784 (noise 0.3)",
            "The 32-D autoencoder trained on noisy inputs (Gaussian noise σ = 0.3, training "
            "only) to rebuild the clean digit: it learns to clean up scribbles.",
            autoencoder_spec([128, 64], 32, noise=0.3, name="ae_denoising"), dict(AE_TRAIN)),
]


def guess_latent_index(spec: NetworkSpec) -> int | None:
    """The bottleneck: the narrowest Dense layer before the last (the first one on ties)."""
    dense = [(lay.params["units"], i) for i, lay in enumerate(spec.layers[:-1])
             if lay.type == "Dense"]
    return min(dense)[1] if dense else None


def as_autoencoder(spec: NetworkSpec) -> NetworkSpec | None:
    """The spec marked as an autoencoder (e.g. one read from a .keras file), or None."""
    rows = layer_rows(spec)
    out = rows[-1].output_shape if rows else None
    if out is None or math.prod(out) != math.prod(spec.input_shape):
        return None
    index = spec.latent_index if spec.latent_index is not None else guess_latent_index(spec)
    if index is None:
        return None
    marked = spec.copy()
    marked.kind, marked.latent_index = "autoencoder", index
    return marked


def recognised(spec: NetworkSpec) -> NetworkSpec:
    """A network read from a model file as what it is: one that rebuilds its input (as many
    outputs as inputs, sigmoid pixels, a bottleneck) is an autoencoder, not a classifier of
    784 classes; anything else as it was read."""
    if spec.kind == "autoencoder":
        return spec
    auto = as_autoencoder(spec)
    if auto is not None and auto.layers[-1].params.get("activation") == "sigmoid":
        return auto
    return spec


# ---- encoder / decoder views of a trained model ---------------------------------------------

def _split(model: Any, spec: NetworkSpec) -> int:
    """How many of ``model.layers`` make up the encoder (up to the bottleneck's output)."""
    if spec.latent_index is None:
        raise SpecError("This network has no marked bottleneck (latent) layer.")
    rows = layer_rows(spec)
    last = max(i for i, r in enumerate(rows) if r.spec_index == spec.latent_index)
    names = [lay.name for lay in model.layers]
    return names.index(rows[last].name) + 1 if rows[last].name in names else last + 1


def latent_dim(spec: NetworkSpec) -> int:
    """Width of the bottleneck."""
    rows = [r for r in layer_rows(spec) if r.spec_index == spec.latent_index]
    if not rows or rows[-1].output_shape is None:
        raise SpecError("This network has no marked bottleneck (latent) layer.")
    return int(math.prod(rows[-1].output_shape))


def encoder_model(model: Any, spec: NetworkSpec) -> Any:
    """A keras.Model input -> bottleneck output that shares the trained layers."""
    from nngui.core.platform.runtime import keras

    k = keras()
    inp = k.Input(shape=spec.input_shape, name="encoder_input")
    h = inp
    for layer in model.layers[:_split(model, spec)]:
        h = layer(h)
    return k.Model(inp, h, name=f"{model.name}_encoder")


def decoder_model(model: Any, spec: NetworkSpec) -> Any:
    """A keras.Model Input(latent) -> reconstruction that shares the trained layers."""
    from nngui.core.platform.runtime import keras

    k = keras()
    inp = k.Input(shape=(latent_dim(spec),), name="decoder_input")
    h = inp
    for layer in model.layers[_split(model, spec):]:
        h = layer(h)
    return k.Model(inp, h, name=f"{model.name}_decoder")


def _run_layers(layers: list[Any], x: np.ndarray) -> np.ndarray:
    """Eager forward pass through ``layers`` in batches (inference mode: no noise/dropout)."""
    out = []
    for start in range(0, len(x), BATCH):
        h = x[start:start + BATCH]
        for layer in layers:
            h = layer(h, training=False)
        out.append(np.asarray(h, dtype=np.float32))
    if not out:
        return np.zeros((0,), dtype=np.float32)
    return np.concatenate(out)


def _model_input(model: Any, x: np.ndarray) -> np.ndarray:
    shape = tuple(int(v) for v in model.input_shape[1:])
    return np.asarray(x, dtype=np.float32).reshape((len(x), *shape))


def image_shape(n: int) -> tuple[int, ...]:
    """(28, 28) for 784 values, any other perfect square likewise, else (n,)."""
    side = math.isqrt(n)
    return (side, side) if side * side == n else (n,)


def encode(model: Any, spec: NetworkSpec, x: np.ndarray) -> np.ndarray:
    """Latent codes (N, latent) of samples ``x`` (any shape with the right value count)."""
    x = _model_input(model, x)
    return _run_layers(model.layers[:_split(model, spec)], x).reshape(len(x), -1)


def decode(model: Any, spec: NetworkSpec, z: np.ndarray) -> np.ndarray:
    """Decoded images (N, 28, 28) of latent codes ``z`` (N, latent)."""
    z = np.asarray(z, dtype=np.float32).reshape(-1, latent_dim(spec))
    out = _run_layers(model.layers[_split(model, spec):], z).reshape(len(z), -1)
    return out.reshape((len(z), *image_shape(out.shape[1])))


def reconstruct(model: Any, x: np.ndarray) -> np.ndarray:
    """The model's reconstruction of ``x``, in the same shape as ``x``."""
    x = np.asarray(x, dtype=np.float32)
    return _run_layers(model.layers, _model_input(model, x)).reshape(x.shape)


def reconstruction_mse(model: Any, x: np.ndarray, recon: np.ndarray | None = None) -> np.ndarray:
    """Per-sample mean squared error over the pixels (N,)."""
    x = np.asarray(x, dtype=np.float32)
    recon = reconstruct(model, x) if recon is None else recon
    return ((recon - x) ** 2).reshape(len(x), -1).mean(axis=1)


def worst(model: Any, x: np.ndarray, k: int, errors: np.ndarray | None = None) -> np.ndarray:
    """Indices of the ``k`` worst-reconstructed samples, worst first."""
    errors = reconstruction_mse(model, x) if errors is None else np.asarray(errors)
    k = min(int(k), len(errors))
    top = np.argpartition(-errors, k - 1)[:k] if k else np.zeros(0, dtype=np.int64)
    return top[np.argsort(-errors[top], kind="stable")]


def one_per_class(y: np.ndarray, classes: int = 10) -> np.ndarray:
    """Index of the first sample of each class 0..classes-1 present in ``y``."""
    y = np.asarray(y).astype(np.int64).ravel()
    return np.array([int(np.flatnonzero(y == c)[0]) for c in range(classes) if (y == c).any()],
                    dtype=np.int64)


# ---- the NumPy halves for live drawing and hover decoding ---------------------------------------

class NumpyHalf:
    """One half of a trained autoencoder on the NumPy forward engine (inference only).

    The weights are copied when it is made: make a new one after training changes them.
    ``Unsupported`` (a ValueError) names a layer the engine cannot run.
    """

    def __init__(self, layers: list[Any], in_shape: tuple[int, ...]) -> None:
        self.in_shape = tuple(int(v) for v in in_shape)
        self.in_dim = math.prod(self.in_shape)
        self._forward = ForwardPass(layers)

    def forward(self, x: np.ndarray) -> np.ndarray:
        """(N, in_dim) (or (N, *in_shape)) -> (N, out_dim) float32."""
        h = np.asarray(x, dtype=np.float32).reshape(-1, *self.in_shape)
        return self._forward(h).reshape(len(h), -1)


class FastDecoder(NumpyHalf):
    """The decoder half in NumPy: ~0.02 ms a point for a Dense decoder, no TensorFlow."""

    def __init__(self, model: Any, spec: NetworkSpec) -> None:
        super().__init__(model.layers[_split(model, spec):], (latent_dim(spec),))

    def __call__(self, z: np.ndarray) -> np.ndarray:
        """Decoded images (N, 28, 28) for codes (N, latent); one image for one code."""
        z = np.asarray(z, dtype=np.float32)
        h = self.forward(z)
        out = h.reshape((len(h), *image_shape(h.shape[1])))
        return out[0] if z.ndim == 1 else out


class FastEncoder(NumpyHalf):
    """The encoder half in NumPy, for live drawings."""

    def __init__(self, model: Any, spec: NetworkSpec) -> None:
        super().__init__(model.layers[:_split(model, spec)], spec.input_shape)

    def __call__(self, x: np.ndarray) -> np.ndarray:
        """Codes (N, latent) of samples (N, ...)."""
        return self.forward(x)

    def one(self, image: np.ndarray) -> np.ndarray:
        """The code (latent,) of one sample, e.g. a 28x28 drawing."""
        return self.forward(np.asarray(image).reshape(1, -1))[0]


def tile_images(images: np.ndarray, cols: int, gap: int = 2, fill: float = 0.35) -> np.ndarray:
    """Images (N, h, w) in a grid of ``cols`` columns with ``gap`` pixels of ``fill`` between."""
    images = np.asarray(images, dtype=np.float32)
    n, h, w = images.shape
    rows = max(1, math.ceil(n / cols))
    out = np.full((rows * (h + gap) - gap, cols * (w + gap) - gap), fill, dtype=np.float32)
    for i, img in enumerate(images):
        r, c = divmod(i, cols)
        out[r * (h + gap):r * (h + gap) + h, c * (w + gap):c * (w + gap) + w] = img
    return out


# ---- 2-D views of the latent space ------------------------------------------------------------

@dataclass
class PCABasis:
    """The plane of the two principal components: ``p = (z - mean) @ components.T``."""

    mean: np.ndarray  # (latent,)
    components: np.ndarray  # (2, latent), orthonormal rows

    @classmethod
    def fit(cls, z: np.ndarray) -> PCABasis:
        """Principal components of ``z`` by SVD (milliseconds for 10,000 × 32)."""
        z = np.asarray(z, dtype=np.float64)
        mean = z.mean(axis=0)
        _, _, vt = np.linalg.svd(z - mean, full_matrices=False)
        comps = np.zeros((2, z.shape[1]))
        comps[: min(2, len(vt))] = vt[:2]
        # Fix each component's sign so the picture does not flip between runs.
        signs = np.sign(comps[np.arange(2), np.abs(comps).argmax(axis=1)])
        comps *= np.where(signs == 0, 1.0, signs)[:, None]
        return cls(mean.astype(np.float32), comps.astype(np.float32))

    def transform(self, z: np.ndarray) -> np.ndarray:
        """(N, latent) codes -> (N, 2) coordinates in the plane."""
        return (np.asarray(z, dtype=np.float32) - self.mean) @ self.components.T

    def inverse(self, p: np.ndarray) -> np.ndarray:
        """(N, 2) plane coordinates -> (N, latent) codes on the plane through the mean."""
        return self.mean + np.asarray(p, dtype=np.float32) @ self.components


def project_2d(z: np.ndarray, method: str = "pca", progress: ProgressFn | None = None,
               seed: int = 0, max_points: int | None = TSNE_MAX_POINTS) -> np.ndarray:
    """2-D coordinates (N, 2) of latent codes: as they are (2-D), by PCA, or by t-SNE.

    t-SNE costs O(N log N) per iteration and takes minutes for 10,000 points on a laptop, so
    at most ``max_points`` (a seeded random subset; 2,000 take ~30 s on 2 CPU cores) are
    embedded; every other point is placed at the mean position of its 5 nearest embedded
    neighbours in latent space. ``progress``
    gets (step, 4): subset chosen, t-SNE started, t-SNE done, the rest placed.
    """
    z = np.asarray(z, dtype=np.float32).reshape(len(z), -1)
    if z.shape[1] == 2:
        return z.copy()
    if z.shape[1] == 1:
        return np.column_stack([z[:, 0], np.zeros(len(z), dtype=np.float32)])
    if method == "pca":
        return PCABasis.fit(z).transform(z)
    if method != "tsne":
        raise ValueError(f"Unknown projection {method!r}; use 'pca' or 'tsne'.")
    from sklearn.manifold import TSNE

    report = progress or (lambda step, total: None)
    rng = np.random.default_rng(seed)
    n = len(z)
    if max_points is not None and n > max_points:
        picked = np.sort(rng.choice(n, int(max_points), replace=False))
    else:
        picked = np.arange(n)
    report(1, 4)
    perplexity = float(min(30.0, max(2.0, (len(picked) - 1) / 3.0)))
    tsne = TSNE(n_components=2, perplexity=perplexity, init="pca", random_state=seed,
                learning_rate="auto", max_iter=TSNE_ITERATIONS)
    report(2, 4)
    emb = tsne.fit_transform(z[picked]).astype(np.float32)
    report(3, 4)
    out = np.zeros((n, 2), dtype=np.float32)
    out[picked] = emb
    rest = np.setdiff1d(np.arange(n), picked)
    if len(rest):
        out[rest] = _place_by_neighbours(z[picked], emb, z[rest])
    report(4, 4)
    return out


def _place_by_neighbours(ref: np.ndarray, emb: np.ndarray, q: np.ndarray, k: int = 5,
                         chunk: int = 1024) -> np.ndarray:
    """Mean embedded position of each query's ``k`` nearest reference codes."""
    ref_sq = (ref.astype(np.float32) ** 2).sum(axis=1)
    out = np.empty((len(q), 2), dtype=np.float32)
    k = min(k, len(ref))
    for s in range(0, len(q), chunk):
        part = q[s:s + chunk]
        d = ref_sq[None, :] - 2.0 * part @ ref.T  # |q|² is constant per row
        nn = np.argpartition(d, k - 1, axis=1)[:, :k]
        out[s:s + chunk] = emb[nn].mean(axis=1)
    return out


def decode_grid(model: Any, spec: NetworkSpec, xrange: tuple[float, float],
                yrange: tuple[float, float], n: int = 15,
                to_latent: Callable[[np.ndarray], np.ndarray] | None = None,
                decoder: Callable[[np.ndarray], np.ndarray] | None = None) -> np.ndarray:
    """Decoded digits tiled over a rectangle of the latent plane: an (n*28, n*28) picture.

    Tile (row r, column c) shows the point at the centre of its cell; row 0 is the top of the
    picture (the largest y). ``to_latent`` maps plane points to codes (e.g. PCABasis.inverse)
    for bottlenecks wider than 2; ``decoder`` (e.g. a FastDecoder) replaces the Keras pass.
    """
    n = int(n)
    xs = xrange[0] + (np.arange(n) + 0.5) * (xrange[1] - xrange[0]) / n
    ys = yrange[1] - (np.arange(n) + 0.5) * (yrange[1] - yrange[0]) / n
    gx, gy = np.meshgrid(xs, ys)
    plane = np.column_stack([gx.ravel(), gy.ravel()]).astype(np.float32)
    z = to_latent(plane) if to_latent is not None else plane
    imgs = decoder(z) if decoder is not None else decode(model, spec, z)
    imgs = np.asarray(imgs, dtype=np.float32)
    h, w = imgs.shape[1:3] if imgs.ndim == 3 else (1, imgs.shape[-1])
    tiles = imgs.reshape(n, n, h, w)
    return tiles.transpose(0, 2, 1, 3).reshape(n * h, n * w)
