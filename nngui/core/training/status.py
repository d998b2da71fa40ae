"""What a run is doing, in one place: its phase, its progress and its words.

``RunStatus`` is changed only by the run's transitions (``start``, ``note``, ``begin``,
``batches``, ``stop_requested``, ``end``) and read by whoever shows it: the status line and the
progress bar's text are *derived* from it (``status_line``, ``progress``), never kept as copies
that a later redraw could rewrite. A redraw of a run that has ended (a tab shown again, a
resize, a late timer tick) therefore says how it ended, never "Training · … · ETA 0:00".
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field, fields

from nngui.core.training.observer import RunInfo, RunResult

IDLE, STARTING, RUNNING, STOPPING = "idle", "starting", "running", "stopping"
FINISHED, STOPPED, FAILED = "finished", "stopped", "failed"
LIVE = (STARTING, RUNNING, STOPPING)
STOPPING_TEXT = "Stopping after this batch…"


def format_duration(seconds: float) -> str:
    """'0:14', '12:03' or '1:02:03' for an ETA."""
    s = max(0, int(round(seconds)))
    h, rem = divmod(s, 3600)
    m, s = divmod(rem, 60)
    return f"{h}:{m:02d}:{s:02d}" if h else f"{m}:{s:02d}"


def format_logs(logs: dict[str, float]) -> str:
    """'accuracy 93.1 % · loss 0.2345' from running Keras logs."""
    return " · ".join(f"{k} {100 * v:.1f} %" if "accuracy" in k else f"{k} {v:.4g}"
                      for k, v in logs.items() if k != "epoch_time")


@dataclass
class Progress:
    """The progress bar: ``value`` of ``maximum`` (0 of 0: busy) and its text."""

    value: int
    maximum: int
    text: str


@dataclass
class RunStatus:
    """One run's phase (idle, starting, running, stopping, finished, stopped, failed), where
    it is and what it says; a refusal to start is a ``notice`` shown until the next start."""

    phase: str = IDLE
    title: str = "Training"  # leads the status line while a run goes
    note: str = ""  # what a starting run says ("Building the model…")
    message: str = ""  # how the run ended (its result's words)
    seconds: float = 0.0  # how long the ended run took
    notice: str = ""  # why a run did not start (shown in red)
    info: RunInfo | None = None
    epoch: int = 0  # where the run is: epoch (0-based, counting earlier runs) …
    step: int = 0  # … and batches done in it
    logs: dict[str, float] = field(default_factory=dict)  # the latest running logs
    first: tuple[float, int] | None = None  # (time, batches done) at the first report: ETA
    held: tuple[int, int, bool] | None = None  # paused: (epoch, batch, whole epochs a call)

    # ---- transitions -------------------------------------------------------------------

    def start(self, title: str = "Training") -> None:
        """A run was submitted: everything of the run before is forgotten."""
        self._reset(phase=STARTING, title=title)

    def say(self, note: str) -> None:
        """A note while the run starts or goes ("Training on CPU…"); ignored otherwise."""
        if self.phase in (STARTING, RUNNING):
            self.note = note

    def begin(self, info: RunInfo) -> None:
        """fit is about to run: the number of epochs and batches is known."""
        if self.phase not in LIVE:
            return
        self.info, self.first = info, None
        self.epoch, self.step = info.initial_epoch, 0
        if self.phase == STARTING:
            self.phase = RUNNING

    def batches(self, epoch: int, step: int, logs: dict[str, float], now: float) -> None:
        """Batches done: ``step`` of epoch ``epoch`` (0-based), the running logs."""
        info = self.info
        if self.phase not in LIVE or info is None:
            return
        self.epoch, self.step = epoch, min(step, info.steps_per_epoch)
        if logs:
            self.logs = dict(logs)
        if self.first is None:
            self.first = (now, self.done())

    def hold(self, epoch: int, batch: int, whole_epochs: bool) -> None:
        """The run holds (Pause, or after a Step) before batch ``batch`` of ``epoch``."""
        if self.phase in (STARTING, RUNNING):
            self.held = (epoch, batch, whole_epochs)
            if self.info is not None:
                self.epoch, self.step = epoch, min(batch, self.info.steps_per_epoch)

    def go_on(self) -> None:
        """The run trains again: the ETA is measured afresh (a pause is no training)."""
        self.held, self.first = None, None

    def stop_requested(self) -> None:
        """Stop was pressed: the run ends after its current batch."""
        if self.phase in LIVE:
            self.phase = STOPPING

    def end(self, result: RunResult) -> None:
        """The run's result has come: how it ended is all the status says from now on."""
        self.phase = {"finished": FINISHED, "stopped": STOPPED}.get(result.reason, FAILED)
        self.message, self.seconds, self.note = result.message, result.seconds, ""
        info = self.info
        if info is not None and result.reason == "finished":
            self.epoch = info.initial_epoch + info.epochs - 1
            self.step = info.steps_per_epoch

    def refuse(self, notice: str) -> None:
        """A run could not start: say why (until the next start or reset)."""
        self.notice = notice

    def clear(self) -> None:
        """No run to show (a new network)."""
        self._reset()

    def _reset(self, **values: object) -> None:
        fresh = RunStatus(**values)  # type: ignore[arg-type]
        for f in fields(self):
            setattr(self, f.name, getattr(fresh, f.name))

    # ---- derived -------------------------------------------------------------------------

    @property
    def live(self) -> bool:
        return self.phase in LIVE

    @property
    def ended(self) -> bool:
        return self.phase in (FINISHED, STOPPED, FAILED)

    def done(self) -> int:
        """Batches this run has trained."""
        info = self.info
        if info is None:
            return 0
        return (self.epoch - info.initial_epoch) * info.steps_per_epoch + self.step

    def status_line(self) -> tuple[str, bool]:
        """(the status line, whether it is an error)."""
        if self.notice:
            return self.notice, True
        if self.phase == FAILED:
            return self.message, True
        if self.ended:
            return f"{self.message} This run took {self.seconds:.1f} s.", False
        if self.phase == STOPPING:
            return STOPPING_TEXT, False
        if self.held is not None:
            return self._held_line(), False
        if self.phase == RUNNING and self.logs:
            return f"{self.title} · {format_logs(self.logs)}", False
        if self.live:
            return self.note or f"{self.title} · starting…", False
        return "", False

    def _held_line(self) -> str:
        epoch, batch, whole = self.held  # type: ignore[misc]
        info = self.info
        of = f" of {info.steps_per_epoch:,}" if info is not None else ""
        if whole:
            how = "a Step trains one epoch (small data trains whole epochs per call)"
        elif info is not None and info.steps_per_execution > 1:
            how = (f"a Step of one batch trains one compiled call "
                   f"({info.steps_per_execution} batches)")
        else:
            how = "a Step trains one batch or the rest of the epoch"
        return f"Paused at epoch {epoch + 1}, batch {batch:,}{of}: {how}; Resume goes on."

    def progress(self, now: float) -> Progress | None:
        """The progress bar, or None when no run has reported its size (busy while it
        starts, empty when it failed before)."""
        info = self.info
        if info is None:
            return Progress(0, 0, "") if self.live else None
        spe = info.steps_per_epoch
        total = max(1, info.epochs * spe)
        done = min(self.done(), total)
        last = info.initial_epoch + info.epochs
        if self.ended:
            tail = "done" if done >= total else "stopped"
        elif self.phase == STOPPING:
            tail = "stopping"
        elif self.held is not None:
            tail = "paused"
        else:
            tail = "ETA –"
            if self.first is not None and done > self.first[1]:
                t0, d0 = self.first
                rate = (done - d0) / max(now - t0, 1e-6)
                if rate > 0 and math.isfinite(rate):
                    tail = "ETA " + format_duration((total - done) / rate)
        text = f"Epoch {min(self.epoch + 1, last)}/{last} · batch {self.step}/{spe} · {tail}"
        return Progress(done, total, text)
