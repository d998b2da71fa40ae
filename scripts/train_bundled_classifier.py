"""Train the pretrained MNIST models nngui ships in ``nngui/resources/models/``.

Exact commands (from the repository root; ``nice`` only keeps a shared machine responsive):

    nice -n 15 python scripts/train_bundled_classifier.py --dense   # -> mnist_mlp.keras
    nice -n 15 python scripts/train_bundled_classifier.py           # -> mnist_cnn.keras

Options: ``--data PATH`` (Keras ``mnist.npz``: x_train, y_train, x_test, y_test; default
``../shared/data/mnist.npz`` relative to the repository root), ``--out PATH``, ``--epochs N``,
``--seed N`` (default 1234), ``--batch-size N``, ``--lr X`` (starting learning rate, default
1e-3), ``--init FILE`` (warm start: begin from that model's weights) and ``--extra FILE``
(more training digits: an .npz of ``x`` (N, 28, 28) float32 in [0, 1] and ``y``, e.g. the
training writers' real pen digits as the Draw tab reads them, written by
``benchmarks/bench_unipen.py --split train``), mixed into every epoch ``--extra-repeat`` times
(default 3), half of each copy clean and half through the MNIST-like ``augment`` below.

``mnist_cnn.keras`` (default) is the classifier for *drawings*: it reads a (28, 28) float32
image in [0, 1] (white ink on black, as MNIST and as the Draw tab's preprocessing produce) and
outputs 10 softmax probabilities. Its layers are plain Reshape / Conv2D / MaxPooling2D /
Flatten / Dropout / Dense with relu and softmax, so nngui can also run it with a NumPy forward
pass. It is trained on augmented MNIST, generated on the fly with NumPy/SciPy for every epoch
and chosen for how people draw with a mouse or a pen:

* drawing styles MNIST under-represents (``stroke_augment.py``), on 35% of the augmented 2s,
  7s and 9s and half of the 1s: a bar across a 7's stem or a hook down from its bar, a flag
  (short, or a long European up-stroke, always steeper than a 7's bar) and/or a base on a 1,
  a tail curling left under a 9, a small loop where a 2's diagonal meets its base; and on 25%
  of the augmented 4s and 9s a small gap erased in the upper ink (an open 4 or an open-looped
  9). They are drawn relative to each MNIST digit's own ink, never from the handwriting
  benchmark's templates (so that set stays unseen);
* half of the augmented samples (``P_WRITER``) in a whole writer's hand
  (``writer_augment.py``): the digit's own slant taken out, then a writer's slant up to
  +-32 degrees, width 0.3-1.25 of the height, a thicker or thinner pen after the squash, shaky
  strokes, and the Draw tab's own ``to_mnist`` (crop, 20-px box, centre of mass), so a
  squashed, slanted digit arrives as the Draw tab would feed it; the other half get:
* an affine warp about the digit's centre of mass: rotation ±15°, slant (horizontal shear)
  up to ±17°, scaling 0.8-1.2, shift ±3 px (so the result still looks like MNIST: a ~20 px
  digit centred by mass, give or take);
* elastic distortion (half of the augmented samples): a smooth random displacement field
  (uniform noise blurred with a Gaussian of sigma 4 px, times alpha 10-25; Simard et al. use
  alpha 34), i.e. shaky, wobbly strokes;
* stroke thickness (half of the augmented samples): grey dilation with a 2x2 or 3x3 kernel
  (thick brush) or grey erosion with a 2x2 kernel (thin pen; skipped where it would erase most
  of the ink);
* 20% of the samples of every epoch stay clean, and the learning rate decays (cosine) to 1% of
  its start, so accuracy on real, un-augmented MNIST stays high.

``mnist_mlp.keras`` (``--dense``) is the course's dense MLP 784-512-512-10 (relu, Dropout 0.2,
softmax) trained on clean MNIST; it reads a (784,) vector in [0, 1].

Both models are compiled for fine-tuning before they are saved: a fresh Adam at a fixed
learning rate (1e-4 for the CNN, 1e-3 for the MLP; its moments are zeros) and a loss object that nngui's
``spec_from_model`` recognises (sparse categorical cross-entropy with integer labels for the
CNN, categorical cross-entropy with one-hot labels for the MLP, as in the course preset).

Training is deterministic for a given seed on a given machine: ``keras.utils.set_random_seed``,
TensorFlow op determinism, and NumPy generators seeded per epoch for shuffling and
augmentation. After training the script reopens the saved file, measures its accuracy on the
real MNIST test set (10,000 un-augmented images), and on the same images each passed through
the MNIST-like augmentation above once, and through the writer hands once (fixed-seed
proxies for drawn digits), and prints one JSON line.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from pathlib import Path

import numpy as np
from scipy import ndimage
from stroke_augment import add_styles
from writer_augment import writer_augment

REPO = Path(__file__).resolve().parents[1]
DEFAULT_DATA = REPO.parent / "shared" / "data" / "mnist.npz"
MODELS_DIR = REPO / "nngui" / "resources" / "models"

# Augmentation settings (see the module docstring).
P_CLEAN = 0.2            # share of each epoch's samples left as they are
P_WRITER = 0.5           # of the augmented samples: a whole writer's hand (writer_augment)
MAX_ROTATION_DEG = 15.0
SCALE_RANGE = (0.8, 1.2)
MAX_SHIFT_PX = 3.0
MAX_SHEAR = 0.3          # horizontal shear (slant) tan(angle): about +-17 degrees
P_ELASTIC = 0.5          # of the augmented samples
ELASTIC_SIGMA = 4.0
ELASTIC_ALPHA = (10.0, 25.0)
P_THICKNESS = 0.5        # of the augmented samples: dilate 2x2 / dilate 3x3 / erode 2x2
THICKNESS_WEIGHTS = (0.4, 0.25, 0.35)
MIN_INK_AFTER_EROSION = 0.45


def load_mnist(path: Path) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """MNIST as float32 images in [0, 1] (N, 28, 28) and int64 labels."""
    with np.load(path) as d:
        x_train, y_train = d["x_train"], d["y_train"]
        x_test, y_test = d["x_test"], d["y_test"]
    f = np.float32
    return (x_train.astype(f) / 255.0, y_train.astype(np.int64),
            x_test.astype(f) / 255.0, y_test.astype(np.int64))


def _centres_of_mass(x: np.ndarray) -> np.ndarray:
    """(N, 2) ink centres of mass (row, col); the image centre for blank images."""
    n, h, w = x.shape
    mass = x.sum(axis=(1, 2))
    rows = np.arange(h, dtype=np.float32)
    cols = np.arange(w, dtype=np.float32)
    safe = np.where(mass > 0, mass, 1.0)
    cy = (x.sum(axis=2) * rows).sum(axis=1) / safe
    cx = (x.sum(axis=1) * cols).sum(axis=1) / safe
    centre = np.array([(h - 1) / 2, (w - 1) / 2], dtype=np.float32)
    out = np.stack([cy, cx], axis=1)
    out[mass <= 0] = centre
    return out


def augment(x: np.ndarray, rng: np.random.Generator, y: np.ndarray | None = None
            ) -> np.ndarray:
    """Drawing-like variants of all images in ``x`` (N, 28, 28) float32 in [0, 1].

    With labels ``y``, some 1s, 4s, 7s and 9s first get a drawing style MNIST lacks
    (``stroke_augment.add_styles``). Every image gets a random affine warp about its centre
    of mass (rotation, slant, scale, shift), optionally an elastic distortion, then optionally
    a stroke-thickness change. Vectorised: one ``map_coordinates`` call resamples the whole
    stack (bilinear, zeros outside).
    """
    if y is not None:
        x = add_styles(x, y, rng)
    n, h, w = x.shape
    theta = np.deg2rad(rng.uniform(-MAX_ROTATION_DEG, MAX_ROTATION_DEG, n))
    scale = rng.uniform(*SCALE_RANGE, n)
    shift = rng.uniform(-MAX_SHIFT_PX, MAX_SHIFT_PX, (n, 2))
    shear = rng.uniform(-MAX_SHEAR, MAX_SHEAR, n).astype(np.float32)[:, None, None]
    com = _centres_of_mass(x)

    # Output pixel grid, optionally displaced by a smooth random field (elastic distortion).
    yy, xx = np.meshgrid(np.arange(h, dtype=np.float32), np.arange(w, dtype=np.float32),
                         indexing="ij")
    oy = np.broadcast_to(yy, (n, h, w)).copy()
    ox = np.broadcast_to(xx, (n, h, w)).copy()
    elastic = rng.random(n) < P_ELASTIC
    k = int(elastic.sum())
    if k:
        alpha = rng.uniform(*ELASTIC_ALPHA, k).astype(np.float32)[:, None, None]
        for grid in (oy, ox):
            field = rng.uniform(-1.0, 1.0, (k, h, w)).astype(np.float32)
            field = ndimage.gaussian_filter(field, sigma=(0, ELASTIC_SIGMA, ELASTIC_SIGMA),
                                            mode="constant")
            grid[elastic] += alpha * field

    # Inverse affine map: source = Shear(-k) R(-theta) / scale @ (out - com - shift) + com
    # (the forward map slants, i.e. x += k * y, after rotating and scaling).
    dy = oy - (com[:, 0] + shift[:, 0])[:, None, None]
    dx = ox - (com[:, 1] + shift[:, 1])[:, None, None]
    c = (np.cos(theta) / scale).astype(np.float32)[:, None, None]
    s = (np.sin(theta) / scale).astype(np.float32)[:, None, None]
    ry = c * dy - s * dx
    rx = s * dy + c * dx
    sy = ry + com[:, 0, None, None]
    sx = rx - shear * ry + com[:, 1, None, None]
    idx = np.broadcast_to(np.arange(n, dtype=np.float32)[:, None, None], (n, h, w))
    out = ndimage.map_coordinates(x, np.stack([idx, sy, sx]), order=1, mode="constant",
                                  cval=0.0, prefilter=False).astype(np.float32)

    # Stroke thickness: a thick brush (dilation) or a thin pen (erosion).
    thick = rng.random(n) < P_THICKNESS
    kind = rng.choice(3, size=n, p=THICKNESS_WEIGHTS)
    for op, size, which in ((ndimage.grey_dilation, 2, 0), (ndimage.grey_dilation, 3, 1),
                            (ndimage.grey_erosion, 2, 2)):
        sel = thick & (kind == which)
        if not sel.any():
            continue
        changed = op(out[sel], size=(1, size, size))
        if op is ndimage.grey_erosion:
            before = out[sel].sum(axis=(1, 2))
            keep = changed.sum(axis=(1, 2)) >= MIN_INK_AFTER_EROSION * before
            changed[~keep] = out[sel][~keep]
        out[sel] = changed
    return np.clip(out, 0.0, 1.0, out=out)


def augment_writers(x: np.ndarray, y: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """Drawing styles (``add_styles``), then a whole writer's hand (``writer_augment``)."""
    return writer_augment(add_styles(x, y, rng), rng, y)


def epoch_data(x: np.ndarray, y: np.ndarray, seed: int, epoch: int, clean_share: float,
               writer_share: float = P_WRITER) -> tuple[np.ndarray, np.ndarray]:
    """One epoch: shuffled, with all but ``clean_share`` of the samples augmented.

    Of the augmented samples, ``writer_share`` are drawn in a writer's hand
    (``augment_writers``), the others get the MNIST-like ``augment``.
    """
    rng = np.random.default_rng([seed, epoch])
    order = rng.permutation(len(x))
    xe, ye = x[order].copy(), y[order]
    aug = rng.random(len(x)) >= clean_share
    hand = aug & (rng.random(len(x)) < writer_share)
    plain = aug & ~hand
    xe[plain] = augment(xe[plain], rng, ye[plain])
    if hand.any():
        xe[hand] = augment_writers(xe[hand], ye[hand], rng)
    return xe, ye


def load_extra(path: Path, limit: int = 1 << 30) -> tuple[np.ndarray, np.ndarray]:
    """``x`` (N, 28, 28) float32 in [0, 1] and ``y`` from an .npz (no pickles, sizes checked)."""
    import zipfile

    with zipfile.ZipFile(path) as z:
        if any(i.file_size > limit for i in z.infolist()):
            raise ValueError(f"{path}: a member is larger than {limit} bytes")
    with np.load(path, allow_pickle=False) as d:
        x = np.clip(np.asarray(d["x"], np.float32).reshape(-1, 28, 28), 0.0, 1.0)
        y = np.asarray(d["y"], np.int64).reshape(-1)
    if len(x) != len(y) or (len(y) and (y.min() < 0 or y.max() > 9)):
        raise ValueError(f"{path}: x and y do not match, or a label is not 0-9")
    return x, y


def with_extra(xe: np.ndarray, ye: np.ndarray, x_extra: np.ndarray, y_extra: np.ndarray,
               repeat: int, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    """The epoch's samples and ``repeat`` copies of the extra digits (half of them through
    ``augment``), shuffled together."""
    xx = np.concatenate([x_extra] * repeat)
    yy = np.concatenate([y_extra] * repeat)
    aug = rng.random(len(xx)) < 0.5
    xx[aug] = augment(xx[aug], rng)
    x = np.concatenate([xe, xx])
    y = np.concatenate([ye, yy])
    order = rng.permutation(len(x))
    return x[order], y[order]


def build_cnn(keras):
    """Conv32-Conv32-Pool-Conv64-Conv64-Pool-Flatten-Dropout-Dense128-Dropout-Dense10."""
    L = keras.layers
    return keras.Sequential([
        keras.Input(shape=(28, 28)),
        L.Reshape((28, 28, 1)),
        L.Conv2D(32, 3, activation="relu"),
        L.Conv2D(32, 3, activation="relu"),
        L.MaxPooling2D(2),
        L.Conv2D(64, 3, activation="relu"),
        L.Conv2D(64, 3, activation="relu"),
        L.MaxPooling2D(2),
        L.Flatten(),
        L.Dropout(0.25),
        L.Dense(128, activation="relu"),
        L.Dropout(0.5),
        L.Dense(10, activation="softmax"),
    ], name="mnist_cnn")


def build_mlp(keras):
    """The course's 784-512-512-10 MLP with Dropout 0.2."""
    L = keras.layers
    return keras.Sequential([
        keras.Input(shape=(784,)),
        L.Dense(512, activation="relu"),
        L.Dropout(0.2),
        L.Dense(512, activation="relu"),
        L.Dropout(0.2),
        L.Dense(10, activation="softmax"),
    ], name="mnist_mlp")


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--data", type=Path, default=DEFAULT_DATA, help="Keras-layout mnist.npz")
    ap.add_argument("--dense", action="store_true",
                    help="train the dense MLP (mnist_mlp.keras) instead of the CNN")
    ap.add_argument("--out", type=Path, default=None, help="output .keras file")
    ap.add_argument("--epochs", type=int, default=None, help="default: 15 (CNN), 12 (MLP)")
    ap.add_argument("--batch-size", type=int, default=128)
    ap.add_argument("--seed", type=int, default=1234)
    ap.add_argument("--lr", type=float, default=1e-3, help="starting learning rate")
    ap.add_argument("--init", type=Path, default=None,
                    help="warm start: continue from the weights of this .keras file")
    ap.add_argument("--extra", type=Path, default=None,
                    help="more training digits (.npz with x (N, 28, 28) in [0, 1] and y)")
    ap.add_argument("--extra-repeat", type=int, default=3,
                    help="copies of the --extra digits in every epoch")
    args = ap.parse_args(argv)

    name = "mnist_mlp" if args.dense else "mnist_cnn"
    out = args.out or MODELS_DIR / f"{name}.keras"
    epochs = args.epochs or (12 if args.dense else 15)
    if not args.data.is_file():
        print(f"MNIST file not found: {args.data} (pass --data PATH)", file=sys.stderr)
        return 2

    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
    import keras
    import tensorflow as tf

    keras.utils.set_random_seed(args.seed)
    tf.config.experimental.enable_op_determinism()

    x_train, y_train, x_test, y_test = load_mnist(args.data)
    x_extra, y_extra = load_extra(args.extra) if args.extra else (None, None)
    n_extra = 0 if x_extra is None else len(x_extra) * args.extra_repeat
    steps = -(-(len(x_train) + n_extra) // args.batch_size)
    lr0 = args.lr
    schedule = keras.optimizers.schedules.CosineDecay(lr0, decay_steps=epochs * steps,
                                                      alpha=0.01)
    if args.dense:
        model = build_mlp(keras)
        loss = keras.losses.CategoricalCrossentropy()
        x_fit = x_train.reshape(-1, 784)
        y_fit = np.eye(10, dtype=np.float32)[y_train]
        finetune_lr = 1e-3
    else:
        model = build_cnn(keras)
        if args.init is not None:
            model.set_weights(keras.saving.load_model(args.init, compile=False).get_weights())
        loss = keras.losses.SparseCategoricalCrossentropy()
        finetune_lr = 1e-4
    model.compile(optimizer=keras.optimizers.Adam(schedule), loss=loss, metrics=["accuracy"])
    print(f"{name}: {model.count_params():,} parameters, {epochs} epochs, "
          f"batch {args.batch_size}, seed {args.seed}", file=sys.stderr, flush=True)

    epoch_seconds: list[float] = []
    aug_seconds: list[float] = []
    t_start = time.perf_counter()
    for epoch in range(epochs):
        t0 = time.perf_counter()
        if args.dense:
            order = np.random.default_rng([args.seed, epoch]).permutation(len(x_fit))
            xe, ye = x_fit[order], y_fit[order]
        else:
            xe, ye = epoch_data(x_train, y_train, args.seed, epoch, P_CLEAN)
            if n_extra:
                xe, ye = with_extra(xe, ye, x_extra, y_extra, args.extra_repeat,
                                    np.random.default_rng([args.seed, epoch, 7]))
        t1 = time.perf_counter()
        hist = model.fit(xe, ye, batch_size=args.batch_size, epochs=epoch + 1,
                         initial_epoch=epoch, shuffle=False, verbose=0)
        t2 = time.perf_counter()
        aug_seconds.append(t1 - t0)
        epoch_seconds.append(t2 - t0)
        h = {k: float(v[-1]) for k, v in hist.history.items()}
        print(f"epoch {epoch + 1}/{epochs}: loss {h['loss']:.4f} acc {h['accuracy']:.4f} "
              f"({t1 - t0:.1f} s data + {t2 - t1:.1f} s fit)", file=sys.stderr, flush=True)
    train_seconds = time.perf_counter() - t_start

    # Ship the weights with a fresh fine-tuning optimizer (fixed LR). Building it stores its
    # (zero) moment variables, so load_model restores it without a variable-count warning.
    model.compile(optimizer=keras.optimizers.Adam(finetune_lr), loss=loss, metrics=["accuracy"])
    model.optimizer.build(model.trainable_variables)
    out.parent.mkdir(parents=True, exist_ok=True)
    model.save(out)

    saved = keras.saving.load_model(out)
    x_eval = x_test.reshape(-1, 784) if args.dense else x_test
    probs = saved.predict(x_eval, batch_size=1000, verbose=0)
    acc = float((probs.argmax(axis=1) == y_test).mean())
    # A proxy for drawings: every test image through the training augmentation (fixed seed).
    x_aug = augment(x_test, np.random.default_rng([args.seed, 2**31 - 1]), y_test)
    probs_aug = saved.predict(x_aug.reshape(x_eval.shape), batch_size=1000, verbose=0)
    acc_aug = float((probs_aug.argmax(axis=1) == y_test).mean())
    x_hand = augment_writers(x_test, y_test, np.random.default_rng([args.seed, 2**31 - 2]))
    probs_hand = saved.predict(x_hand.reshape(x_eval.shape), batch_size=1000, verbose=0)
    acc_hand = float((probs_hand.argmax(axis=1) == y_test).mean())
    result = {
        "model": name, "path": str(out.relative_to(REPO) if out.is_relative_to(REPO) else out),
        "test_accuracy": round(acc, 4), "test_errors": int((probs.argmax(axis=1) != y_test).sum()),
        "augmented_test_accuracy": round(acc_aug, 4),
        "writer_test_accuracy": round(acc_hand, 4),
        "epochs": epochs, "batch_size": args.batch_size, "seed": args.seed,
        "init": str(args.init) if args.init else None, "lr": args.lr,
        "extra": str(args.extra) if args.extra else None, "extra_samples_per_epoch": n_extra,
        "params": int(model.count_params()), "seconds": round(train_seconds, 1),
        "epoch_seconds_median": round(float(np.median(epoch_seconds)), 1),
        "augment_seconds_median": round(float(np.median(aug_seconds)), 1),
        "file_bytes": out.stat().st_size, "tensorflow": tf.__version__,
        "keras": keras.__version__,
    }
    print(json.dumps(result), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
