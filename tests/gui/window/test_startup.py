"""Start-up: the window paints with the builder and Train tab; the rest comes lazily.

Guards the mechanism, not its speed (benchmarks/bench_startup.py times it): what is imported
by the first paint, pages built on first use keep their names and places, the background
steps are small, and TensorFlow's import waits for the paint.
"""

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from PySide6.QtWidgets import QWidget

from nngui.gui.window.main_window import MainWindow
from nngui.gui.window.pages import PAGES, Pages

REPO = Path(__file__).resolve().parents[3]

# the tab pages' modules (and what only they import): none may load before the first paint
PAGE_MODULES = ["nngui.gui.evaluate.panel", "nngui.gui.draw.panel", "nngui.gui.window.draw_controller",
                "nngui.gui.autoencoder.panel", "nngui.gui.lab.panel", "nngui.gui.training.watch",
                "nngui.gui.evaluate.inspect", "nngui.gui.training.live", "nngui.gui.training.stats",
                "nngui.gui.lab.function_explorer", "nngui.gui.training.run_list", "nngui.gui.evaluate.gallery",
                "nngui.gui.draw.samples", "nngui.gui.autoencoder.latent"]

CHILD = r"""
import json, os, sys
from PySide6.QtCore import QEvent, QObject, QTimer
from PySide6.QtWidgets import QApplication
app = QApplication([])
from nngui.gui.window.main_window import MainWindow
w = MainWindow()
seen = {}

class Paint(QObject):
    def eventFilter(self, obj, event):
        if event.type() == QEvent.Type.Paint and "painted" not in seen:
            # queued before the window's own: runs first after the paint
            QTimer.singleShot(0, lambda: seen.setdefault("painted", sorted(sys.modules)))
        return False

f = Paint()
w.installEventFilter(f)
w.show()
while "painted" not in seen:
    app.processEvents()
seen["pending"] = w.pages_pending()
seen["plots"] = w.training.plots_ready()
while w.pages_pending():
    app.processEvents()
seen["built"] = sorted(sys.modules)
print(json.dumps(seen), flush=True)
os._exit(0)  # not waiting for TensorFlow's import to finish
"""


def test_the_first_paint_imports_no_other_tab_and_not_tensorflow(tmp_path):
    env = dict(os.environ, QT_QPA_PLATFORM="offscreen", HOME=str(tmp_path),
               XDG_CONFIG_HOME=str(tmp_path / "config"), NNGUI_DATA_DIR=str(tmp_path / "data"),
               PYTHONPATH=os.pathsep.join([str(REPO), os.environ.get("PYTHONPATH", "")]))
    env.pop("NNGUI_MNIST", None)
    out = subprocess.run([sys.executable, "-P", "-c", CHILD], capture_output=True, text=True,
                         env=env, timeout=300, cwd=tmp_path)
    assert out.returncode == 0, out.stderr[-3000:]
    seen = json.loads(out.stdout.strip().splitlines()[-1])
    painted, built = set(seen["painted"]), set(seen["built"])
    assert "nngui.gui.training.panel" in painted  # the Train tab is on screen
    assert painted.isdisjoint(PAGE_MODULES), sorted(painted & set(PAGE_MODULES))
    assert "pyqtgraph" not in painted  # the Train tab's plots come right after the paint
    assert "tensorflow" not in painted and "keras" not in painted
    assert seen["pending"] == list(PAGES) and not seen["plots"]
    assert set(PAGE_MODULES) <= built  # ...and the steps after the paint built every page
    assert "pyqtgraph" in built


def test_the_train_plots_are_made_on_first_use_with_what_was_collected(window):
    panel = window.training
    assert not panel.plots_ready()
    panel.curves.load_history({"loss": [0.9, 0.5], "accuracy": [0.6, 0.8]})  # an opened project
    items = panel.lossPlot.getPlotItem().listDataItems()  # built here, on first access
    assert panel.plots_ready() and window.findChild(QWidget, "lossPlot") is panel.lossPlot
    epochs = next(i for i in items if i.name() == "train loss (epoch)")
    assert list(epochs.getData()[1]) == [0.9, 0.5]
    assert panel.curves.plotArea.isAncestorOf(panel.accuracyPlot)


def test_a_page_is_built_on_first_use_in_its_place_with_its_names(window):
    tabs = window.tabs
    assert window.built_page("lab") is None and window.built_page("draw") is None
    titles = [tabs.tabText(i) for i in range(tabs.count())]
    assert titles == ["Train", *(title for title, _ in PAGES.values())]
    lab = window.lab
    assert lab.objectName() == "labPanel" and tabs.indexOf(lab) == titles.index("How it learns")
    assert window.built_page("draw") is None  # only what was asked for
    assert tabs.currentWidget() is window.training  # building a page never switches to it
    assert [tabs.tabText(i) for i in range(tabs.count())] == titles
    canvas = window.findChild(QWidget, "drawCanvas")  # the objectName contract: built for it
    assert canvas is not None and window.draw.isAncestorOf(canvas)
    assert window.pages_pending() == []
    assert window.drawing.panel is window.draw


def test_choosing_a_tab_builds_it_before_the_window_reacts(window):
    index = [window.tabs.tabText(i) for i in range(window.tabs.count())].index("Draw")
    window.tabBar.setCurrentIndex(index)  # a click on the full-width tab bar
    assert window.tabs.currentIndex() == index
    assert window.tabs.currentWidget() is window.built_page("draw") is not None
    assert window.builderSide.isHidden()  # the builder shows on Train and Evaluate only
    assert window.work.bundled_ae.loading  # the window saw the real Draw page: the bundled autoencoder
    window.tabs.setCurrentWidget(window.evaluate)
    assert window.tabBar.currentIndex() == window.tabs.indexOf(window.evaluate)


def test_background_building_takes_one_small_step_per_turn(qtbot, monkeypatch, tmp_path):
    monkeypatch.setenv("HOME", str(tmp_path))
    monkeypatch.setattr(Pages, "build_soon", lambda self: None)  # steps by hand
    w = MainWindow(load_tensorflow=False)
    qtbot.addWidget(w)
    w.show()
    qtbot.waitUntil(lambda: w.first_paint.painted(), timeout=10000)
    built_after: list[list[str]] = []
    while w.pages_pending():
        w.pages.next_step()
        built_after.append([n for n in PAGES if w.built_page(n) is not None])
    # an import, then the page: each step adds at most one page
    counts = [0] + [len(b) for b in built_after]
    assert all(later - earlier <= 1 for earlier, later in zip(counts, counts[1:], strict=False))
    def turns_between(earlier: str, page: str) -> int:
        return sum(earlier in b and page not in b for b in built_after)

    # pages of many plots come in parts: Lab's 2 explorers, Watch's 3 views, one per turn
    assert turns_between("autoencoder", "lab") >= 4  # Autoencoder's turn, import, 2 parts
    assert turns_between("lab", "watch") >= 5  # Lab's turn, import, 3 parts
    assert built_after[-1] == list(PAGES) and not w.pages._partial
    w.close()


def test_a_window_shown_later_still_builds_its_tabs_after_painting(qtbot, tmp_path,
                                                                   monkeypatch):
    monkeypatch.setenv("HOME", str(tmp_path))
    w = MainWindow(load_tensorflow=False)
    qtbot.addWidget(w)
    w.when_painted(lambda: None)
    qtbot.waitUntil(lambda: w.first_paint.painted(), timeout=10000)  # hidden: its jobs ran at once
    assert w.pages_pending() == list(PAGES)  # nobody sees it: nothing built
    w.show()
    qtbot.waitUntil(lambda: not w.pages_pending(), timeout=60000)
    assert w.training.plots_ready()
    w.close()


@pytest.mark.parametrize("shown", [True, False])
def test_tensorflow_loads_after_the_first_paint_or_at_once_when_hidden(qtbot, tmp_path,
                                                                      monkeypatch, shown):
    monkeypatch.setenv("HOME", str(tmp_path))
    w = MainWindow()
    qtbot.addWidget(w)
    if shown:
        w.show()
    assert not w.tasks.running("tensorflow")  # nothing competes with building the window
    with qtbot.waitSignal(w.tensorflowReady, timeout=120000):
        pass
    assert w.first_paint.painted() or not shown
    w.close()
