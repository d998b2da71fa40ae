"""Every run the training panel runs, into the session state's run list (and nowhere else).

``RunRecorder`` listens to the training panel: a run that starts is ``run_began`` (named and
set as it would be listed), each epoch ``run_progressed``, a replayed view's frame
``frame_kept`` (the Watch tab hands them over), and a run that ends ``run_ended`` with its
name, settings (the test-curve subset, its seed group, live changes) and curves. It exists
from the window's start, so a run is listed even before the Watch tab is built; the Watch
tab's run list, its plot and the lesson checks read the runs from the state.

A sweep's run says what it is through ``sweep`` (its label, seed and seed-group settings),
which the run list sets before it starts the run and clears after the run has ended.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from PySide6.QtCore import QObject

from nngui.core.files.state import SessionState
from nngui.core.network.spec import NetworkSpec, TrainConfig
from nngui.core.training import seeds as seed_groups
from nngui.core.training.controls import CHANGES_NOTE, describe, lr_path
from nngui.core.training.observer import RunResult
from nngui.core.training.runs import TEST_NOTE, init_note, settings_of, with_test_curve


class RunRecorder(QObject):
    """The training panel's runs as the state's transitions (see the module docstring)."""

    def __init__(self, training, state: Callable[[], SessionState] | None = None,
                 config: Callable[[], TrainConfig] = TrainConfig,
                 parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.training = training
        if state is None:  # a run list of its own (a panel made without a window)
            own = SessionState(NetworkSpec((2,), []))
            state = lambda: own  # noqa: E731
        self.state = state  # the session state whose run list this is (an open swaps it)
        self.config = config
        self.sweep: tuple[str, int | None, dict | None] | None = None  # label, seed, group
        self._test: list[dict[str, float]] = []  # the run in flight's test-curve logs
        self._test_size = (0, 0)  # (subset, whole test set) of those
        training.runStarted.connect(self._on_run_started)
        training.epochEnded.connect(self._on_epoch)
        training.probeArrived.connect(self._on_probe)
        training.runFinished.connect(self._on_run_finished)

    def frame_kept(self, view: str, epoch: int, payload: Any) -> bool:
        """A replayed view's payload of the run in flight (False: not kept)."""
        if self.training.session is None or not self.training.is_running() or \
                not self.training.lists_run:
            return False
        return self.state().frame_kept(view, epoch, payload)

    def _on_run_started(self) -> None:
        self._test, self._test_size = [], (0, 0)
        session = self.training.session
        if session is None or not self.training.lists_run:  # a fine-tune of the drawing model
            return
        spec = session.spec
        name = self.sweep[0] if self.sweep else \
            f"{spec.name} · {spec.optimizer} {lr_path(spec.lr, [])}{init_note(spec)}"
        self.state().run_began(session, name, settings_of(spec, self.config()))

    def _on_epoch(self, epoch: int, logs: dict) -> None:
        if self.training.lists_run:
            self.state().run_progressed(epoch, logs)

    def _on_probe(self, name: str, _epoch: int, payload) -> None:
        """Keep the test curve the training thread measured (the Watch overfit view's)."""
        if name == "test_curve" and payload is not None:
            self._test.append(dict(payload["logs"]))
            self._test_size = (int(payload["n"]), int(payload["total"]))

    def _on_run_finished(self, result: RunResult) -> None:
        session = self.training.session
        if session is None or not self.training.lists_run:
            return
        state = self.state()
        spec = session.spec
        # the rate it started with and every rate a live change gave it (not the first alone)
        rates = lr_path(spec.lr, session.changes)
        label, seed, group = self.sweep or ("", None, None)
        name = label or f"{spec.name} · {spec.optimizer} {rates}{init_note(spec)}"
        if label and "→" in rates:  # a sweep's run whose rate was changed live
            name = f"{label} ({rates} live)"
        live = state.live_record()
        i = live[0] if live is not None else state.run_of(session)
        earlier = state.runs[i] if i is not None else None
        history = with_test_curve(session.history, earlier.history if earlier else {},
                                  len(result.history.get("loss", [])), self._test)
        settings = settings_of(spec, self.config())
        n, total = self._test_size
        if n:
            settings[TEST_NOTE] = (f"test_* curves on a fixed subset of {n:,} of {total:,} "
                                   "test samples")
        elif earlier is not None and TEST_NOTE in earlier.settings:
            settings[TEST_NOTE] = earlier.settings[TEST_NOTE]
        if seed is not None:
            settings[seed_groups.SEED] = seed
        if group is not None:
            settings.update(group)
        elif earlier is not None:  # a Continue of a group's run stays in its group
            settings.update({k: earlier.settings[k] for k in (seed_groups.SEED,
                             seed_groups.GROUP, seed_groups.GROUP_NAME) if k in earlier.settings})
        self._test = []
        if session.changes:  # the learning rate or momentum turned while it trained
            settings[CHANGES_NOTE] = describe(session.changes)
        state.run_ended(name, settings, history, result.reason, session)
