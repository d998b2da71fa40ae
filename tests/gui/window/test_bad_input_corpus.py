"""The bad-input corpus (tests/corpus/) through the CLI and the GUI's File → Open.

CLI: one stderr line starting "nngui: error:", exit status 2. GUI (``window.open_path``): a
message box, False, and the builder's network and training settings exactly as before.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from nngui.cli import run_cli

CORPUS = Path(__file__).resolve().parents[2] / "corpus"
CASES = sorted(p.name for p in CORPUS.iterdir() if p.suffix in (".json", ".keras", ".png"))


@pytest.fixture(scope="module")
def reader_model(tmp_path_factory) -> str:
    """A valid (untrained) 28x28 digit reader, for `predict` on the bad images."""
    from nngui.core.model.builder import build_model
    from nngui.core.model.saving import save_model
    from nngui.core.network.spec import LayerSpec, NetworkSpec

    spec = NetworkSpec((28, 28), [LayerSpec("Flatten"),
                                  LayerSpec("Dense", {"units": 10, "activation": "softmax"})],
                       "sparse_categorical_crossentropy")
    return str(save_model(build_model(spec, 0), tmp_path_factory.mktemp("m") / "r.keras"))


def _cli_argv(path: Path, reader: str) -> list[str]:
    if path.suffix == ".json":
        return ["summary", "--spec", str(path)]
    if path.suffix == ".keras":
        return ["evaluate", "--model", str(path), "--dataset", "xor"]
    return ["predict", "--model", reader, str(path)]


@pytest.fixture(scope="module")
def window(qapp, tmp_path_factory):
    from nngui.gui.common.data_controller import DataController
    from nngui.gui.window.main_window import MainWindow

    home = tmp_path_factory.mktemp("home")
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("HOME", str(home))
        mp.delenv("NNGUI_MNIST", raising=False)
        mp.setenv("NNGUI_DATA_DIR", str(home / "data"))
        mp.setattr(DataController, "ask_mnist_choice", lambda self: "cancel")
        w = MainWindow()
        yield w
        w.close()


@pytest.mark.parametrize("name", CASES)
def test_bad_input_is_one_clean_message_in_cli_and_gui(name, reader_model, capsys, window,
                                                       qtbot, monkeypatch):
    path = CORPUS / name
    rc = run_cli(_cli_argv(path, reader_model))
    err = capsys.readouterr().err.strip().splitlines()
    assert rc == 2 and len(err) == 1 and err[0].startswith("nngui: error: "), err
    assert "Traceback" not in err[0] and "safe_mode" not in err[0]
    if path.suffix == ".png":
        return  # File → Open takes networks and models; images go to the Draw tab
    from PySide6.QtWidgets import QMessageBox

    qtbot.waitUntil(lambda: window.data.dataset is not None, timeout=30000)
    shown = []
    for kind in ("warning", "information", "critical"):
        monkeypatch.setattr(QMessageBox, kind, lambda *a, _k=kind, **kw: shown.append(a[2]))
    spec, config = window.builder.spec().to_dict(), window.builder.config().to_dict()
    assert window.open_path(path) is False
    assert len(shown) == 1 and "Traceback" not in shown[0] and len(shown[0]) < 600, shown
    assert window.builder.spec().to_dict() == spec
    assert window.builder.config().to_dict() == config
