"""A scripted student takes lessons in the real window (offscreen): each check turns green
only after its step, a guess is asked before the run and the outcome shown beside it,
progress is kept in the project file, and Submit writes what `nngui lesson check` passes."""

from __future__ import annotations

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QLabel

from nngui.core.lessons.library import find_lesson
from nngui.core.lessons.submission import check_project


def green(panel, goal_id: str) -> bool:
    label = panel.findChild(QLabel, f"goal_{goal_id}")
    return label.text().startswith("✔") and "bold" in label.styleSheet()


def choose_lesson(w, lesson_id: str):
    w.lessons.show()
    panel = w.lessons.panel
    combo = panel.lessonCombo
    combo.setCurrentIndex(combo.findData(lesson_id))
    combo.activated.emit(combo.currentIndex())
    assert panel.progress.lesson.id == lesson_id
    return panel


def do_step(w, qtbot, panel, step_id: str, guess: int | None = None, dataset: str = "") -> None:
    box = panel.boxes[step_id]
    if box.step.predict is not None:
        assert not box.setUpButton.isEnabled()  # the guess comes first
        box.guessGroup.button(guess).setChecked(True)
        qtbot.mouseClick(box.commitButton, Qt.MouseButton.LeftButton)
        assert not box.guessGroup.button(guess).isEnabled()
    assert box.setUpButton.isEnabled()
    qtbot.mouseClick(box.setUpButton, Qt.MouseButton.LeftButton)
    want = dataset or box.step.setup.get("dataset") or _preset_data(box.step.setup["preset"])
    qtbot.waitUntil(lambda: w.data.dataset is not None and w.data.dataset.name == want
                    and not w.data.is_loading(), timeout=60000)
    asked = panel.asked
    with qtbot.waitSignal(w.training.runFinished, timeout=300000):
        assert w.train()
    measured_after(qtbot, panel, asked)


def measured_after(qtbot, panel, asked: int, timeout: int = 30000) -> None:
    """Wait for checks started after ``asked`` (``panel.asked`` before the run): not an
    older check's results, which measured the session as it was then."""
    qtbot.waitUntil(lambda: panel.shown > asked, timeout=timeout)


def train_and_check(w, qtbot, panel, restart: bool = False) -> None:
    """Train (or Continue) as the Train button does, and wait for the checks after it."""
    asked = panel.asked
    with qtbot.waitSignal(w.training.runFinished, timeout=300000):
        # the last run's job (or a check) may still hold the network for a moment
        qtbot.waitUntil(lambda: not w.tasks.is_held(w.session), timeout=30000)
        assert w.train(restart=restart)
    measured_after(qtbot, panel, asked)


def _preset_data(name: str) -> str:
    from nngui.core.training.presets import get_preset

    return get_preset(name).dataset


def test_a_student_completes_the_perceptron_and_hidden_space_lesson(window, qtbot, tmp_path):
    w = window
    panel = choose_lesson(w, "perceptron-mlp")
    lesson = panel.progress.lesson
    all_goals = [g.id for _, g in lesson.goals()]
    assert not any(green(panel, g) for g in all_goals)
    assert not w.findChild(type(w.lessons.dock), "lessonsDock").isHidden()

    do_step(w, qtbot, panel, "perceptron", guess=1)
    assert green(panel, "perceptron-trained")
    # the perceptron never separates XOR: that goal (and every later one) is still open
    assert not any(green(panel, g) for g in all_goals[1:])
    outcome = panel.findChild(QLabel, "outcome_perceptron").text()
    assert outcome.startswith("Your guess: no, never. What happened: train accuracy")

    do_step(w, qtbot, panel, "feature", guess=0)
    assert green(panel, "separates-xor") and w.builder.spec().features == ["x1*x2"]
    assert not green(panel, "hidden-separable") and not green(panel, "xor-sse")

    do_step(w, qtbot, panel, "hidden-space", guess=0)
    assert green(panel, "hidden-separable") and green(panel, "xor-sse")
    assert "one line separates" in panel.findChild(QLabel, "outcome_hidden-space").text()
    assert not green(panel, "moons-95")

    # progress is part of the project: saved, and back after opening it elsewhere
    path = tmp_path / "student.nngui"
    qtbot.waitUntil(lambda: not w.tasks.is_held(w.session.model), timeout=30000)
    assert w.projects.save_project_to(path)
    # the moons with two hidden units (too few): measured, and not green
    w.apply_preset("mlp-2-2-2")
    qtbot.waitUntil(lambda: w.data.dataset.name == "moons" and not w.data.is_loading(),
                    timeout=60000)
    asked = panel.asked
    with qtbot.waitSignal(w.training.runFinished, timeout=300000):
        assert w.train()
    measured_after(qtbot, panel, asked)
    assert panel.last["moons-95"].value < 0.95 and not green(panel, "moons-95")
    assert "below 95 %" in panel.findChild(QLabel, "goal_moons-95").text()

    do_step(w, qtbot, panel, "moons")
    assert green(panel, "moons-95")
    do_step(w, qtbot, panel, "circles")
    assert all(green(panel, g) for g in all_goals)
    assert panel.progressLabel.text().endswith("lesson complete!")

    w.projects.new_project()
    assert w.open_path(path)
    qtbot.waitUntil(lambda: not w.projects.is_opening(), timeout=60000)
    qtbot.waitUntil(lambda: panel.progress.lesson.id == "perceptron-mlp"
                    and green(panel, "hidden-separable"), timeout=30000)
    assert not green(panel, "moons-95")  # met after the save: not in the saved progress
    assert "Your guess: no, never" in panel.findChild(QLabel, "outcome_perceptron").text()

    # Submit: the teacher's check re-measures the submitted 2-2-1 net and agrees
    sub = tmp_path / "submission.nngui"
    qtbot.waitUntil(lambda: w.session.model is not None and not w.data.is_loading()
                    and not w.tasks.is_held(w.session.model), timeout=60000)
    assert w.lessons.submit_to(sub)
    report = check_project(find_lesson("perceptron-mlp")[0], sub)
    got = {g["id"]: g["met"] for g in report["goals"]}
    assert got["hidden-separable"] and got["xor-sse"] and not got["moons-95"]
    assert report["submission"]["honest"] is True, report["submission"]


def test_the_backprop_lesson_sse_and_a_learning_rate_sweep(window, qtbot):
    w = window
    panel = choose_lesson(w, "backprop-xor")
    do_step(w, qtbot, panel, "sse", guess=0)
    assert green(panel, "sse-below") and not green(panel, "three-rates")
    qtbot.mouseClick(panel.boxes["learning-rate"].setUpButton, Qt.MouseButton.LeftButton)
    runs = w.watch.runs
    with qtbot.waitSignal(runs.sweepEnded, timeout=300000):
        assert runs.start_sweep("lr")
    qtbot.waitUntil(lambda: green(panel, "three-rates"), timeout=30000)


def test_sweep_steps_name_the_real_buttons_and_set_up_their_tab(window):
    """A step that says which button to press names it as the window shows it, on the tab
    its Set up opens (the sweeps live on the Watch tab, above the run list)."""
    w = window
    runs = w.watch.runs
    for lesson_id, step_id, button in [("backprop-xor", "learning-rate", runs.lrSweepButton),
                                       ("keras-mnist", "optimizers",
                                        runs.optimizerSweepButton)]:
        step = next(s for s in find_lesson(lesson_id)[0].steps if s.id == step_id)
        assert w.watch.isAncestorOf(button)
        assert f'"{button.text()}" on the Watch tab' in step.text, (lesson_id, step.text)
        assert step.setup["tab"] == "watch"


def test_a_goal_says_what_it_needs_of_the_data_set_up_not_the_data_before(window, qtbot):
    w = window
    panel = choose_lesson(w, "backprop-xor")
    label = panel.findChild(QLabel, "goal_sse-below")
    w.lessons.set_up({"dataset": "moons"})
    # the data as the Data list names it, not its internal id
    qtbot.waitUntil(lambda: "needs the data “XOR (4 samples; the 3rd input is a constant 1"
                    in label.text() and "(this is Two moons)" in label.text(), timeout=30000)
    w.lessons.set_up(panel.boxes["sse"].step.setup)  # the XOR preset and its data
    qtbot.waitUntil(lambda: w.data.dataset.name == "xor" and not w.data.is_loading(),
                    timeout=30000)
    qtbot.waitUntil(lambda: "needs the data" not in label.text(), timeout=30000)


def test_going_back_to_a_lesson_resumes_it(window, qtbot):
    """Lesson 1's guesses and met checks are still there after a look at lesson 2."""
    w = window
    panel = choose_lesson(w, "backprop-xor")
    box = panel.boxes["sse"]
    box.guessGroup.button(1).setChecked(True)
    qtbot.mouseClick(box.commitButton, Qt.MouseButton.LeftButton)
    panel.progress.met["sse-below"] = {"value": 0.001, "detail": "SSE 0.001 (< 0.05)"}
    panel._show()
    assert green(panel, "sse-below")
    choose_lesson(w, "activations-losses")
    assert not panel.progress.predictions
    choose_lesson(w, "backprop-xor")
    assert panel.boxes["sse"].committed()
    assert panel.progress.predictions["sse"]["guess"] == "no"
    assert green(panel, "sse-below") and panel.progressLabel.text().startswith("1 of 2")


def test_a_teachers_lesson_file_opens_and_a_bad_one_is_one_message(window, qtbot, tmp_path,
                                                                    messages):
    w = window
    good = tmp_path / "hw.toml"
    good.write_text('lesson = 1\nid = "hw"\ntitle = "Homework"\n\n[[steps]]\nid = "a"\n'
                    'title = "A"\n[steps.setup]\npreset = "xor-2-2-1"\n', encoding="utf-8")
    assert w.lessons.open_lesson_file(good)
    assert w.lessons.panel.progress.lesson.id == "hw"
    assert w.lessons.panel.lessonCombo.currentText() == "Homework"
    bad = tmp_path / "bad.toml"
    bad.write_text('lesson = 1\nid = "hw"\ntitle = "Homework"\n', encoding="utf-8")
    assert not w.lessons.open_lesson_file(bad)
    assert messages[-1][2] == "bad.toml: steps: a lesson has 1 to 100 [[steps]]."


def test_set_up_applies_preset_settings_network_and_tab(window, qtbot):
    w = window
    w.lessons.set_up({"preset": "perceptron-xor", "features": ["x1*x2"], "lr": 0.2,
                      "epochs": 7, "validation_split": 0.0, "tab": "watch"})
    spec, cfg = w.builder.spec(), w.builder.config()
    assert spec.name == "perceptron_xor" and spec.features == ["x1*x2"] and spec.lr == 0.2
    assert cfg.epochs == 7 and w.tabs.currentWidget() is w.watch
    qtbot.waitUntil(lambda: w.data.dataset.name == "xor2", timeout=30000)
    w.lessons.set_up({"dataset": "moons", "tab": "evaluate"})
    qtbot.waitUntil(lambda: w.data.dataset.name == "moons", timeout=30000)
    assert w.tabs.currentWidget() is w.evaluate


def test_a_student_completes_the_activations_and_losses_lesson(window, qtbot, tmp_path,
                                                               open_and_wait):
    w = window
    panel = choose_lesson(w, "activations-losses")
    do_step(w, qtbot, panel, "curve")
    assert green(panel, "curve-fit")
    # the fitted line is where the step says it is: the Watch tab draws none for a regressor
    assert '"Fitted curve"' in panel.boxes["curve"].step.text
    assert panel.boxes["curve"].step.setup["tab"] == "evaluate"
    qtbot.waitUntil(lambda: w.evaluate.report is not None and
                    w.evaluate.report.curve is not None, timeout=60000)
    assert w.evaluate.tabs.tabText(2) == "Fitted curve" and w.evaluate.tabs.isTabEnabled(2)
    assert not green(panel, "xor-bce")
    # the step's SSE net, trained as it is, does not count: the step asks for cross-entropy
    do_step(w, qtbot, panel, "cross-entropy")
    assert not green(panel, "xor-bce") and "Binary CE" in panel.last["xor-bce"].detail
    spec = w.builder.spec()
    spec.loss, spec.optimizer, spec.learning_rate, spec.optimizer_params = (
        "binary_crossentropy", "adam", 0.05, {})
    w.builder.set_spec(spec)
    # the change alone does not count: the model in the session learnt with SSE
    qtbot.waitUntil(lambda: not w.tasks.is_held(w.session), timeout=30000)
    asked = panel.asked
    panel.refresh()
    measured_after(qtbot, panel, asked)
    assert w.session.spec.loss == "binary_crossentropy" and w.session.model is not None
    assert not green(panel, "xor-bce")
    assert "(the model was trained with SSE: train it again)" in panel.last["xor-bce"].detail
    # saved like that and opened again, it is still the model trained with SSE
    path = tmp_path / "changed-loss.nngui"
    qtbot.waitUntil(lambda: not w.tasks.is_held(w.session.model), timeout=30000)
    assert w.projects.save_project_to(path)
    w.projects.new_project()
    assert open_and_wait(w, path)
    qtbot.waitUntil(lambda: w.session.model is not None and "train it again" in panel.findChild(
        QLabel, "goal_xor-bce").text(), timeout=60000)
    assert w.session.spec.loss == "binary_crossentropy" and not green(panel, "xor-bce")
    report = check_project(find_lesson("activations-losses")[0], path)
    assert {g["id"]: g["met"] for g in report["goals"]}["xor-bce"] is False
    asked = panel.asked
    with qtbot.waitSignal(w.training.runFinished, timeout=300000):
        # the last run's job (or Evaluate's) may still hold the network for a moment
        qtbot.waitUntil(lambda: w.train(restart=True), timeout=30000)
    measured_after(qtbot, panel, asked)
    assert green(panel, "xor-bce"), panel.last["xor-bce"].detail
    assert panel.progressLabel.text() == "2 of 2 checks met — lesson complete!"


def test_a_met_check_shows_what_is_measured_now_and_stays_met(window, qtbot):
    w = window
    panel = choose_lesson(w, "backprop-xor")
    label = panel.findChild(QLabel, "goal_sse-below")
    do_step(w, qtbot, panel, "sse", guess=0)
    first = panel.last["sse-below"]
    assert green(panel, "sse-below") and first.detail in label.text()
    train_and_check(w, qtbot, panel)  # Continue: 150 more epochs, a smaller SSE
    now = panel.last["sse-below"]
    assert now.met and now.value < first.value and now.detail != first.detail
    assert green(panel, "sse-below") and now.detail in label.text()
    assert first.detail not in label.text()
    cfg = w.builder.config()
    cfg.epochs = 1
    w.builder.set_config(cfg)
    train_and_check(w, qtbot, panel, restart=True)  # one epoch from scratch: far from it
    again = panel.last["sse-below"]
    assert not again.met and green(panel, "sse-below")  # met once: the lesson keeps it
    assert f"now {again.detail}" in label.text() and "met before" in label.text()
    assert panel.progress.met["sse-below"]["value"] == now.value


def test_every_lessons_progress_comes_back_with_the_project(window, qtbot, tmp_path,
                                                           open_and_wait):
    """Not only the lesson on screen: each lesson's checks and guesses are in the file."""
    w = window
    panel = choose_lesson(w, "backprop-xor")
    do_step(w, qtbot, panel, "sse", guess=1)
    assert green(panel, "sse-below")
    panel = choose_lesson(w, "perceptron-mlp")
    box = panel.boxes["perceptron"]
    box.guessGroup.button(1).setChecked(True)
    qtbot.mouseClick(box.commitButton, Qt.MouseButton.LeftButton)
    path = tmp_path / "two-lessons.nngui"
    qtbot.waitUntil(lambda: not w.tasks.is_held(w.session.model), timeout=30000)
    assert w.projects.save_project_to(path)
    w.projects.new_project()
    choose_lesson(w, "activations-losses")
    assert open_and_wait(w, path)
    qtbot.waitUntil(lambda: panel.progress.lesson.id == "perceptron-mlp", timeout=30000)
    assert panel.boxes["perceptron"].committed()
    assert panel.progress.predictions["perceptron"]["guess"] == "no, never"
    choose_lesson(w, "backprop-xor")
    assert green(panel, "sse-below") and panel.boxes["sse"].committed()
    assert panel.progress.predictions["sse"]["guess"] == "no"
    assert panel.progressLabel.text().startswith("1 of 2")


# ---- lessons 4 to 6: MNIST, autoencoders, the CIFAR homework --------------------------------

def set_up(w, qtbot, panel, step_id: str, guess: int | None = None, dataset: str = "") -> None:
    """The step's question answered (if it has one), its Set up pressed, its data loaded."""
    box = panel.boxes[step_id]
    if box.step.predict is not None:
        assert not box.setUpButton.isEnabled()  # the guess comes first
        box.guessGroup.button(guess).setChecked(True)
        qtbot.mouseClick(box.commitButton, Qt.MouseButton.LeftButton)
    assert box.setUpButton.isEnabled()
    qtbot.waitUntil(lambda: not w.training.is_running(), timeout=30000)
    qtbot.mouseClick(box.setUpButton, Qt.MouseButton.LeftButton)
    want = dataset or box.step.setup.get("dataset") or _preset_data(box.step.setup["preset"])
    qtbot.waitUntil(lambda: w.data.dataset is not None and w.data.dataset.name == want
                    and not w.data.is_loading(), timeout=120000)


def press_train(w, qtbot, panel, timeout: int = 600000) -> None:
    """The lesson panel's own Train button (the step's tab has none), then the checks."""
    qtbot.waitUntil(lambda: not w.tasks.is_held(w.session), timeout=60000)
    asked = panel.asked
    with qtbot.waitSignal(w.training.runFinished, timeout=timeout):
        qtbot.mouseClick(panel.trainButton, Qt.MouseButton.LeftButton)
    measured_after(qtbot, panel, asked, 120000)


def set_epochs(w, epochs: int) -> None:
    cfg = w.builder.config()
    cfg.epochs = epochs
    w.builder.set_config(cfg)


def open_goals(panel) -> list[str]:
    return [g.id for _, g in panel.progress.lesson.goals() if not green(panel, g.id)]


@pytest.mark.slow
def test_a_student_completes_the_keras_mnist_lesson(window, qtbot, monkeypatch,
                                                    full_mnist_path):
    """Lesson 4 on the real 60,000/10,000 MNIST (its goals are about the full test set); the
    fewer epochs a student in a hurry would choose where a preset's take minutes."""
    w = window
    monkeypatch.setenv("NNGUI_MNIST", str(full_mnist_path))
    panel = choose_lesson(w, "keras-mnist")
    set_up(w, qtbot, panel, "small-mlp")
    assert w.tabs.currentWidget() is w.evaluate and len(w.data.dataset.y_test) == 10000
    press_train(w, qtbot, panel)
    assert green(panel, "mnist-93") and open_goals(panel) == [
        "mnist-97", "small-97", "three-optimizers", "overfits"]

    set_up(w, qtbot, panel, "dropout")
    set_epochs(w, 3)
    press_train(w, qtbot, panel)
    assert green(panel, "mnist-97"), panel.last["mnist-97"].detail

    set_up(w, qtbot, panel, "small-and-good")
    label = panel.findChild(QLabel, "goal_small-97")
    qtbot.waitUntil(lambda: "needs at most 20,000 parameters (this network has 34,826)"
                    in label.text(), timeout=30000)
    spec = w.builder.spec()  # half the filters: 12,810 parameters
    for layer in spec.layers:
        if layer.type == "Conv2D":
            layer.params["filters"] //= 2
    w.builder.set_spec(spec)
    press_train(w, qtbot, panel)
    assert green(panel, "small-97"), panel.last["small-97"].detail

    set_up(w, qtbot, panel, "optimizers")
    assert w.tabs.currentWidget() is w.watch
    set_epochs(w, 1)
    runs = w.watch.runs
    with qtbot.waitSignal(runs.sweepEnded, timeout=600000):
        qtbot.mouseClick(runs.optimizerSweepButton, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: green(panel, "three-optimizers"), timeout=120000)
    # the dropout run's validation loss wobbled, it did not rise: not yet overfitting
    assert not green(panel, "overfits")

    set_up(w, qtbot, panel, "overfitting", guess=1)
    assert w.builder.config().validation_split == 0.1
    for i in reversed([i for i, lay in enumerate(w.builder.spec().layers)
                       if lay.type == "Dropout"]):
        w.builder.select_layer(i)
        w.builder.remove_selected()
    assert [lay.type for lay in w.builder.spec().layers] == ["Dense"] * 3
    assert w.builder.config().epochs == 20
    press_train(w, qtbot, panel)
    assert green(panel, "overfits"), panel.last["overfits"].detail
    outcome = panel.findChild(QLabel, "outcome_overfitting").text()
    assert outcome.startswith("Your guess: no, it will rise again. What happened: in this "
                              "run: validation loss lowest at epoch")
    assert panel.progressLabel.text() == "5 of 5 checks met — lesson complete!"


@pytest.mark.slow
def test_a_student_completes_the_autoencoder_lesson(window, qtbot, monkeypatch,
                                                    full_mnist_path):
    """Lesson 5 on the real MNIST, each preset trained as it comes (30 epochs); the 32-D code
    drawn by t-SNE as the step says."""
    w = window
    monkeypatch.setenv("NNGUI_MNIST", str(full_mnist_path))
    panel = choose_lesson(w, "autoencoders")
    set_up(w, qtbot, panel, "two-d")
    assert w.tabs.currentWidget() is w.autoencoder
    press_train(w, qtbot, panel)
    assert green(panel, "ae2-loss") and not green(panel, "ae32-loss")

    set_up(w, qtbot, panel, "thirty-two-d")
    press_train(w, qtbot, panel)
    assert green(panel, "ae32-loss"), panel.last["ae32-loss"].detail
    assert panel.progressLabel.text() == "2 of 2 checks met — lesson complete!"
    latent = w.autoencoder.latent
    combo = latent.projectionCombo
    # 32 numbers a digit: drawn by PCA or t-SNE, offered once the codes are in
    qtbot.waitUntil(lambda: not combo.isHidden(), timeout=120000)
    with qtbot.waitSignal(w.autoencoder.projectionReady, timeout=300000,
                          check_params_cb=lambda what: what == "tsne"):
        combo.setCurrentIndex(combo.findData("tsne"))


def cifar_shaped_npz(mnist_path, out, n_train: int = 3000, n_test: int = 1000):
    """CIFAR-10's layout as nngui keeps it (and Keras' load_data() gives it), (N, 32, 32, 3)
    uint8 and (N, 1) labels, filled with real MNIST digits (CIFAR itself is not here)."""
    import numpy as np

    d = np.load(mnist_path)

    def colour(x):
        return np.repeat(np.pad(x, ((0, 0), (2, 2), (2, 2)))[..., None], 3, axis=-1)

    out.parent.mkdir(parents=True, exist_ok=True)
    np.savez(out, x_train=colour(d["x_train"][:n_train]), y_train=d["y_train"][:n_train, None],
             x_test=colour(d["x_test"][:n_test]), y_test=d["y_test"][:n_test, None])
    return out


def test_a_student_does_the_cifar_homework_in_the_app(window, qtbot, tmp_path, mnist_path,
                                                       monkeypatch):
    from nngui.gui.common.data_controller import DataController

    w = window
    panel = choose_lesson(w, "cifar-homework")
    intro = panel.introLabel.text()
    assert "Pick it in the Data list" in intro and "163 MB, once" in intro
    assert "File → Load data file…" in intro  # the offline route stays
    # step 1 needs nothing but the app: the homework's recipe on the bundled digits
    set_up(w, qtbot, panel, "digits")
    assert w.builder.config().epochs == 10
    from nngui.core.training.presets import _dense

    spec = w.builder.spec()  # as the step says: 300 and 200 sigmoid units
    spec.layers = [_dense(300, "sigmoid"), _dense(200, "sigmoid"), spec.layers[-1]]
    w.builder.set_spec(spec)
    press_train(w, qtbot, panel)
    assert green(panel, "digits-90"), panel.last["digits-90"].detail
    assert not green(panel, "cifar-30")

    # step 2: Set up asks to download CIFAR-10; declined, the check says what it needs
    asked = []
    monkeypatch.setattr(DataController, "ask_download_choice",
                        lambda self, name: asked.append(name) or "cancel")
    set_up(w, qtbot, panel, "build", dataset="digits")
    assert asked == ["cifar10"]
    label = panel.findChild(QLabel, "goal_cifar-30")
    qtbot.waitUntil(lambda: "needs the data CIFAR-10 colour images (this is Small digits)"
                    in label.text(), timeout=30000)
    assert w.builder.spec().name == "cifar_mlp"
    # once it is on the computer (here: the cache nngui keeps, made of digits), it is picked
    # in the Data list, trains and is checked
    cifar_shaped_npz(mnist_path, tmp_path / ".keras" / "datasets" / "cifar10.npz")
    combo = w.data.combo
    combo.setCurrentIndex(combo.findData("cifar10"))
    combo.activated.emit(combo.currentIndex())
    qtbot.waitUntil(lambda: w.data.dataset is not None and w.data.dataset.name == "cifar10"
                    and not w.data.is_loading(), timeout=60000)
    assert asked == ["cifar10"]  # found: no second question
    assert w.data.dataset.input_shape == (3072,)
    spec = w.builder.spec()  # adam, as the step suggests for a CPU
    spec.optimizer, spec.learning_rate, spec.optimizer_params = "adam", 0.001, {}
    w.builder.set_spec(spec)
    set_epochs(w, 1)
    press_train(w, qtbot, panel)
    assert green(panel, "cifar-30"), panel.last["cifar-30"].detail
    assert panel.progressLabel.text() == "2 of 2 checks met — lesson complete!"


def test_a_check_overtaken_by_a_newer_one_is_not_shown(qtbot):
    """A check still measuring the session as it was (the network before a Set up) ends after
    the one started when the next run finished: its results are dropped, the newer ones stay
    shown, and a run's guess outcome waits for them."""
    from nngui.core.lessons.checks import Result, Situation
    from nngui.core.training.presets import get_preset
    from nngui.gui.lessons.panel import LessonPanel

    panel = LessonPanel(lambda: Situation(get_preset("mnist-mlp-512").spec(), dataset="mnist"))
    qtbot.addWidget(panel)
    pending = []
    panel.run_checks = lambda work, done: pending.append(done) is None
    panel.set_lesson(*find_lesson("keras-mnist"))
    panel.progress.guess("overfitting", "yes")
    panel.refresh()  # the old network's check, still measuring
    panel.refresh(after_run=True)  # the run's
    old = Result("overfits", False, None, "needs Dense layers of 512-512-10 units (this "
                 "network has 20-10)")
    new = Result("overfits", True, 3.0, "in this run: validation loss lowest at epoch 3")
    pending[1]([new])
    pending[0]([old])
    assert panel.shown == 2 and panel.last["overfits"] is new and green(panel, "overfits")
    assert panel.progress.predictions["overfitting"]["outcome"] == new.detail
    # the other order: the old one is dropped as soon as a newer one has started
    panel.refresh()
    panel.refresh(after_run=True)
    pending[2]([old])
    assert panel.shown == 2 and panel.last["overfits"] is new
    pending[3]([new])
    assert panel.shown == 4 and panel.last["overfits"] is new


def test_the_lesson_box_names_the_whole_title_in_its_tooltip(window):
    """The dock at 1366x768 showed "1 · XOR by hand: backpropagation and the learn", cut
    mid-word, with no tooltip."""
    panel = choose_lesson(window, "backprop-xor")
    assert panel.lessonCombo.toolTip() == find_lesson("backprop-xor")[0].title
    choose_lesson(window, "keras-mnist")
    assert panel.lessonCombo.toolTip() == find_lesson("keras-mnist")[0].title
