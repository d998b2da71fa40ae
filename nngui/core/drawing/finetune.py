"""Fine-tune a digit classifier on the user's handwriting without forgetting MNIST.

A few dozen user samples alone would pull the network towards them and away from everything
else ("catastrophic forgetting"). So the training set mixes the user's samples, repeated so
they carry weight, with a replay of a few thousand MNIST training digits, and training uses a
low learning rate. A quarter of the user's samples (per digit) is held out to show accuracy on
*unseen* handwriting before and after.

Training itself goes through :func:`nngui.core.training.train.train`, so the GUI reuses its worker
thread and live curves. In a worker thread::

    plan = make_plan(model, x_user, y_user, mnist)
    report = run_finetune(model, plan, observer, stop_event)  # accuracies before and after

``plan.data`` is a ``Prepared`` whose test part is MNIST test digits, so
``training.evaluate(model, plan.data)`` checks that MNIST is not forgotten.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from nngui.core.data.adapt import Prepared, encode_targets, reshape_inputs
from nngui.core.model.inference import FastPredictor
from nngui.core.network.spec import NetworkSpec, SpecError, TrainConfig

FINETUNE_LR = 1e-4
REPEAT = 20  # each user sample appears this many times per epoch
REPLAY = 5000  # MNIST training digits mixed in
CHECK = 2000  # MNIST test digits used to check that MNIST is not forgotten
MIN_SAMPLES = 5  # fewer teach the model nothing it can measure, and can only unsettle it


@dataclass
class FinetuneData:
    """Mixed training arrays (28x28 images, integer labels) and the held-out user samples."""

    x_train: np.ndarray
    y_train: np.ndarray
    holdout_x: np.ndarray
    holdout_y: np.ndarray
    n_user_train: int
    n_replay: int
    repeat: int


def split_holdout(y: np.ndarray, fraction: float, rng: np.random.Generator
                  ) -> tuple[np.ndarray, np.ndarray]:
    """Indices (train, held out): ``fraction`` of each digit held out, one always trained on."""
    train_idx: list[int] = []
    held: list[int] = []
    for label in np.unique(y):
        idx = rng.permutation(np.flatnonzero(y == label))
        n_hold = min(int(round(len(idx) * fraction)), len(idx) - 1)
        held.extend(idx[:n_hold].tolist())
        train_idx.extend(idx[n_hold:].tolist())
    return np.array(sorted(train_idx), dtype=np.int64), np.array(sorted(held), dtype=np.int64)


def make_finetune_data(store_x: np.ndarray, store_y: np.ndarray, mnist: Any,
                       replay: int = REPLAY, holdout_fraction: float = 0.25,
                       seed: int = 0, repeat: int = REPEAT) -> FinetuneData:
    """User samples (×``repeat``) mixed with ``replay`` MNIST training digits, shuffled."""
    x = np.asarray(store_x, dtype=np.float32).reshape(-1, 28, 28)
    y = np.asarray(store_y, dtype=np.int64).reshape(-1)
    if len(x) == 0:
        raise SpecError("There are no handwriting samples yet: draw a digit and press the "
                        "matching \"This is a …\" button first.")
    rng = np.random.default_rng(seed)
    tr, ho = split_holdout(y, holdout_fraction, rng)
    mx = np.asarray(mnist.x_train, dtype=np.float32).reshape(-1, 28, 28)
    pick = rng.choice(len(mx), size=min(int(replay), len(mx)), replace=False)
    x_train = np.concatenate([np.repeat(x[tr], repeat, axis=0), mx[pick]])
    y_train = np.concatenate([np.repeat(y[tr], repeat),
                              np.asarray(mnist.y_train, dtype=np.int64)[pick]])
    order = rng.permutation(len(x_train))
    return FinetuneData(x_train[order], y_train[order], x[ho], y[ho], len(tr), len(pick),
                        repeat)


def finetune_spec(spec: NetworkSpec) -> NetworkSpec:
    """A copy of the spec trained with Adam at a low learning rate (1e-4)."""
    out = spec.copy()
    out.optimizer = "adam"
    out.optimizer_params = {}
    out.learning_rate = FINETUNE_LR
    return out


def finetune_config(epochs: int = 3, seed: int | None = 0) -> TrainConfig:
    """Few epochs, no validation split (the held-out user samples are the check)."""
    return TrainConfig(epochs=epochs, batch_size=64, validation_split=0.0, seed=seed)


def prepare_finetune(data: FinetuneData, spec: NetworkSpec, mnist: Any,
                     check: int = CHECK) -> Prepared:
    """A training.Prepared for the spec; its test part is MNIST test digits (forgetting check)."""
    x_test = np.asarray(mnist.x_test, dtype=np.float32)[:check]
    labels_test = np.asarray(mnist.y_test, dtype=np.int64)[:check]
    y_train, note = encode_targets(data.y_train, spec, 10)
    y_test, _ = encode_targets(labels_test, spec, 10)
    notes = [f"{data.n_user_train} of your samples ×{data.repeat} mixed with "
             f"{data.n_replay} MNIST training digits",
             f"{len(data.holdout_y)} of your samples held out to measure the effect", note]
    return Prepared(reshape_inputs(data.x_train, spec.input_shape), y_train,
                    reshape_inputs(x_test, spec.input_shape), y_test, labels_test, notes)


@dataclass
class FinetunePlan:
    """Everything one fine-tuning run needs: hand ``data, spec, config`` to training.train."""

    data: Prepared
    spec: NetworkSpec
    config: TrainConfig
    holdout_x: np.ndarray
    holdout_y: np.ndarray
    mix: FinetuneData


def make_plan(model: Any, store_x: np.ndarray, store_y: np.ndarray, mnist: Any,
              spec: NetworkSpec | None = None, epochs: int = 3, seed: int = 0,
              replay: int = REPLAY, repeat: int = REPEAT) -> FinetunePlan:
    """Data, spec (Adam 1e-4) and config for fine-tuning ``model`` on the user's samples."""
    if spec is None:
        from nngui.core.model.saving import spec_from_model

        spec = spec_from_model(model)
        if spec is None:
            raise SpecError("This model uses layers nngui cannot retrain; fine-tune a model "
                            "built or trained in nngui.")
    spec = finetune_spec(spec)
    mix = make_finetune_data(store_x, store_y, mnist, replay=replay, seed=seed, repeat=repeat)
    return FinetunePlan(prepare_finetune(mix, spec, mnist), spec, finetune_config(epochs, seed),
                        mix.holdout_x, mix.holdout_y, mix)


def accuracy_on(model_or_predictor: Any, x: np.ndarray, y: np.ndarray) -> float:
    """Fraction of 28x28 images ``x`` the model (or a FastPredictor) reads as ``y``."""
    y = np.asarray(y).reshape(-1)
    if len(y) == 0:
        return float("nan")
    if isinstance(model_or_predictor, FastPredictor):
        fp = model_or_predictor
        fp.refresh()  # the weights may have changed since it was made
    else:
        fp = FastPredictor(model_or_predictor)
    out = fp.predict_batch(np.asarray(x, dtype=np.float32).reshape(-1, 28, 28))
    pred = out.argmax(axis=1) if out.shape[1] > 1 else (out[:, 0] > 0.5).astype(np.int64)
    return float(np.mean(pred == y))


@dataclass
class FinetuneReport:
    """Accuracy on the held-out user samples and on MNIST test digits, before and after."""

    user_before: float
    user_after: float
    mnist_before: float
    mnist_after: float
    n_holdout: int
    result: Any  # training.RunResult

    def summary(self) -> str:
        """One line for a status bar or dialog."""
        def pct(v: float) -> str:
            return "n/a" if v != v else f"{v:.1%}"

        user = (f"your held-out samples {pct(self.user_before)} → {pct(self.user_after)}"
                if self.n_holdout else "no held-out samples yet (add a few more per digit)")
        return f"Fine-tuned: {user}; MNIST {pct(self.mnist_before)} → {pct(self.mnist_after)}."


def run_finetune(model: Any, plan: FinetunePlan, observer: Any = None,
                 stop_event: Any = None) -> FinetuneReport:
    """Measure, train with training.train (the observer sees live progress), measure again."""
    from nngui.core.training.train import train

    check_x = plan.data.x_test.reshape(-1, 28, 28)
    labels = plan.data.labels_test
    user_before = accuracy_on(model, plan.holdout_x, plan.holdout_y)
    mnist_before = accuracy_on(model, check_x, labels)
    result = train(model, plan.data, plan.spec, plan.config, observer, stop_event)
    return FinetuneReport(user_before, accuracy_on(model, plan.holdout_x, plan.holdout_y),
                          mnist_before, accuracy_on(model, check_x, labels),
                          len(plan.holdout_y), result)
