"""Train the pretrained MNIST autoencoder nngui ships in ``nngui/resources/models/``.

Exact commands (from the repository root; ``nice`` only keeps a shared machine responsive):

    nice -n 15 python scripts/train_bundled_autoencoder.py            # -> autoencoder_2d.keras
    nice -n 15 python scripts/train_bundled_autoencoder.py --presets ae-32d --no-save

The first trains the ``ae-2d`` preset (784-128-32-8-2-8-32-128-784, linear 2-D bottleneck)
for 50 epochs and saves it; the second measures the ``ae-32d`` preset's test MSE (the quality
bar is at most 0.010 per pixel). Both use the preset's settings (Adam 1e-3, batch 256, 30
epochs) on the full 60,000 training images (no validation split) unless ``--epochs`` /
``--batch-size`` / ``--validation-split`` say otherwise.

For each preset one JSON line is printed: test MSE per pixel (the mean over the 10,000 test
images of each image's mean squared pixel error), seconds, parameters, the saved file and its
size; for a 2-D bottleneck also the 5-nearest-neighbour accuracy per digit in the latent plane
(codes of the training images vote for each test image's code), a number for "the clusters are
separated". Training is deterministic for a given seed on a given machine
(``keras.utils.set_random_seed`` and TensorFlow op determinism).
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from pathlib import Path

import numpy as np

REPO = Path(__file__).resolve().parents[1]
DEFAULT_DATA = REPO.parent / "shared" / "data" / "mnist.npz"
MODELS_DIR = REPO / "nngui" / "resources" / "models"
BUNDLED_EPOCHS = {"ae-2d": 50}  # longer than the preset's 30: sharper, better separated
FILES = {"ae-2d": "autoencoder_2d.keras", "ae-32d": "autoencoder_32d.keras",
         "ae-denoising": "autoencoder_denoising.keras"}


def knn_accuracy_per_class(z_train: np.ndarray, y_train: np.ndarray, z_test: np.ndarray,
                           y_test: np.ndarray, k: int = 5) -> dict[str, float]:
    """Per-digit accuracy of a k-NN vote in latent space: how separated the clusters are."""
    from sklearn.neighbors import KNeighborsClassifier

    pred = KNeighborsClassifier(k).fit(z_train, y_train).predict(z_test)
    return {str(c): round(float((pred[y_test == c] == c).mean()), 3) for c in range(10)}


def train_one(name: str, args: argparse.Namespace, ds) -> dict:
    """Train one preset and return its measurements (saves the model unless --no-save)."""
    from nngui.core.data.adapt import prepare
    from nngui.core.model.autoencoder import AUTOENCODER_PRESETS, encode, reconstruction_mse
    from nngui.core.model.builder import build_model, compile_model
    from nngui.core.model.saving import save_model
    from nngui.core.network.spec import NetworkSpec, TrainConfig
    from nngui.core.training.observer import Observer
    from nngui.core.training.train import train

    preset = next(p for p in AUTOENCODER_PRESETS if p["name"] == name)
    spec = NetworkSpec.from_dict(preset["network"])
    cfg = TrainConfig.from_dict({**preset["train"], "seed": args.seed,
                                 "validation_split": args.validation_split})
    cfg.epochs = args.epochs or BUNDLED_EPOCHS.get(name, cfg.epochs)
    if args.batch_size:
        cfg.batch_size = args.batch_size
    data = prepare(ds, spec)
    model = build_model(spec, args.seed)

    class Log(Observer):
        def on_epoch(self, epoch, logs):
            print(f"{name} epoch {epoch + 1}/{cfg.epochs}: loss {logs['loss']:.5f} "
                  f"({logs['epoch_time']:.1f} s)", file=sys.stderr, flush=True)

    result = train(model, data, spec, cfg, Log())
    if not result.ok:
        raise SystemExit(f"{name}: {result.message}")
    mse = float(reconstruction_mse(model, ds.x_test).mean())
    out = {"preset": name, "test_mse_per_pixel": round(mse, 5), "epochs": cfg.epochs,
           "batch_size": cfg.batch_size, "optimizer": f"{spec.optimizer} {spec.lr:g}",
           "validation_split": cfg.validation_split, "seed": args.seed,
           "params": int(model.count_params()), "seconds": round(result.seconds, 1)}
    if spec.layers[spec.latent_index].params["units"] == 2:
        out["knn5_accuracy_per_digit"] = knn_accuracy_per_class(
            encode(model, spec, ds.x_train), ds.y_train, encode(model, spec, ds.x_test),
            ds.y_test)
    if not args.no_save:
        # A plain compile config and a fresh (built, all-zero) Adam: the file opens without
        # optimizer warnings and fine-tunes from a clean start.
        compile_model(model, spec)
        model.optimizer.build(model.trainable_variables)
        path = save_model(model, args.out_dir / FILES[name])
        path.chmod(0o644)  # save_model writes through mkstemp (0600); the file ships
        out["file"] = str(path.relative_to(REPO) if path.is_relative_to(REPO) else path)
        out["file_bytes"] = path.stat().st_size
    return out


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--data", type=Path, default=DEFAULT_DATA, help="Keras-layout mnist.npz")
    ap.add_argument("--presets", nargs="+", default=["ae-2d"], choices=sorted(FILES))
    ap.add_argument("--epochs", type=int, default=None,
                    help="default: 50 for ae-2d, else the preset's (30)")
    ap.add_argument("--batch-size", type=int, default=None, help="default: the preset's (256)")
    ap.add_argument("--validation-split", type=float, default=0.0)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--out-dir", type=Path, default=MODELS_DIR)
    ap.add_argument("--no-save", action="store_true", help="measure only")
    args = ap.parse_args(argv)
    if not args.data.is_file():
        print(f"MNIST file not found: {args.data} (pass --data PATH)", file=sys.stderr)
        return 2

    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
    from nngui.core.data.datasets import load_mnist
    from nngui.core.platform.runtime import tf

    tf().config.experimental.enable_op_determinism()
    ds = load_mnist(args.data)
    t0 = time.perf_counter()
    results = [train_one(name, args, ds) for name in args.presets]
    for r in results[:-1]:
        print(json.dumps(r), flush=True)
    last = dict(results[-1], total_seconds=round(time.perf_counter() - t0, 1))
    print(json.dumps(last), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
