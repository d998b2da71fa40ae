"""Hands on a running run: the learning rate and momentum changed while it trains, Pause and
Step.

``Controls`` is the one object the GUI thread and the training thread share. The GUI only
*asks* (``request``, ``pause``, ``resume``, ``step``); the training thread calls ``boundary``
between two compiled calls (Keras' path: before every chunk of ``steps_per_execution``
batches; the fast path for small data: before every call of whole epochs). There it waits
while the run is paused (waking for Stop), and applies the changes asked for by assigning
the optimizer's variables: a change lands on the next batch the run trains, in the thread that
owns the model. Each change applied is kept as a ``Change`` (epoch, batch, name, value): the
run's record of what was turned when, saved with the session and drawn on the curves.

Momentum is a plain float in Keras' SGD, read when the training step is traced; ``make_live``
gives an SGD with momentum an update that reads a variable instead (before its first trace),
so that a change reaches the compiled step too; ``make_plain`` writes the value back into the
float that ``get_config`` (saving) reads.
"""

from __future__ import annotations

import math
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

NAMES = ("learning_rate", "momentum")
LIMITS = {"learning_rate": (1e-6, 10.0), "momentum": (0.0, 0.999)}  # 6 decimals shown
WAIT_S = 0.05  # how often a paused run looks at Stop
MAX_CHANGES = 10_000  # in a project file: more is not a record somebody made by hand


@dataclass(frozen=True)
class Change:
    """``name`` set to ``value`` before batch ``batch`` (0-based) of epoch ``epoch``
    (0-based, counting earlier runs) of ``steps`` batches (0: not known): the curves' x
    position is ``epoch + batch / steps``."""

    epoch: int
    batch: int
    name: str
    value: float
    steps: int = 0

    @property
    def x(self) -> float:
        return self.epoch + (self.batch / self.steps if self.steps > 0 else 0.0)

    def as_list(self) -> list:
        return [self.epoch, self.batch, self.name, self.value, self.steps]


def check_value(name: str, value: float) -> str:
    """Why ``value`` cannot be ``name`` ('' when it can): one line for the user."""
    if name not in LIMITS:
        return f"Unknown setting {name!r}: only the learning rate and momentum can change."
    lo, hi = LIMITS[name]
    if not isinstance(value, (int, float)) or isinstance(value, bool) or \
            not math.isfinite(value) or not lo <= value <= hi:
        what = name.replace("_", " ")
        return f"The {what} must be a number from {lo:g} to {hi:g}."
    return ""


def changes_from(raw: Any) -> list[Change]:
    """Changes read back from a file (a list of [epoch, batch, name, value, steps]);
    ValueError with a one-line reason when it is not one."""
    if not isinstance(raw, list) or len(raw) > MAX_CHANGES:
        raise ValueError("the live changes are not a list of [epoch, batch, name, value, "
                         "steps]")
    out = []
    for item in raw:
        ok = isinstance(item, list) and len(item) in (4, 5)
        if ok:
            epoch, batch, name, value, *steps = item
            ok = (all(isinstance(n, int) and not isinstance(n, bool) and n >= 0
                      for n in (epoch, batch, *steps))
                  and isinstance(name, str) and not check_value(name, value))
        if not ok:
            raise ValueError(f"a live change {str(item)[:60]} is not [epoch, batch, name, "
                             f"value, steps] with a valid value")
        out.append(Change(epoch, batch, name, float(value), *steps))
    return out


CHANGES_NOTE = "live_changes"  # the run list's settings entry that lists them


def describe(changes: list[Change]) -> str:
    """'lr 0.3 at epoch 1 batch 2; momentum 0.5 at epoch 3 batch 1' (1-based, as shown)."""
    return "; ".join(f"{'lr' if c.name == 'learning_rate' else c.name} {c.value:g} at epoch "
                     f"{c.epoch + 1} batch {c.batch + 1}" for c in changes)


def lr_path(start: float, changes: list[Change]) -> str:
    """'lr 0.05', or 'lr 0.05→0.003' after the rate was changed live (every value it took, in
    order; past three, the first and the last: 'lr 0.1→…→0.001')."""
    rates = [float(start)]
    for c in changes:
        if c.name == "learning_rate" and c.value != rates[-1]:
            rates.append(c.value)
    if len(rates) > 3:
        rates = [rates[0], None, rates[-1]]
    return "lr " + "→".join("…" if r is None else f"{r:g}" for r in rates)


def epoch_rates(history: dict[str, list[float]], start: float, changes: list[Change],
                constant: bool) -> tuple[list[float], list[float], bool]:
    """(each entry's x, the learning rate it ended with, whether any rate was derived).

    The rates a run measured are in ``history["learning_rate"]`` (one a history entry since
    this was saved). An entry without one (a project saved before that) is derived from the
    settings when the rate was constant (``constant``: no decay, schedule or reduce-on-plateau):
    ``start``, then each live change from where it landed. Entries neither measured nor
    derivable are left out."""
    xs = list(history.get("epoch", []))
    saved = list(history.get("learning_rate", []))
    out_x: list[float] = []
    out_r: list[float] = []
    derived = False
    rate_changes = sorted((c for c in changes if c.name == "learning_rate"), key=lambda c: c.x)
    for i, x in enumerate(xs):
        rate = saved[i] if i < len(saved) else math.nan
        if not math.isfinite(rate) and constant:
            rate = start
            for c in rate_changes:
                if c.x < x:
                    rate = c.value
            derived = True
        if math.isfinite(rate):
            out_x.append(float(x))
            out_r.append(float(rate))
    return out_x, out_r, derived


def last_values(changes: list[Change]) -> dict[str, float]:
    """The value each setting was last changed to (what a session's model trains with)."""
    return {c.name: c.value for c in changes}


class Controls:
    """What the GUI asks of a running run; the training thread carries it out at boundaries.

    Thread-safe: every method takes the lock. ``changes`` (the applied ones) is appended to
    only by the training thread and read by others after the run.
    """

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._pending: dict[str, float] = {}
        self._paused = False
        self._grant: str | None = None  # a Step asked for: "batch" or "epoch"
        self._grant_epoch: int | None = None  # the epoch a "epoch" step finishes
        self._weights: dict[tuple[int, int, int], float] = {}  # weight edits asked for
        self.changes: list[Change] = []

    # ---- the GUI asks ------------------------------------------------------------------

    def request(self, name: str, value: float) -> str:
        """Ask for ``name`` = ``value`` from the next batch on; '' or why not (one line)."""
        why = check_value(name, value)
        if not why:
            with self._lock:
                self._pending[name] = float(value)
        return why

    def request_weights(self, values: dict[tuple[int, int, int], float]) -> None:
        """Ask for weights set by hand ((dense layer, from, to) -> value, the bias as row
        n_in): applied by the training thread while the run is held, or at its next
        boundary."""
        with self._lock:
            self._weights.update(values)

    def pause(self) -> None:
        """Hold the run at the next boundary, without ending it."""
        with self._lock:
            self._paused, self._grant = True, None

    def resume(self) -> None:
        """Go on (Continue after a Pause)."""
        with self._lock:
            self._paused, self._grant = False, None

    def step(self, unit: str = "batch") -> None:
        """Train one batch (one compiled call) or to the end of the epoch, then hold again."""
        if unit not in ("batch", "epoch"):
            raise ValueError(f"a step is a 'batch' or an 'epoch', not {unit!r}")
        with self._lock:
            self._paused, self._grant, self._grant_epoch = True, unit, None

    @property
    def paused(self) -> bool:
        with self._lock:
            return self._paused

    def pending(self) -> bool:
        """Whether a change waits for the next boundary."""
        with self._lock:
            return bool(self._pending)

    # ---- the training thread -----------------------------------------------------------

    def holds(self, epoch: int) -> bool:
        """Whether a boundary before epoch ``epoch`` would wait (the run is paused there)."""
        with self._lock:
            return self._holds(epoch)

    def _holds(self, epoch: int) -> bool:
        if not self._paused:
            return False
        if self._grant == "batch":
            return False
        if self._grant == "epoch":
            return self._grant_epoch is not None and epoch != self._grant_epoch
        return True

    def boundary(self, epoch: int, batch: int, optimizer: Any,
                 stop_event: threading.Event | None,
                 on_pause: Callable[[int, int], None] = lambda e, b: None,
                 on_resume: Callable[[float], None] = lambda s: None,
                 on_change: Callable[[Change, str], None] = lambda c, why: None,
                 consume: bool = True, steps: int = 0,
                 on_weights: Callable[[dict], None] = lambda values: None) -> None:
        """Before batch ``batch`` of epoch ``epoch``: wait while paused (``on_pause`` once,
        ``on_resume(seconds paused)`` after), then apply what was asked (``on_change`` for
        each, with why it could not be applied or ''). With ``consume`` False (a wait at an
        epoch's end, before the boundary of its next batch) a Step is left to that one.
        Weights asked for by hand go to ``on_weights`` as they come, while it waits too."""
        waited = None
        with self._lock:
            if self._grant == "epoch" and self._grant_epoch is None:
                self._grant_epoch = epoch  # the epoch a step of one epoch trains to its end
            if self._holds(epoch):
                self._grant = None
                waited = time.perf_counter()
        if waited is not None:
            on_pause(epoch, batch)
            while stop_event is None or not stop_event.is_set():
                with self._lock:
                    holds = self._holds(epoch)
                    edits, self._weights = self._weights, {}
                if edits:
                    on_weights(edits)
                if not holds:
                    break
                time.sleep(WAIT_S) if stop_event is None else stop_event.wait(WAIT_S)
            on_resume(time.perf_counter() - waited)
        with self._lock:
            if self._grant == "batch" and consume:
                self._grant = None  # this chunk is the step; the next boundary holds
            asked, self._pending = self._pending, {}
            edits, self._weights = self._weights, {}
        if edits:
            on_weights(edits)
        for name, value in sorted(asked.items()):
            why = apply(optimizer, name, value)
            change = Change(epoch, batch, name, value, steps)
            if not why:
                self.changes.append(change)
            on_change(change, why)


# ---- the optimizer's variables --------------------------------------------------------


def can_set(optimizer: Any, name: str) -> str:
    """Why ``optimizer``'s ``name`` cannot change while it trains ('' when it can)."""
    if optimizer is None:
        return "The model has no optimizer yet."
    if name == "learning_rate":
        from nngui.core.platform.runtime import keras

        rate = getattr(optimizer, "_learning_rate", None)
        if isinstance(rate, keras().optimizers.schedules.LearningRateSchedule) or \
                callable(rate):
            return "The learning rate follows a schedule (decay) here."
        return ""
    if name == "momentum":
        if not hasattr(optimizer, "momentum"):
            return f"{type(optimizer).__name__} has no momentum."
        if getattr(optimizer, "_nngui_momentum", None) is None:
            return ("This optimizer was built without momentum (0): it keeps no velocity; "
                    "set a momentum in the builder to change it while it trains.")
        return ""
    return f"Unknown setting {name!r}."


def apply(optimizer: Any, name: str, value: float) -> str:
    """Assign ``optimizer``'s ``name`` (in the thread that owns the model); '' or why not."""
    why = can_set(optimizer, name)
    if why:
        return why
    if name == "learning_rate":
        optimizer.learning_rate.assign(value)
    else:
        make_live(optimizer)
        optimizer._nngui_momentum.assign(value)  # the float follows at the run's end
    return ""


def read(optimizer: Any, name: str) -> float:
    """The value ``optimizer`` trains with now."""
    if name == "learning_rate":
        return float(optimizer.learning_rate.numpy()) if hasattr(
            optimizer.learning_rate, "numpy") else float(optimizer.learning_rate)
    var = getattr(optimizer, "_nngui_momentum", None)
    return float(var.numpy()) if var is not None else float(optimizer.momentum)


def make_live(optimizer: Any) -> bool:
    """Let SGD's momentum change while it trains: its update then reads a variable (Keras'
    reads the float ``momentum`` once, when the step is traced). True when this is new for
    ``optimizer`` (a step traced before must be traced again)."""
    if optimizer is None or not isinstance(getattr(optimizer, "momentum", None), float) or \
            not getattr(optimizer, "momentums", None) and optimizer.momentum == 0 or \
            not callable(getattr(optimizer, "update_step", None)):
        return False
    from nngui.core.platform.runtime import tf

    var = getattr(optimizer, "_nngui_momentum", None)
    if var is not None:
        var.assign(optimizer.momentum)
        return False
    var = tf().Variable(optimizer.momentum, trainable=False, dtype="float32",
                        name="nngui_momentum")
    object.__setattr__(optimizer, "_nngui_momentum", var)
    cast = tf().cast

    def update_step(gradient: Any, variable: Any, learning_rate: Any) -> Any:
        """Keras' SGD step with momentum (``keras.optimizers.SGD.update_step``), its
        momentum read from ``var``."""
        dtype = variable.dtype
        lr, g = cast(learning_rate, dtype), cast(gradient, dtype)
        m = optimizer.momentums[optimizer._get_variable_index(variable)]
        momentum = cast(var, dtype)
        optimizer.assign(m, m * momentum - g * lr)
        if optimizer.nesterov:
            optimizer.assign_add(variable, m * momentum - g * lr)
        else:
            optimizer.assign_add(variable, m)

    optimizer.update_step = update_step
    return True


def make_plain(optimizer: Any) -> None:
    """The float ``momentum`` (what ``get_config`` and saving read) set to the live value."""
    var = getattr(optimizer, "_nngui_momentum", None)
    if var is not None:
        optimizer.momentum = float(var.numpy())
