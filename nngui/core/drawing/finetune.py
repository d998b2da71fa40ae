"""Fine-tune a digit classifier on the user's handwriting without forgetting MNIST.

A few dozen user samples alone would pull the network towards them and away from everything
else ("catastrophic forgetting"). So the training set mixes the user's samples with a replay
of MNIST training digits (or, where the app cannot find MNIST, the bundled 8x8 digits, and the
report says so).

**What trains.** A CNN that ends in a dense head (the bundled one: two conv blocks, then
Flatten - Dropout - Dense 128 - Dropout - Dense 10) keeps its convolutions frozen and only
the head trains (``frozen.py``): the head learns from the body's features, the replay
digits' features are computed once per body and cached, and Adam runs at ``HEAD_LR`` with
the ``HEAD_*`` settings. That is ~1/70 of the arithmetic a step, forgets less, and on the
UNIPEN writers it was chosen on it read a new writer's later digits better than training
the whole network (docs/performance.md, issue 26). Other models (an MLP, ``freeze=False``)
train whole, at ``FINETUNE_LR`` with the plain settings.

Every taught digit is trained on, and ten examples count for more:

1. **Jitter** (``augment.jitter``): each taught digit becomes ``HEAD_COPIES`` (``COPIES``)
   variants (small rotation, slant, aspect, shift, an elastic wobble and a thicker or
   thinner stroke), made afresh for each of the two passes below.
2. **Pass 1, measured**: a fold of the taught digits (``FOLD`` of each digit, at least one
   where a digit has two or more) is held out; the rest train. The whole network (an MLP)
   stops early on the fold: when its loss has not improved for ``PATIENCE`` epochs (at most
   ``MAX_EPOCHS``) the best epoch's weights are put back. The head trains a fixed
   ``HEAD_EPOCHS`` (``HEAD_PATIENCE`` 0: a fold of one or two per digit is too small to
   stop on; it stopped some writers at epoch 1-3, before their odd digits were learnt). The
   accuracy on the held-out fold before and after is the honest "does it read digits it
   never saw" number.
3. **Pass 2, everything**: from those weights, ``TOPUP_EPOCHS`` more epoch(s) on *all* taught
   digits (the held-out fold too), jittered anew, with a fresh replay.

Training itself goes through :func:`nngui.core.training.train.train`, so the GUI reuses its
worker thread and live curves (pass 1 is the run the curves show; its validation curve is the
held-out fold; with a frozen body the run trains ``plan.head.model``, whose layers are the
model's own). In a worker thread::

    plan = make_plan(model, x_user, y_user, mnist)   # jitter, features (model held here)
    report = run_finetune(model, plan, observer, stop_event)  # accuracies before and after

``plan.data`` is a ``Prepared`` of images whose test part is replay-set test digits, so
``training.evaluate(model, plan.data)`` checks that MNIST is not forgotten.
``report.seconds`` says where the time went.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field, replace
from typing import Any

import numpy as np

from nngui.core.data.adapt import Prepared, encode_targets, reshape_inputs
from nngui.core.drawing import frozen
from nngui.core.drawing.augment import jitter
from nngui.core.model.inference import FastPredictor
from nngui.core.network.spec import NetworkSpec, SpecError, TrainConfig

FINETUNE_LR = 1e-4
COPIES = 6  # jittered variants of each taught digit per pass
REPLAY = 2500  # replay-set training digits mixed into each pass
CHECK = 2000  # replay-set test digits used to check that it is not forgotten
FOLD = 0.2  # share of each digit held out in pass 1
MAX_EPOCHS = 6  # pass 1 stops here at the latest
PATIENCE = 2  # pass 1 stops after this many epochs without a better held-out loss
TOPUP_EPOCHS = 1  # pass 2: all taught digits
MIN_SAMPLES = 5  # fewer teach the model nothing it can measure, and can only unsettle it
BATCH = 64
# the frozen-body fine-tune (``frozen.py``): only the dense head trains. Chosen on the
# training contributors' UNIPEN writers with a model that never saw them (performance.md)
FREEZE = True
TRAIN_BLOCKS = 0  # convolution blocks that train with the head (0: the dense head alone)
HEAD_LR = 1e-3  # the head alone learns a writer ten times faster than the whole net at 1e-4
HEAD_EPOCHS = 12  # pass 1's epochs; an epoch of features costs ~0.2 s, mostly Keras' own
# 0: no early stopping; the held-out fold (2 of 10 digits, 1 of 3-5) only measures. Stopping
# on its loss kept epoch 1-3 on some writers, before the head had learnt their odd digits
HEAD_PATIENCE = 0
HEAD_REPLAY = REPLAY
HEAD_COPIES = 12  # jittered variants per taught digit and pass (the body reads each once)
HEAD_BATCH = BATCH
HEAD_STEPS = 0  # batches per compiled call (0: training.choose_compile's choice)
KERAS_FROM = 256  # accuracy_on reads more digits than this with Keras, fewer with NumPy


def replay_name(data: Any) -> str:
    """How the report and the UI name the replay set: "MNIST" only when it is MNIST."""
    name = str(getattr(data, "name", "") or "")
    if name == "mnist":
        return "MNIST"
    if name == "digits":
        return "the bundled 8×8 digits"
    return f"the {name} digits" if name else "the replay digits"


@dataclass
class FinetuneData:
    """Pass 1's training arrays (28x28 images, integer labels; the held-out fold last, as
    validation), pass 2's, and the held-out fold itself."""

    x_train: np.ndarray
    y_train: np.ndarray
    holdout_x: np.ndarray
    holdout_y: np.ndarray
    n_user_train: int  # taught digits pass 1 trains on
    n_user: int  # all taught digits (pass 2 trains on them all)
    n_replay: int
    copies: int
    x_all: np.ndarray = field(default_factory=lambda: np.zeros((0, 28, 28), np.float32))
    y_all: np.ndarray = field(default_factory=lambda: np.zeros(0, np.int64))
    # each row's replay digit (its index in the replay set's x_train), -1 for the user's
    src_train: np.ndarray = field(default_factory=lambda: np.zeros(0, np.int64))
    src_all: np.ndarray = field(default_factory=lambda: np.zeros(0, np.int64))

    @property
    def n_val(self) -> int:
        """The last ``n_val`` rows of ``x_train`` are the held-out fold (validation)."""
        return len(self.holdout_y)


def split_holdout(y: np.ndarray, fraction: float, rng: np.random.Generator
                  ) -> tuple[np.ndarray, np.ndarray]:
    """Indices (train, held out): ``fraction`` of each digit held out (at least one of a digit
    that has two or more), one always trained on."""
    train_idx: list[int] = []
    held: list[int] = []
    for label in np.unique(y):
        idx = rng.permutation(np.flatnonzero(y == label))
        n_hold = min(max(int(round(len(idx) * fraction)), 1 if fraction > 0 else 0),
                     len(idx) - 1)
        held.extend(idx[:n_hold].tolist())
        train_idx.extend(idx[n_hold:].tolist())
    return np.array(sorted(train_idx), dtype=np.int64), np.array(sorted(held), dtype=np.int64)


def _mix(x_user: np.ndarray, y_user: np.ndarray, mx: np.ndarray, my: np.ndarray,
         replay: int, copies: int, rng: np.random.Generator
         ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Jittered copies of the user's digits and ``replay`` replay digits, shuffled; and each
    row's source: its index in ``mx`` for a replay digit, -1 for the user's."""
    pick = rng.choice(len(mx), size=min(int(replay), len(mx)), replace=False)
    xu = jitter(x_user, copies, rng) if copies > 0 else x_user
    yu = np.repeat(y_user, copies) if copies > 0 else y_user
    x = np.concatenate([xu, mx[pick]])
    y = np.concatenate([yu, my[pick]])
    src = np.concatenate([np.full(len(yu), -1, np.int64), pick.astype(np.int64)])
    order = rng.permutation(len(x))
    return x[order], y[order], src[order]


def make_finetune_data(store_x: np.ndarray, store_y: np.ndarray, mnist: Any,
                       replay: int = REPLAY, holdout_fraction: float = FOLD,
                       seed: int = 0, copies: int = COPIES) -> FinetuneData:
    """Both passes' arrays: jittered user digits mixed with ``replay`` replay digits."""
    x = np.asarray(store_x, dtype=np.float32).reshape(-1, 28, 28)
    y = np.asarray(store_y, dtype=np.int64).reshape(-1)
    if len(x) == 0:
        raise SpecError("There are no handwriting samples yet: draw a digit and press the "
                        "matching \"This is a …\" button first.")
    rng = np.random.default_rng(seed)
    tr, ho = split_holdout(y, holdout_fraction, rng)
    mx = np.asarray(mnist.x_train, dtype=np.float32).reshape(-1, 28, 28)
    my = np.asarray(mnist.y_train, dtype=np.int64).reshape(-1)
    x1, y1, s1 = _mix(x[tr], y[tr], mx, my, replay, copies, rng)
    x2, y2, s2 = _mix(x, y, mx, my, replay, copies, rng)
    # the held-out fold goes last: Keras' validation_split takes the last rows
    return FinetuneData(np.concatenate([x1, x[ho]]), np.concatenate([y1, y[ho]]), x[ho], y[ho],
                        len(tr), len(y), min(int(replay), len(mx)), copies, x2, y2,
                        np.concatenate([s1, np.full(len(ho), -1, np.int64)]), s2)


def finetune_spec(spec: NetworkSpec, lr: float = FINETUNE_LR) -> NetworkSpec:
    """A copy of the spec trained with Adam at a low learning rate (``FINETUNE_LR``)."""
    out = spec.copy()
    out.optimizer = "adam"
    out.optimizer_params = {}
    out.learning_rate = lr
    return out


def finetune_config(n_rows: int, n_val: int, epochs: int = MAX_EPOCHS, seed: int | None = 0,
                    patience: int = PATIENCE, batch: int = BATCH) -> TrainConfig:
    """Pass 1: the last ``n_val`` of ``n_rows`` rows validate, early stopping restores the
    best epoch. Without a held-out fold, ``epochs`` plain epochs."""
    if n_val <= 0:
        return TrainConfig(epochs=epochs, batch_size=batch, validation_split=0.0, seed=seed)
    # int(n_rows * split) must be exactly n_val: aim at the middle of the step
    split = (n_val + 0.5) / n_rows
    return TrainConfig(epochs=epochs, batch_size=batch, validation_split=split, seed=seed,
                       early_stopping_patience=patience, restore_best=True)


def prepare_finetune(data: FinetuneData, spec: NetworkSpec, mnist: Any,
                     check: int = CHECK, stops: bool = True) -> Prepared:
    """Pass 1's training.Prepared for the spec; its test part is replay-set test digits.
    ``stops``: pass 1 stops early on the held-out fold (else the fold only measures)."""
    x_test = np.asarray(mnist.x_test, dtype=np.float32)[:check]
    labels_test = np.asarray(mnist.y_test, dtype=np.int64)[:check]
    y_train, note = encode_targets(data.y_train, spec, 10)
    y_test, _ = encode_targets(labels_test, spec, 10)
    what = replay_name(mnist)
    notes = [f"{data.n_user_train} of your digits ×{data.copies} jittered copies mixed with "
             f"{data.n_replay} {what} training digits",
             f"{data.n_val} of your digits held out to measure the effect"
             + (" and to stop training when it stops improving" if stops else "")
             + "; then all of them train", note]
    return Prepared(reshape_inputs(data.x_train, spec.input_shape), y_train,
                    reshape_inputs(x_test, spec.input_shape), y_test, labels_test, notes)


@dataclass
class FinetunePlan:
    """Everything one fine-tuning run needs: hand ``data, spec, config`` to training.train
    for pass 1; ``final`` and ``final_config`` are pass 2 (all taught digits)."""

    data: Prepared
    spec: NetworkSpec
    config: TrainConfig
    holdout_x: np.ndarray
    holdout_y: np.ndarray
    mix: FinetuneData
    final: Prepared | None = None
    final_config: TrainConfig | None = None
    replay: str = "MNIST"
    head: HeadPlan | None = None  # only the dense head trains, on the body's features
    seconds: dict[str, float] = field(default_factory=dict)  # where make_plan's time went


@dataclass
class HeadPlan:
    """The frozen-body fine-tune (``frozen.py``): the head model, its spec, and the
    features of pass 1's and pass 2's training rows, the held-out fold and the check digits."""

    split: frozen.Split
    model: Any
    spec: NetworkSpec
    data: Prepared
    final: Prepared | None
    holdout: np.ndarray


def make_plan(model: Any, store_x: np.ndarray, store_y: np.ndarray, mnist: Any,
              spec: NetworkSpec | None = None, epochs: int | None = None, seed: int = 0,
              replay: int | None = None, copies: int | None = None,
              patience: int | None = None, holdout_fraction: float = FOLD,
              topup_epochs: int = TOPUP_EPOCHS, freeze: bool = FREEZE,
              lr: float | None = None, batch: int | None = None,
              blocks: int = TRAIN_BLOCKS, steps: int | None = None) -> FinetunePlan:
    """Data, spec (Adam, low rate) and configs for fine-tuning ``model`` on the user's digits;
    with ``freeze`` and a model that ends in a dense head after a convolutional body, only
    the head trains, on the body's features (``frozen.py``)."""
    if spec is None:
        from nngui.core.model.saving import spec_from_model

        spec = spec_from_model(model)
        if spec is None:
            raise SpecError("This model uses layers nngui cannot retrain; fine-tune a model "
                            "built or trained in nngui.")
    split = frozen.split_model(model, spec, blocks) if freeze else None
    head = split is not None
    epochs = (HEAD_EPOCHS if head else MAX_EPOCHS) if epochs is None else epochs
    replay = (HEAD_REPLAY if head else REPLAY) if replay is None else replay
    copies = (HEAD_COPIES if head else COPIES) if copies is None else copies
    batch = (HEAD_BATCH if head else BATCH) if batch is None else batch
    patience = (HEAD_PATIENCE if head else PATIENCE) if patience is None else patience
    spec = finetune_spec(spec, (HEAD_LR if head else FINETUNE_LR) if lr is None else lr)
    seconds: dict[str, float] = {}
    t0 = time.perf_counter()
    features = source = None
    if split is not None:
        features = frozen.replay_features(split, model, mnist, CHECK)
        seconds["replay features"] = time.perf_counter() - t0
        source = _Pool(features, mnist)
    t1 = time.perf_counter()
    mix = make_finetune_data(store_x, store_y, source if source is not None else mnist,
                             replay=replay, seed=seed, copies=copies,
                             holdout_fraction=holdout_fraction)
    seconds["jitter"] = time.perf_counter() - t1
    data = prepare_finetune(mix, spec, mnist, stops=patience > 0)
    final = final_config = None
    if mix.n_val and topup_epochs > 0:
        y_all, _ = encode_targets(mix.y_all, spec, 10)
        final = replace(data, x_train=reshape_inputs(mix.x_all, spec.input_shape),
                        y_train=y_all)
        final_config = TrainConfig(epochs=topup_epochs, batch_size=batch,
                                   validation_split=0.0, seed=seed + 1)
    head_plan = None
    if split is not None and features is not None:
        t2 = time.perf_counter()
        head_plan = _head_plan(split, model, spec, mix, data, final, features)
        seconds["user features"] = time.perf_counter() - t2
    config = finetune_config(len(mix.y_train), mix.n_val, epochs, seed, patience, batch)
    steps = (HEAD_STEPS if head else 0) if steps is None else steps
    if steps:  # batches per compiled call (0: training.choose_compile's choice)
        config = replace(config, steps_per_execution=steps)
        if final_config is not None:
            final_config = replace(final_config, steps_per_execution=steps)
    return FinetunePlan(data, spec, config,
                        mix.holdout_x, mix.holdout_y, mix, final, final_config,
                        replay_name(mnist), head_plan, seconds)


class _Pool:
    """The replay set as ``make_finetune_data`` reads it: only the digits whose features are
    cached, so a replay row's source index is its row in the cached features."""

    def __init__(self, features: frozen.ReplayFeatures, mnist: Any) -> None:
        self.x_train = np.asarray(mnist.x_train, dtype=np.float32)[features.pick]
        self.y_train = features.y_pool
        self.name = getattr(mnist, "name", "")


def _head_plan(split: frozen.Split, model: Any, spec: NetworkSpec, mix: FinetuneData,
               data: Prepared, final: Prepared | None, features: frozen.ReplayFeatures
               ) -> HeadPlan:
    """The head's data: each row's features (the replay digits' from the cache, the user's
    through the body), the same targets and order as the full model's."""
    def rows(x: np.ndarray, src: np.ndarray) -> np.ndarray:
        out = np.empty((len(src), *split.feature_shape), np.float32)
        mine = src < 0
        out[~mine] = features.x_pool[src[~mine]]
        if mine.any():
            out[mine] = frozen.body_features(split, model, x[mine])
        return out

    head_spec = replace(split.spec, optimizer=spec.optimizer, learning_rate=spec.learning_rate,
                        optimizer_params=dict(spec.optimizer_params))
    hdata = replace(data, x_train=rows(mix.x_train, mix.src_train), x_test=features.x_check)
    hfinal = None if final is None else replace(final, x_train=rows(mix.x_all, mix.src_all),
                                                x_test=hdata.x_test)
    n_val = mix.n_val
    holdout = hdata.x_train[len(hdata.x_train) - n_val:] if n_val else \
        np.zeros((0, *split.feature_shape), np.float32)
    return HeadPlan(split, frozen.head_model(split), head_spec, hdata, hfinal, holdout)


def accuracy_on(model_or_predictor: Any, x: np.ndarray, y: np.ndarray) -> float:
    """Fraction of 28x28 images ``x`` the model (or a FastPredictor) reads as ``y``."""
    y = np.asarray(y).reshape(-1)
    if len(y) == 0:
        return float("nan")
    x = np.asarray(x, dtype=np.float32).reshape(-1, 28, 28)
    if isinstance(model_or_predictor, FastPredictor):
        fp = model_or_predictor
        fp.refresh()  # the weights may have changed since it was made
        out = fp.predict_batch(x)
    elif len(x) > KERAS_FROM:  # Keras' batched graph: 4x NumPy's speed on 2,000 digits
        model = model_or_predictor
        shape = tuple(int(v) for v in model.inputs[0].shape[1:])
        out = np.asarray(model.predict(x.reshape((-1, *shape)), batch_size=500, verbose=0))
    else:
        out = FastPredictor(model_or_predictor).predict_batch(x)
    pred = out.argmax(axis=1) if out.shape[1] > 1 else (out[:, 0] > 0.5).astype(np.int64)
    return float(np.mean(pred == y))


@dataclass
class FinetuneReport:
    """Accuracy on the held-out fold (before, and after pass 1) and on the replay set's test
    digits (before, and after both passes)."""

    user_before: float
    user_after: float
    mnist_before: float
    mnist_after: float
    n_holdout: int
    result: Any  # training.RunResult: pass 2's, or pass 1's when pass 2 did not run
    n_user: int = 0
    epochs: int = 0  # pass 1's kept epochs (the best one's number)
    replay: str = "MNIST"
    trained_all: bool = True  # pass 2 ran: the held-out fold was trained on as well
    seconds: dict[str, float] = field(default_factory=dict)  # wall time of each part
    n_check: int = 0  # the replay set's test digits the two replay accuracies read

    def summary(self) -> str:
        """One line for a status bar or dialog."""
        def pct(v: float) -> str:
            return "n/a" if v != v else f"{v:.1%}"

        then = "then trained on too" if self.trained_all else "not trained on (stopped early)"
        if self.n_holdout:
            user = (f"{self.n_holdout} of your digits held out, {then}: "
                    f"{pct(self.user_before)} → {pct(self.user_after)}")
        else:
            user = "no held-out digits yet (teach two or more of a digit)"
        if self.n_user and self.trained_all:
            trained = f"Fine-tuned on all {self.n_user} of your digits"
        elif self.n_user:
            trained = f"Fine-tuned on {self.n_user - self.n_holdout} of your {self.n_user} digits"
        else:
            trained = "Fine-tuned"
        # how many test digits: the Evaluate tab reads all of them and says another number
        check = f"{self.replay} ({self.n_check:,} test digits)" if self.n_check else \
            self.replay
        return f"{trained}; {user}; {check} {pct(self.mnist_before)} → " \
               f"{pct(self.mnist_after)}."


def _kept_epochs(result: Any, config: TrainConfig | None = None) -> int:
    """The epoch pass 1 kept: early stopping's restored best, else the last one."""
    loss = result.history.get("val_loss") if result is not None else None
    stops = config is None or (config.early_stopping_patience > 0 and config.restore_best)
    if loss and stops:
        finite = [v if v == v else np.inf for v in loss]
        return int(np.argmin(finite)) + 1
    return int(getattr(result, "epochs_done", 0) or 0)


def run_finetune(model: Any, plan: FinetunePlan, observer: Any = None,
                 stop_event: Any = None) -> FinetuneReport:
    """Measure, pass 1 (the observer sees live progress; early stopping), measure the held-out
    fold, pass 2 on all taught digits, measure the replay set. With ``plan.head`` only the
    head trains and reads features; the model's head layers are the head model's."""
    from nngui.core.training.train import train

    seconds = dict(plan.seconds)
    clock = [time.perf_counter()]

    def lap(name: str) -> None:
        now = time.perf_counter()
        seconds[name] = seconds.get(name, 0.0) + now - clock[0]
        clock[0] = now

    head = plan.head
    if head is not None:
        net, data, final, spec = head.model, head.data, head.final, head.spec
        fold_x, check_x = head.holdout, head.data.x_test
        read = _head_accuracy
    else:
        net, data, final, spec = model, plan.data, plan.final, plan.spec
        fold_x, check_x = plan.holdout_x, plan.data.x_test.reshape(-1, 28, 28)
        read = accuracy_on
    labels = plan.data.labels_test
    user_before = read(net, fold_x, plan.holdout_y)
    mnist_before = read(net, check_x, labels)
    lap("accuracy")
    result = train(net, data, spec, plan.config, observer, stop_event)
    lap("pass 1")
    user_after = read(net, fold_x, plan.holdout_y)
    lap("accuracy")
    kept = _kept_epochs(result, plan.config)
    trained_all = final is None  # without a held-out fold, pass 1 trained on them all
    if result.ok and final is not None and plan.final_config is not None and not (
            stop_event is not None and stop_event.is_set()):
        result = train(net, final, spec, plan.final_config, None, stop_event)
        trained_all = result.reason == "finished"
    lap("pass 2")
    mnist_after = read(net, check_x, labels)
    lap("accuracy")
    return FinetuneReport(user_before, user_after, mnist_before, mnist_after,
                          len(plan.holdout_y), result, plan.mix.n_user, kept, plan.replay,
                          trained_all, seconds, int(len(labels)))


def _head_accuracy(head: Any, features: np.ndarray, y: np.ndarray) -> float:
    """Fraction of feature rows the head model reads as ``y`` (inference mode)."""
    y = np.asarray(y).reshape(-1)
    if len(y) == 0:
        return float("nan")
    out = np.asarray(head(np.asarray(features, np.float32), training=False))
    pred = out.argmax(axis=1) if out.shape[1] > 1 else (out[:, 0] > 0.5).astype(np.int64)
    return float(np.mean(pred == y))
