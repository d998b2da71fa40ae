"""What a trained network makes of its inputs: layer maps (PCA, t-SNE) and one sample's path.

These run in a task that holds the model (never in the GUI thread) and return arrays only.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from nngui.core.insight.probes import layer_outputs

EMBED_LIMIT = 2000  # t-SNE is quadratic: a few thousand points keep it to seconds


@dataclass
class LayerInfo:
    """One layer a user can pick: its index in ``model.layers``, name and output size."""

    index: int
    name: str
    units: int


def layer_choices(model: Any) -> list[LayerInfo]:
    """Every layer with an output worth mapping (all but Flatten/Dropout-like pass-throughs)."""
    out = []
    for i, layer in enumerate(model.layers):
        if not layer.weights and i != len(model.layers) - 1:
            continue  # no weights: the same numbers as the layer before it
        shape = tuple(d for d in layer.output.shape[1:])
        out.append(LayerInfo(i, layer.name, int(np.prod(shape))))
    return out


def pca_2d(h: np.ndarray) -> np.ndarray:
    """The top-2 principal-component coordinates (n, 2) of ``h`` (n, d), by an SVD."""
    h = np.asarray(h, dtype=np.float64).reshape(len(h), -1)
    centred = h - h.mean(axis=0)
    if h.shape[1] == 1:
        return np.column_stack([centred[:, 0], np.zeros(len(h))])
    u, s, vt = np.linalg.svd(centred, full_matrices=False)
    coords = centred @ vt[:2].T
    # an SVD's signs are arbitrary: make each axis's largest loading positive, for stable plots
    signs = np.sign(vt[:2][np.arange(2), np.abs(vt[:2]).argmax(axis=1)])
    return coords * np.where(signs == 0, 1.0, signs)


def tsne_2d(h: np.ndarray, seed: int = 0) -> np.ndarray:
    """A 2-D t-SNE map of ``h`` (scikit-learn; PCA initialisation, so runs are repeatable)."""
    from sklearn.manifold import TSNE

    h = np.asarray(h, dtype=np.float64).reshape(len(h), -1)
    perplexity = float(min(30.0, max(2.0, (len(h) - 1) / 3)))
    return TSNE(n_components=2, perplexity=perplexity, init="pca", random_state=seed,
                learning_rate="auto").fit_transform(h)


def layer_map(model: Any, x: np.ndarray, layer: int, method: str = "pca",
              seed: int = 0) -> dict[str, Any]:
    """2-D coordinates of layer ``layer``'s outputs for ``x``, by "pca" or "tsne"."""
    if method not in ("pca", "tsne"):
        raise ValueError(f"Unknown map method {method!r}: use 'pca' or 'tsne'.")
    h = layer_outputs(model, x, layer)[-1]
    coords = pca_2d(h) if method == "pca" else tsne_2d(h, seed)
    return {"coords": coords.astype(np.float32), "layer": model.layers[layer].name,
            "units": int(np.prod(h.shape[1:])), "method": method}


def probe_sample(model: Any, x: np.ndarray) -> dict[str, Any]:
    """One sample's output probabilities and each weighted hidden layer's activations."""
    outs = layer_outputs(model, np.asarray(x, np.float32)[None])
    probs = outs[-1][0].ravel()
    if probs.size == 1:  # a sigmoid output: p(class 1), shown as both classes
        probs = np.array([1.0 - probs[0], probs[0]], np.float32)
    hidden = [(model.layers[i].name, outs[i][0].ravel()) for i in range(len(outs) - 1)
              if model.layers[i].weights]
    return {"probs": probs, "hidden": hidden}
