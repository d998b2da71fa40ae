"""GUI tests run without a display: Qt must pick the offscreen platform before it loads."""

import os

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

import pytest  # noqa: E402
from PySide6.QtCore import QSettings  # noqa: E402


@pytest.fixture(autouse=True)
def private_settings(tmp_path_factory) -> str:
    """Every GUI test gets empty QSettings of its own, never the user's real configuration.

    ``QSettings("nngui", "nngui")`` uses the native format, whose path is set separately.
    """
    folder = str(tmp_path_factory.mktemp("qsettings"))
    QSettings.setDefaultFormat(QSettings.Format.IniFormat)
    for fmt in (QSettings.Format.IniFormat, QSettings.Format.NativeFormat):
        QSettings.setPath(fmt, QSettings.Scope.UserScope, folder)
    return folder


@pytest.fixture(autouse=True)
def no_modal_boxes(monkeypatch):
    """A modal message box waits for a click no test gives: fail at once instead of hanging.

    Tests that expect a message replace these again (e.g. the ``messages`` fixture).
    """
    from PySide6.QtWidgets import QMessageBox

    def refuse(*args, **_kw):
        text = " · ".join(str(a) for a in args[1:3])
        raise AssertionError(f"a modal message box would block the test: {text}")

    for kind in ("warning", "information", "critical", "question"):
        monkeypatch.setattr(QMessageBox, kind, refuse)
    monkeypatch.setattr(QMessageBox, "exec", refuse)


@pytest.fixture(autouse=True)
def quiet_project_prompts(monkeypatch, tmp_path_factory):
    """Closing a window with unsaved work discards it and no autosave is restored, unless a
    test answers these questions itself (they would be modal boxes); autosaves and samples go
    to a private data folder, never the user's."""
    from nngui.gui.window.project_actions import ProjectActions
    from nngui.gui.window.recovery import Recovery

    monkeypatch.setenv("NNGUI_DATA_DIR", str(tmp_path_factory.mktemp("nngui-data")))
    monkeypatch.setattr(ProjectActions, "unsaved_prompt", staticmethod(lambda *a: "discard"))
    monkeypatch.setattr(Recovery, "recovery_prompt", staticmethod(lambda *a: False))


@pytest.fixture
def messages(monkeypatch):
    """Capture message boxes (kind, title, text) instead of blocking on them."""
    from PySide6.QtWidgets import QMessageBox

    shown = []
    for kind in ("warning", "information", "critical"):
        monkeypatch.setattr(QMessageBox, kind,
                            lambda *a, _k=kind, **kw: shown.append((_k, a[1], a[2])))
    return shown


@pytest.fixture
def window(qtbot, monkeypatch, tmp_path, messages):
    """The main window as a new user opens it: no MNIST (bundled digits), a private data
    folder, and "cancel" to the offer to download MNIST."""
    from nngui.gui.common.data_controller import DataController
    from nngui.gui.window.main_window import MainWindow

    monkeypatch.setenv("HOME", str(tmp_path))  # no MNIST in ~/.keras: opens on bundled data
    monkeypatch.delenv("NNGUI_MNIST", raising=False)
    monkeypatch.setenv("NNGUI_DATA_DIR", str(tmp_path / "nngui-data"))  # samples stay here
    monkeypatch.setattr(DataController, "ask_mnist_choice", lambda self: "cancel")
    monkeypatch.setattr(DataController, "ask_download_choice", lambda self, name: "cancel")
    monkeypatch.delenv("NNGUI_CIFAR10", raising=False)
    w = MainWindow()
    qtbot.addWidget(w)
    qtbot.waitUntil(lambda: w.data.dataset is not None, timeout=30000)
    yield w
    w.close()


@pytest.fixture
def open_and_wait(qtbot):
    """``open_and_wait(window, path)``: ``window.open_path(path)`` and, for a project (read
    off the GUI thread), the wait for ``projects.opened`` or ``openFailed``; True when the
    file was opened."""

    def run(window, path, timeout: int = 60000) -> bool:
        outcome: list[bool] = []

        def opened(_path):
            outcome.append(True)

        def failed(_message):
            outcome.append(False)

        window.projects.opened.connect(opened)
        window.projects.openFailed.connect(failed)
        try:
            if not window.open_path(path):
                return False
            if str(path).lower().endswith(".nngui"):
                qtbot.waitUntil(lambda: bool(outcome), timeout=timeout)
                return outcome[0]
            return True
        finally:
            window.projects.opened.disconnect(opened)
            window.projects.openFailed.disconnect(failed)

    return run


@pytest.fixture
def digits_reader(window, qtbot):
    """The window on the bundled 28x28 digits with a small untrained MLP named "reader"
    (Flatten, Dense 16 relu, Dense 10 softmax), set to 1 epoch at batch 128."""
    from nngui.core.network.spec import LayerSpec, NetworkSpec
    from nngui.core.training.presets import _dense

    w = window
    w.data.select("digits")
    qtbot.waitUntil(lambda: w.data.dataset is not None and w.data.dataset.name == "digits"
                    and not w.data.is_loading(), timeout=30000)
    spec = NetworkSpec((28, 28), [LayerSpec("Flatten", {}), _dense(16, "relu"),
                                  _dense(10, "softmax")],
                       "sparse_categorical_crossentropy", "adam", 0.01, name="reader")
    w.builder.set_spec(spec)
    w.builder.set_config(w.builder.config().__class__(epochs=1, batch_size=128))
    return w


@pytest.fixture(scope="package", autouse=True)
def plots_styled_as_in_the_app():
    """``app.main`` styles pyqtgraph before the first plot; the tests' windows too."""
    from nngui.gui.common.style import style_plots

    style_plots()


@pytest.fixture(scope="package", autouse=True)
def gc_back_after_gui_tests():
    """The task runner collects garbage in the GUI thread only; the tests after these have no
    event loop, so give collection back to the interpreter when the GUI tests end."""
    yield
    from nngui.gui.common.tasks import release_gc

    release_gc()


@pytest.fixture
def circles_window(qtbot, monkeypatch, tmp_path):
    """The window on the circles data with mlp-2-4-2, 3 epochs at batch 64; message boxes
    answered silently, no MNIST."""
    from PySide6.QtWidgets import QMessageBox

    from nngui.gui.window.main_window import MainWindow

    for kind in ("warning", "information", "critical"):
        monkeypatch.setattr(QMessageBox, kind, lambda *a, **kw: None)
    monkeypatch.setenv("HOME", str(tmp_path))
    monkeypatch.delenv("NNGUI_MNIST", raising=False)
    monkeypatch.setenv("NNGUI_DATA_DIR", str(tmp_path / "nngui-data"))
    from nngui.gui.common.data_controller import DataController

    monkeypatch.setattr(DataController, "ask_mnist_choice", lambda self: "cancel")
    monkeypatch.setattr(DataController, "ask_download_choice", lambda self, name: "cancel")
    monkeypatch.delenv("NNGUI_CIFAR10", raising=False)
    w = MainWindow()
    qtbot.addWidget(w)
    qtbot.waitUntil(lambda: w.data.dataset is not None, timeout=30000)
    w.apply_preset("mlp-2-4-2")
    qtbot.waitUntil(lambda: w.data.dataset.name == "circles", timeout=20000)
    w.builder.set_config(w.builder.config().__class__(epochs=3, batch_size=64))
    yield w
    w.close()
