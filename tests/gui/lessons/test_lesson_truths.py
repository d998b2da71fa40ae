"""What the lesson panel says follows the session: a goal's need is read again after an edit
in the builder, a goal met on a network since replaced says there is no trained model now, and
a check asked while the data was loading (an opened project) is made once it has loaded."""

from __future__ import annotations

from PySide6.QtWidgets import QLabel

from tests.gui.lessons.test_lesson_panel import choose_lesson, do_step, green


def _goal_text(panel, goal_id: str) -> str:
    return panel.findChild(QLabel, f"goal_{goal_id}").text()


def test_a_goals_need_is_read_again_after_an_edit_in_the_builder(window, qtbot):
    w = window
    panel = choose_lesson(w, "activations-losses")
    box = panel.boxes["cross-entropy"]
    box.setUpButton.click()  # the XOR 2-4-1 net with SSE
    qtbot.waitUntil(lambda: w.data.dataset is not None and w.data.dataset.name == "xor2"
                    and not w.data.is_loading(), timeout=60000)
    qtbot.waitUntil(lambda: "Binary CE loss" in _goal_text(panel, "xor-bce"))
    spec = w.builder.spec()
    spec.loss = "binary_crossentropy"
    w.builder.set_spec(spec)  # as the Loss combo does
    qtbot.waitUntil(lambda: "Binary CE loss" not in _goal_text(panel, "xor-bce"),
                    timeout=5000)
    assert "SSE" not in _goal_text(panel, "xor-bce")


def test_a_met_goal_says_when_its_network_was_replaced_by_an_untrained_one(window, qtbot):
    w = window
    panel = choose_lesson(w, "backprop-xor")
    do_step(w, qtbot, panel, "sse", guess=0)
    assert green(panel, "sse-below") and "met before" not in _goal_text(panel, "sse-below")
    qtbot.waitUntil(lambda: not w.tasks.is_held(w.session), timeout=30000)
    w.apply_preset("xor-3-4-1")  # the same preset picked again: a fresh, untrained network
    qtbot.waitUntil(lambda: "no trained model" in _goal_text(panel, "sse-below"), timeout=5000)
    text = _goal_text(panel, "sse-below")
    assert green(panel, "sse-below") and "met before (SSE on the training data" in text


def test_a_check_asked_while_the_data_loads_is_made_once_it_has_loaded(window, qtbot):
    w = window
    panel = choose_lesson(w, "perceptron-mlp")
    qtbot.waitUntil(lambda: not w.data.is_loading(), timeout=60000)
    w.data.select("moons")
    assert w.data.is_loading()
    asked = panel.asked
    panel.refresh()  # as an opened project's lessons ask, while its data loads
    assert panel.asked == asked  # nothing can be measured yet
    qtbot.waitUntil(lambda: panel.shown > asked, timeout=30000)
    assert "moons" in w.data.dataset.name


def test_the_cross_entropy_step_names_the_rate_adam_needs_and_it_works(window, qtbot):
    """Done as the text said before (loss and optimizer changed, nothing else), Adam's default
    0.001 left XOR at 75 % after the step's 150 epochs: the text names the rate that works."""
    from PySide6.QtWidgets import QComboBox, QDoubleSpinBox

    w = window
    panel = choose_lesson(w, "activations-losses")
    box = panel.boxes["cross-entropy"]
    box.setUpButton.click()
    qtbot.waitUntil(lambda: w.data.dataset is not None and w.data.dataset.name == "xor2"
                    and not w.data.is_loading(), timeout=60000)
    loss = w.builder.findChild(QComboBox, "lossCombo")
    opt = w.builder.findChild(QComboBox, "optimizerCombo")
    loss.setCurrentIndex(loss.findData("binary_crossentropy"))
    opt.setCurrentIndex(opt.findData("adam"))
    rate = w.builder.findChild(QDoubleSpinBox, "learningRateSpin")
    assert rate.value() == 0.001  # choosing Adam gave its default
    assert "learning rate to 0.05" in " ".join(box.step.text.split())
    rate.setValue(0.05)
    asked = panel.asked
    with qtbot.waitSignal(w.training.runFinished, timeout=300000):
        qtbot.waitUntil(lambda: w.train(), timeout=30000)
    qtbot.waitUntil(lambda: panel.shown > asked, timeout=30000)
    assert green(panel, "xor-bce"), panel.last["xor-bce"].detail


def test_the_learning_rate_step_names_the_plot_that_draws_its_sweep(window, qtbot):
    """The run list's plot starts on val_loss, which this XOR (no validation split) never
    has: the step says which entry draws the sweep's curves, and that one does."""
    from PySide6.QtWidgets import QComboBox

    from nngui.gui.training.run_plot import empty_reason

    w = window
    panel = choose_lesson(w, "backprop-xor")
    box = panel.boxes["learning-rate"]
    box.setUpButton.click()
    qtbot.waitUntil(lambda: w.data.dataset is not None and not w.data.is_loading(),
                    timeout=60000)
    runs = w.watch.runs
    with qtbot.waitSignal(runs.sweepEnded, timeout=300000):
        assert runs.start_sweep("lr")
    histories = [r.history for r in runs.records]
    combo = runs.findChild(QComboBox, "runMetricCombo")
    text = " ".join(box.step.text.split())
    named = [m for m in (combo.itemText(i) for i in range(combo.count()))
             if f'choose "{m}" in its Plot box' in text]
    assert named == ["loss"]
    assert empty_reason(histories, "loss") == ""  # the named entry draws the runs
    assert empty_reason(histories, combo.itemText(0)) != ""  # the one it starts on does not


def test_what_the_optimizers_step_says_of_a_zero_initializer_is_what_keras_does(mnist_path):
    """The step said every unit then 'learns the same thing': with relu no weight of the layer
    ever moves, and with tanh the output layer's random weights break the symmetry (20
    different units, the net learns)."""
    import keras
    import numpy as np

    from nngui.core.lessons.library import find_lesson

    step = next(s for s in find_lesson("keras-mnist")[0].steps if s.id == "optimizers")
    text = " ".join(step.text.split())
    assert "relu units then never fire" in text and "Dead ReLU units 20/20" in text
    assert "with tanh units the output layer's random weights still tell them apart" in text
    with np.load(mnist_path) as d:
        x, y = d["x_train"][:3000].reshape(-1, 784) / 255.0, d["y_train"][:3000]
    seen = {}
    for act in ("relu", "tanh"):
        keras.utils.set_random_seed(0)
        model = keras.Sequential([
            keras.Input((784,)),
            keras.layers.Dense(20, activation=act, kernel_initializer="zeros"),
            keras.layers.Dense(10, activation="softmax")])
        model.compile("adam", "sparse_categorical_crossentropy", metrics=["accuracy"])
        acc = model.fit(x, y, epochs=2, batch_size=32, verbose=0).history["accuracy"][-1]
        w = model.layers[0].get_weights()[0]
        seen[act] = (acc, len({tuple(np.round(w[:, j], 6)) for j in range(20)}),
                     float(np.abs(w).max()))
    assert seen["relu"][2] == 0.0 and seen["relu"][0] < 0.2  # nothing moved, chance level
    assert seen["tanh"][1] == 20 and seen["tanh"][0] > 0.7  # 20 different units, it learns


def test_the_sse_step_names_the_step_its_preset_takes() -> None:
    """The step said "gradient descent" beside the lab's 1500 plain iterations, and its preset
    trains with momentum 0.9 in 150 epochs: a student who had watched the lab guessed "no".
    It names the rate and the momentum the preset has, and what SSE < 0.05 bounds."""
    import math

    from nngui.core.lessons.library import find_lesson
    from nngui.core.training.presets import get_preset

    step = next(s for s in find_lesson("backprop-xor")[0].steps if s.id == "sse")
    text = " ".join(step.text.split())
    spec = get_preset(step.setup["preset"]).spec()
    assert spec.optimizer == "sgd"
    assert f"learning rate {spec.lr:g}" in text
    assert f"momentum {spec.optimizer_params['momentum']:g}" in text
    worst = math.sqrt(0.05)  # one row carrying the whole SSE
    assert f"more than {worst:.2f} from its target" in text
