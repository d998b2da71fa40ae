"""The course's plain Keras script, the baseline ``bench_whole_run.py`` times as a whole process.

Run by hand:
    python benchmarks/plain_keras.py --model mlp512 --batch-size 32 --epochs 2 \
        --data ../shared/data/mnist.npz --out /tmp/plain.keras

What a student writes after the course notes: load ``mnist.npz`` with NumPy, scale to [0, 1],
build a ``Sequential`` model, ``fit`` (validation_split 0.1, one line per epoch), ``evaluate``
and ``save``. The networks match nngui's presets: ``mlp512`` (mnist-mlp-512), ``mlp20``
(mnist-784-20-10), ``cnn`` (mnist-cnn) and ``ae`` (ae-2d). Nothing here is tuned.
"""

from __future__ import annotations

import argparse
import json
import time

T0 = time.perf_counter()

import numpy as np  # noqa: E402
from tensorflow import keras  # noqa: E402
from tensorflow.keras import layers  # noqa: E402


def build(name: str) -> tuple[keras.Model, str]:
    """The network and its loss, as the course writes them."""
    if name == "mlp512":
        m = keras.Sequential([keras.Input((784,)), layers.Dense(512, activation="relu"),
                              layers.Dropout(0.2), layers.Dense(512, activation="relu"),
                              layers.Dropout(0.2), layers.Dense(10, activation="softmax")])
        return m, "categorical_crossentropy"
    if name == "mlp20":
        m = keras.Sequential([keras.Input((784,)), layers.Dense(20, activation="relu"),
                              layers.Dense(10, activation="softmax")])
        return m, "categorical_crossentropy"
    if name == "cnn":
        m = keras.Sequential([keras.Input((28, 28)), layers.Reshape((28, 28, 1)),
                              layers.Conv2D(32, 3, activation="relu"), layers.MaxPooling2D(2),
                              layers.Conv2D(64, 3, activation="relu"), layers.MaxPooling2D(2),
                              layers.Flatten(), layers.Dropout(0.5),
                              layers.Dense(10, activation="softmax")])
        return m, "sparse_categorical_crossentropy"
    if name == "ae":
        widths = [128, 32, 8, 2, 8, 32, 128]
        acts = ["relu", "relu", "relu", "linear", "relu", "relu", "relu"]
        m = keras.Sequential([keras.Input((784,))]
                             + [layers.Dense(w, activation=a) for w, a in zip(widths, acts, strict=True)]
                             + [layers.Dense(784, activation="sigmoid")])
        return m, "mse"
    raise SystemExit(f"unknown model {name}")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--model", default="mlp512", choices=["mlp512", "mlp20", "cnn", "ae"])
    ap.add_argument("--batch-size", type=int, default=32)
    ap.add_argument("--epochs", type=int, default=2)
    ap.add_argument("--data", required=True)
    ap.add_argument("--out", required=True)
    args = ap.parse_args()
    with np.load(args.data) as f:
        x_train, y_train = f["x_train"], f["y_train"]
        x_test, y_test = f["x_test"], f["y_test"]
    x_train = x_train.astype("float32") / 255.0
    x_test = x_test.astype("float32") / 255.0
    if args.model != "cnn":
        x_train, x_test = x_train.reshape(-1, 784), x_test.reshape(-1, 784)
    if args.model in ("mlp512", "mlp20"):
        y_train = keras.utils.to_categorical(y_train, 10)
        y_test = keras.utils.to_categorical(y_test, 10)
    if args.model == "ae":
        y_train, y_test = x_train, x_test
    model, loss = build(args.model)
    model.compile(loss=loss, optimizer="adam",
                  metrics=[] if args.model == "ae" else ["accuracy"])
    model.fit(x_train, y_train, batch_size=args.batch_size, epochs=args.epochs,
              validation_split=0.1, verbose=2)
    score = model.evaluate(x_test, y_test, verbose=0)
    model.save(args.out)
    print(json.dumps({"test": score, "seconds_in_script": round(time.perf_counter() - T0, 2)}))


if __name__ == "__main__":
    main()
