"""The window prepares the builder's network while idle (``gui/window/prebuilder.py``).

A Train click during the preparation waits for it (the status line says so) and trains the
prepared model; an edit, a preset, an opened project or closing the window discards it; a
sweep and the lab work beside it. The preparation is held open by a gate in these tests
(``held``), so each transition lands while it is really in flight.
"""

from __future__ import annotations

import threading
from dataclasses import replace

import pytest

from nngui.core.training import prebuild
from nngui.gui.window import prebuilder as prebuilder_module

PRESET = "xor-3-4-1"


@pytest.fixture
def held(monkeypatch):
    """Preparations wait at their start until ``held.release()`` (or their Stop); every model
    a preparation put on the shelf is kept in ``held.models``."""

    class Gate:
        def __init__(self) -> None:
            self.open = threading.Event()
            self.started = threading.Event()
            self.models: list = []

        def release(self) -> None:
            self.open.set()

    gate = Gate()
    real = prebuild.prebuild

    def waiting(spec, data, config, probes, shelf, ticket, stop_event=None):
        gate.started.set()
        while not gate.open.wait(0.02):
            if stop_event is not None and stop_event.is_set():
                break
        said = real(spec, data, config, probes, shelf, ticket, stop_event)
        if shelf._entry is not None:
            gate.models.append(shelf._entry[1])
        return said

    monkeypatch.setattr(prebuilder_module.prebuild, "prebuild", waiting)
    return gate


def _xor(window, qtbot, epochs: int = 5) -> None:
    """The XOR preset, TensorFlow ready, the Watch page built (a Train click's options)."""
    qtbot.waitUntil(lambda: window.work.prebuilder._ready_tf, timeout=120000)
    window.pages.watch  # noqa: B018 - built, as after the first paint
    window.apply_preset(PRESET)
    qtbot.waitUntil(lambda: window.data.dataset is not None and
                    window.data.dataset.name == "xor" and not window.data.is_loading(),
                    timeout=30000)
    window.builder.set_config(replace(window.builder.config(), epochs=epochs))


def _in_flight(window, qtbot, held) -> None:
    qtbot.waitUntil(held.started.is_set, timeout=30000)
    assert window.work.prebuilder.is_preparing()


def test_a_prepared_network_is_the_first_runs_model(window, qtbot) -> None:
    _xor(window, qtbot)
    prep = window.work.prebuilder
    qtbot.waitUntil(lambda: prep.shelf.ready(prebuild.key(window.builder.spec(),
                                                          window.builder.config().seed)),
                    timeout=120000)
    model = prep.shelf._entry[1]
    with qtbot.waitSignal(window.training.runFinished, timeout=120000) as run:
        window.training.trainButton.click()
    assert run.args[0].reason == "finished"
    assert window.session.model is model
    assert not prep.is_preparing() and window.session.epochs_done == 5


def test_train_during_the_preparation_waits_for_it_and_trains_its_model(window, qtbot,
                                                                         held) -> None:
    _xor(window, qtbot)
    _in_flight(window, qtbot, held)
    window.training.trainButton.click()  # kept: the run waits for the preparation
    qtbot.waitUntil(lambda: "Preparing the network" in window.training.trainingStatus.text(),
                    timeout=30000)
    assert window.training.is_running() and window.session.model is None
    # an edit now is for the next run: the waiting run still trains what is being prepared
    window.builder.set_config(replace(window.builder.config(), epochs=7))
    assert not window.work.prebuilder._task.stop_event.is_set()
    with qtbot.waitSignal(window.training.runFinished, timeout=120000) as run:
        held.release()
    assert run.args[0].reason == "finished", run.args[0].message
    assert held.models and window.session.model is held.models[-1]
    assert window.session.epochs_done == 5  # the settings of the click


def test_an_edit_during_the_preparation_discards_it_and_prepares_again(window, qtbot,
                                                                       held) -> None:
    _xor(window, qtbot)
    _in_flight(window, qtbot, held)
    first = window.work.prebuilder._task
    config = window.builder.config()
    window.builder.set_config(replace(config, seed=config.seed + 1))  # another seed
    assert first.stop_event.is_set()  # asked to stop at once
    with qtbot.waitSignal(window.work.prebuilder.prepared, timeout=60000) as ended:
        held.release()
    assert ended.args[0] == "discarded"
    shelf = window.work.prebuilder.shelf
    qtbot.waitUntil(lambda: shelf.ready(prebuild.key(window.builder.spec(), config.seed + 1)),
                    timeout=120000)
    assert not shelf.ready(prebuild.key(window.builder.spec(), config.seed))


def test_closing_the_window_during_the_preparation(window, qtbot, held) -> None:
    _xor(window, qtbot)
    _in_flight(window, qtbot, held)
    task = window.work.prebuilder._task
    window.close()  # cancels the preparation and joins its thread (never released here)
    assert not task.is_running() or task.wait(0)
    assert not window.work.prebuilder.shelf.busy()


def test_a_preset_during_the_preparation_prepares_the_new_network(window, qtbot, held) -> None:
    _xor(window, qtbot)
    _in_flight(window, qtbot, held)
    window.apply_preset("mlp-2-4-2")
    held.release()
    qtbot.waitUntil(lambda: window.data.dataset.name == "circles" and
                    not window.data.is_loading(), timeout=60000)
    spec, seed = window.builder.spec(), window.builder.config().seed
    qtbot.waitUntil(lambda: window.work.prebuilder.shelf.ready(prebuild.key(spec, seed)),
                    timeout=120000)
    with qtbot.waitSignal(window.training.runFinished, timeout=180000) as run:
        window.training.trainButton.click()
    assert run.args[0].ok and window.session.model is held.models[-1]


def test_opening_a_project_during_the_preparation(window, qtbot, held, tmp_path,
                                                  open_and_wait) -> None:
    _xor(window, qtbot)
    path = tmp_path / "untrained.nngui"
    assert window.save_project_to(path)
    _in_flight(window, qtbot, held)
    key = window.work.prebuilder._for
    assert open_and_wait(window, path)
    assert window.work.prebuilder._for != key  # what was being prepared is not the project's
    held.release()
    qtbot.waitUntil(lambda: not window.work.prebuilder.is_preparing(), timeout=60000)
    with qtbot.waitSignal(window.training.runFinished, timeout=120000) as run:
        window.training.trainButton.click()
    assert run.args[0].ok


def test_a_sweep_and_the_lab_during_the_preparation(window, qtbot, held) -> None:
    _xor(window, qtbot, epochs=3)
    _in_flight(window, qtbot, held)
    lab = window.pages.lab
    window.tabs.setCurrentWidget(lab)
    lab.runNButton.click()  # the lab's NumPy net trains beside the preparation
    assert lab.net.iteration > 0
    runs = window.pages.watch.runs
    runs.seedRepeatSpin.setValue(2)
    with qtbot.waitSignal(runs.sweepFinished, timeout=180000) as swept:
        assert runs.start_sweep("seeds")  # its runs wait for the preparation
        qtbot.waitUntil(lambda: "Preparing the network" in
                        window.training.trainingStatus.text(), timeout=30000)
        held.release()
    assert swept.args[0] == 2


def test_the_preparation_runs_at_the_training_switch_interval() -> None:
    from nngui.gui.common.tasks import TRAINING_JOBS

    assert prebuilder_module.JOB in TRAINING_JOBS  # the run's own work, done early
