"""A property: after any sequence of run operations (runs that end, Continues, removals and
their undo, renames, ticks, a project's runs listed) the run list shows exactly the state's
runs, and its plot and note draw runs of the state."""

from __future__ import annotations

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from PySide6.QtCore import QObject, Qt, Signal

from nngui.core.network.spec import NetworkSpec, TrainConfig
from nngui.core.training.observer import RunResult
from nngui.core.training.runs import RunRecord
from nngui.gui.training.run_items import record_of
from nngui.gui.training.run_list import RunsPanel
from nngui.gui.training.run_rows import row_texts


class _Session:
    def __init__(self, name: str) -> None:
        self.spec = NetworkSpec((2,), [], "mse", "sgd", 0.1, name=name)
        self.history: dict[str, list[float]] = {}
        self.changes: list = []


class _Training(QObject):
    """What the run list and its recorder listen to: runs made by hand."""

    runStarted = Signal()
    probeArrived = Signal(str, int, object)
    epochEnded = Signal(int, object)
    runFinished = Signal(object)

    def __init__(self) -> None:
        super().__init__()
        self.session: _Session | None = None
        self._running = False
        self.lists_run = True  # as TrainingPanel: every run here joins the run list

    def is_running(self) -> bool:
        return self._running

    def run(self, session: _Session, epochs: int, reason: str) -> None:
        self.session, self._running = session, True
        self.runStarted.emit()
        start = len(session.history.get("loss", []))
        for e in range(start, start + epochs):
            logs = {"loss": 1.0 / (e + 1), "val_loss": 1.5 / (e + 1)}
            for k, v in logs.items():
                session.history.setdefault(k, []).append(v)
            session.history.setdefault("epoch", []).append(float(e + 1))
            self.epochEnded.emit(e, logs)
        self._running = False
        self.runFinished.emit(RunResult(reason, start + epochs,
                                        {k: v[start:] for k, v in session.history.items()},
                                        0.1))


OPS = st.lists(st.tuples(st.sampled_from(["run", "continue", "remove", "undo", "rename",
                                          "tick", "current", "list"]),
                         st.integers(0, 7)), min_size=1, max_size=20)


def _check(panel: RunsPanel) -> None:
    state = panel.state()
    tree = panel.runList
    rows = [tree.topLevelItem(i) for i in range(tree.topLevelItemCount())]
    assert [record_of(item) for item in rows] == state.runs
    assert [tuple(item.text(c) for c in range(3)) for item in rows] == [
        (r.name, row_texts(r).epochs, row_texts(r).summary) for r in state.runs]
    for _group, runs in panel.plan():
        assert all(0 <= i < len(state.runs) for i in runs)
    current = panel.current_record()
    assert current is None or current in state.runs
    if current is not None and not panel._stale:
        assert panel.overfitNote.text().startswith(current.name + ":")


@settings(max_examples=40, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(ops=OPS)
def test_the_run_list_shows_the_states_runs_after_any_operations(qtbot, ops) -> None:
    training = _Training()
    panel = RunsPanel(training, lambda spec: None, lambda: None, TrainConfig)
    qtbot.addWidget(panel)
    panel.show()
    sessions: list[_Session] = []
    for op, n in ops:
        tree = panel.runList
        count = tree.topLevelItemCount()
        if op == "run" or (op == "continue" and not sessions):
            sessions.append(_Session(f"net{len(sessions)}"))
            training.run(sessions[-1], 1 + n % 3, "finished" if n % 2 else "stopped")
        elif op == "continue":
            training.run(sessions[n % len(sessions)], 1, "finished")
        elif op == "remove" and count:
            tree.setCurrentItem(tree.topLevelItem(n % count))
            panel.removeRunAction.trigger()
        elif op == "undo":
            panel.undoRemoveAction.trigger()
        elif op == "rename" and count:
            tree.topLevelItem(n % count).setText(0, f"renamed {n}")
        elif op == "tick" and count:
            item = tree.topLevelItem(n % count)
            item.setCheckState(0, Qt.CheckState.Unchecked if item.checkState(0) ==
                               Qt.CheckState.Checked else Qt.CheckState.Checked)
        elif op == "current" and count:
            tree.setCurrentItem(tree.topLevelItem(n % count))
        elif op == "list":
            panel.show_runs([RunRecord(f"#{i + 1} opened", {}, {"loss": [0.5, 0.4]},
                                       "finished") for i in range(n % 4)])
        _check(panel)
    panel.close()
