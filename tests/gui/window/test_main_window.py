"""The main window as a user meets it: contracts, presets, training, closing, bad files."""

import threading

import numpy as np
from PySide6.QtWidgets import QWidget

from nngui.gui.window.main_window import MainWindow

CONTRACT_NAMES = ["networkBuilder", "datasetCombo", "presetCombo", "trainButton", "stopButton",
                  "lossPlot", "accuracyPlot", "trainingProgress", "summaryTable",
                  "confusionMatrix"]


def _child(w, name):
    found = w.findChild(QWidget, name) or w.findChild(object, name)
    assert found is not None, name
    return found


def test_contract_widgets_exist_and_it_opens_on_bundled_digits(window):
    for name in CONTRACT_NAMES:
        _child(window, name)
    assert window.data.dataset.name == "digits"
    assert window.summary.total_params() == 15_910


def test_choosing_a_preset_updates_builder_and_summary(window, qtbot):
    combo = _child(window, "presetCombo")
    window.apply_preset("mnist-mlp-512")
    assert combo.currentData() == "mnist-mlp-512"
    assert window.summary.total_params() == 669_706
    assert len(window.builder.spec().layers) == 5


def test_train_from_the_window_then_close_mid_run_leaves_no_thread(window, qtbot):
    window.apply_preset("xor-3-4-1")
    qtbot.waitUntil(lambda: window.data.dataset.name == "xor", timeout=20000)
    with qtbot.waitSignal(window.training.runFinished, timeout=120000) as blocker:
        _child(window, "trainButton").click()
    result = blocker.args[0]
    assert result.reason == "finished"
    xs, _ = window.training.findChild(object, "lossPlot").getPlotItem().listDataItems()[0] \
        .getData()
    assert xs is not None and len(xs) > 0
    # evaluation ran after the run: a 2-class confusion matrix over the 4 XOR samples
    qtbot.waitUntil(lambda: window.evaluate.report is not None, timeout=60000)
    cm = _child(window, "confusionMatrix")
    total = sum(int(cm.item(r, c).text()) for r in range(cm.rowCount())
                for c in range(cm.columnCount()))
    assert total == 4
    # a long run, closed mid-way: the worker thread is stopped and joined
    window.builder.set_config(window.builder.config().__class__(epochs=5000, batch_size=4,
                                                                validation_split=0.0))
    with qtbot.waitSignal(window.training.runStarted, timeout=10000):
        _child(window, "trainButton").click()
    qtbot.waitUntil(lambda: window.training.is_running(), timeout=10000)
    [task] = window.tasks.running("train")
    window.close()  # one shutdown: every job cancelled and joined
    assert task.wait(0) and not window.tasks.running()
    assert window.session.epochs_done < 5000


def test_invalid_network_is_explained_not_trained(window, qtbot, messages):
    spec = window.builder.spec()
    spec.layers[-1].params["units"] = 1  # 10 classes, one softmax unit
    window.builder.set_spec(spec)
    _child(window, "trainButton").click()
    assert messages and messages[-1][0] == "warning"
    assert "single output" in messages[-1][2] or "1 unit" in messages[-1][2]
    assert not window.training.is_running()


def test_corrupt_files_show_a_message_and_keep_the_network(window, tmp_path, messages):
    before = window.builder.spec().to_dict()
    bad_model = tmp_path / "broken.keras"
    bad_model.write_bytes(b"\x00garbage")
    assert window.open_path(bad_model) is False
    bad_json = tmp_path / "net.json"
    bad_json.write_text("{not json")
    assert window.open_path(bad_json) is False
    assert [m[0] for m in messages[-2:]] == ["warning", "warning"]
    assert "not a Keras model" in messages[-2][2] and "JSON" in messages[-1][2]
    assert window.builder.spec().to_dict() == before


def test_save_and_open_a_network(window, tmp_path):
    window.apply_preset("mnist-cnn")
    path = tmp_path / "cnn.json"
    window.save_spec(path)
    window.apply_preset("xor-3-4-1")
    assert window.open_path(path)
    assert window.summary.total_params() == 34_826


def test_bad_data_file_shows_a_message(window, qtbot, tmp_path, messages):
    bad = tmp_path / "data.csv"
    bad.write_text("a,b,label\n1,2\n3,4,5,6\n")
    with qtbot.waitSignal(window.data.failed, timeout=20000):
        window.data.load_file(str(bad))
    assert messages and "data.csv" in messages[-1][2]
    assert window.data.dataset.name == "digits"  # what was loaded before stays


def test_loading_real_mnist_file_switches_data(window, qtbot, mnist_path):
    with qtbot.waitSignal(window.data.loaded, timeout=60000):
        window.data.load_file(str(mnist_path))
    assert window.data.dataset.name == "mnist"
    assert window.data.dataset.x_train.shape == (8000, 28, 28)  # all of the shipped slice
    assert np.isclose(window.data.dataset.x_train.max(), 1.0)


def test_autoencoder_preset_trains_and_fills_the_studio(window, qtbot):
    window.apply_preset("ae-2d")  # MNIST absent (and declined): trains on the bundled digits
    assert window.session.spec.kind == "autoencoder"
    assert window.summary.total_params() == 210_562
    cfg = window.builder.config()
    cfg.epochs, cfg.batch_size = 2, 64
    window.builder.set_config(cfg)
    ae_panel = window.autoencoder
    with qtbot.waitSignal(ae_panel.analyzed, timeout=120000):
        with qtbot.waitSignal(window.training.runFinished, timeout=120000) as run:
            _child(window, "trainButton").click()
    assert run.args[0].reason == "finished"
    recon = _child(window, "reconstructionView")
    assert recon.array is not None and recon.array.shape[0] > 28 * 2  # two rows of digits
    n_points = sum(len(s.data) for s in ae_panel.latent.scatters)
    assert n_points == len(window.data.dataset.x_test)
    assert window.tabs.currentWidget() is ae_panel


def _draw(canvas, pts):
    from PySide6.QtCore import QPoint, Qt
    from PySide6.QtTest import QTest

    sq = canvas.square()

    def at(u, v):
        return QPoint(int(sq.x() + u * sq.width()), int(sq.y() + v * sq.height()))

    QTest.mousePress(canvas, Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier,
                     at(*pts[0]))
    for u, v in pts[1:]:
        QTest.mouseMove(canvas, at(u, v))
    QTest.mouseRelease(canvas, Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier,
                       at(*pts[-1]))


def test_fresh_install_reads_drawings_with_the_bundled_model(window, qtbot):
    qtbot.waitUntil(lambda: window.draw.current_model() is not None, timeout=120000)
    assert "bundled" in window.draw.current_model()[0]
    window.show()
    window.tabs.setCurrentWidget(window.draw)
    qtbot.waitExposed(window)
    one = [(0.52, 0.12 + 0.76 * i / 30) for i in range(31)]
    _draw(_child(window, "drawCanvas"), one)
    qtbot.waitUntil(lambda: _child(window, "predictionLabel").text() == "1", timeout=5000)
    # the bundled autoencoder rebuilds the drawing beside it and marks its latent point
    qtbot.waitUntil(lambda: window.autoencoder.latent._plane is not None, timeout=60000)
    window.draw.refresh()
    assert _child(window, "drawReconstruction").isVisible()
    assert len(window.autoencoder.latent.pointMarker.data) == 1


def test_finetune_waits_for_enough_samples(window, qtbot, messages):
    """One taught digit cannot show whether fine-tuning helped; it must not start a run."""
    from nngui.core.drawing.finetune import MIN_SAMPLES

    qtbot.waitUntil(lambda: window.draw.current_model() is not None, timeout=120000)
    title = window.draw.current_model()[0]
    window.draw.samples_store.add(np.zeros((28, 28), np.float32), 5)
    started = []
    window.training.runStarted.connect(lambda: started.append(True))
    window.drawing.start_finetune()  # refuses at once, in this call
    assert not started and window.drawing.last_report is None
    assert messages and f"at least {MIN_SAMPLES}" in messages[-1][2]
    assert "you have taught 1" in messages[-1][2]
    # it names the row of digit buttons by the words the Draw tab shows beside them (it said
    # 'under “This is a…”' beside a label reading "Wrong? This is a …")
    from PySide6.QtWidgets import QLabel

    shown = {label.text() for label in window.draw.findChildren(QLabel)}
    named = messages[-1][2].split("“")[1].split("”")[0]
    assert named in shown and f"beside “{named}”" in messages[-1][2]
    assert window.draw.current_model()[0] == title  # nothing new selected


def test_finetune_from_the_draw_tab_runs_with_live_curves(window, qtbot):
    from digit_strokes import UNUSUAL, render

    from nngui.core.drawing.preprocess import to_mnist

    qtbot.waitUntil(lambda: window.draw.current_model() is not None, timeout=120000)
    bundled_title, bundled = window.draw.current_model()
    bundled_weights = [w.copy() for w in bundled.get_weights()]
    rng = np.random.default_rng(3)
    for digit, strokes in UNUSUAL.items():
        for _ in range(4):
            h = rng.uniform(0.4, 0.8)
            box = (rng.uniform(0.05, 0.5), rng.uniform(0.05, 0.95 - h), h * 0.65, h)
            window.draw.samples_store.add(to_mnist(render(strokes, box=box, thickness=18)),
                                          digit)
    started = []
    window.training.runStarted.connect(
        lambda: started.append(window.training.trainingStatus.text()))
    window.drawing.start_finetune()
    qtbot.waitUntil(lambda: window.drawing.last_report is not None, timeout=300000)
    # the Train tab says what it trains: the drawing model, not the builder's network
    base = bundled_title.removesuffix(" (bundled)")
    assert started and started[0].startswith(f"Fine-tuning {base} on your digits"), started
    report = window.drawing.last_report
    assert started and report.result.reason == "finished"
    assert report.n_holdout > 0
    assert report.user_after >= report.user_before
    assert report.mnist_after >= report.mnist_before - 0.005
    assert "Fine-tuned" in window.draw.samples.statusLabel.text()
    # the fine-tuned copy is selected and kept for next time; the bundled model is untouched
    title, tuned = window.draw.current_model()
    assert title.endswith("fine-tuned") and tuned is not bundled
    assert all(np.array_equal(a, b) for a, b in zip(bundled.get_weights(), bundled_weights,
                                                    strict=True))
    assert window.drawing.saved_path.is_file()
    # the run list compares runs of the builder's networks: no "0 epochs" drawing-model row
    assert window.projects.state.runs == [] and window.projects.state.live is None
    again = MainWindow()  # a restart
    qtbot.addWidget(again)
    qtbot.waitUntil(lambda: again.draw.current_model() is not None, timeout=120000)
    assert again.draw.current_model()[0] == title
    again.close()


class RecordingModel:
    """A Keras model seen through a proxy that records which thread touches it, and whether
    a job held it at that moment."""

    def __init__(self, model, tasks) -> None:
        object.__setattr__(self, "_model", model)
        object.__setattr__(self, "_tasks", tasks)
        object.__setattr__(self, "calls", [])

    def __getattr__(self, name):
        self.calls.append((threading.get_ident(), name, self._tasks.is_held(self)))
        return getattr(self._model, name)

    def __setattr__(self, name, value):
        self.calls.append((threading.get_ident(), name, self._tasks.is_held(self)))
        setattr(self._model, name, value)


def test_gui_thread_never_calls_into_a_model_a_job_holds(window, qtbot):
    """Reconstructions during training come from a probe in the training thread."""
    window.apply_preset("ae-2d")  # trains on the bundled digits
    cfg = window.builder.config()
    cfg.epochs, cfg.batch_size = 3, 64
    window.builder.set_config(cfg)
    session = window.session
    session.spec = window.builder.spec()
    proxy = RecordingModel(session.ensure_model(cfg.seed), window.tasks)
    session.model = proxy
    probes = []
    window.training.probeArrived.connect(lambda name, epoch, _p: probes.append((name, epoch)))
    with qtbot.waitSignal(window.autoencoder.analyzed, timeout=120000):
        with qtbot.waitSignal(window.training.runFinished, timeout=120000) as run:
            _child(window, "trainButton").click()
    assert run.args[0].reason == "finished"
    # one per epoch, live: the reconstructions, the learning rate, and the weight statistics
    # and test curve every network's run sends (the Watch tab's plots)
    assert sorted(probes) == [(name, e) for name in ("learning_rate", "reconstructions",
                                                     "test_curve", "weight_stats")
                              for e in range(3)]
    gui = threading.main_thread().ident
    held_calls = [(t, name) for t, name, held in proxy.calls if held]
    assert any(t != gui for t, _ in held_calls)  # fit, compile and the probe: the job's thread
    assert not [name for t, name in held_calls if t == gui]
    recon = _child(window, "reconstructionView")
    assert recon.array is not None and recon.array.shape[0] >= 28 * 2  # originals, rebuilt


def test_an_opened_keras_model_evaluates_from_the_gui(window, qtbot, messages):
    from nngui.core.platform.resources import bundled_model

    path = bundled_model("mnist_mlp")
    assert window.open_path(path)
    assert window.training.trainButton.text() == "Continue training"
    with qtbot.waitSignal(window.evaluate.evaluated, timeout=120000) as done:
        _child(window, "evaluateButton").click()
    metrics = done.args[0]
    assert metrics["samples"] == len(window.data.dataset.x_test)
    assert metrics["accuracy"] > 0.5  # the MNIST MLP reads the bundled (upscaled) digits
    assert window.evaluate.confusionMatrix.rowCount() == 10


def test_opening_a_file_during_training_keeps_the_run(window, qtbot, tmp_path, messages):
    window.apply_preset("xor-3-4-1")
    qtbot.waitUntil(lambda: window.data.dataset.name == "xor", timeout=20000)
    window.save_spec(tmp_path / "other.json")
    window.builder.set_config(window.builder.config().__class__(epochs=5000, batch_size=4,
                                                                validation_split=0.0))
    with qtbot.waitSignal(window.training.runStarted, timeout=10000):
        _child(window, "trainButton").click()
    session = window.session
    assert window.open_path(tmp_path / "other.json") is False
    assert messages and "Stop training" in messages[-1][2]
    assert window.session is session and window.training.is_running()
    with qtbot.waitSignal(window.training.runFinished, timeout=60000):
        window.training.stop()


def test_train_pressed_while_the_data_loads_starts_when_it_is_ready(window, qtbot):
    window.apply_preset("xor-3-4-1")
    qtbot.waitUntil(lambda: window.data.dataset.name == "xor", timeout=20000)
    window.data.dataset = None  # as at start-up, before the first dataset arrived
    window.data.select("xor")
    assert window.data.is_loading()
    with qtbot.waitSignal(window.training.runFinished, timeout=120000) as run:
        _child(window, "trainButton").click()
    assert run.args[0].reason == "finished"
