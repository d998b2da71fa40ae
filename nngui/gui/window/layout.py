"""The window's layout rules: which tabs show the builder, fitting the screen, the preset box.

A mixin for ``MainWindow`` (it relies on ``tabs``, ``training``, ``built_page``, ``builderSide``,
``presetCombo``, ``_preset_name`` and ``builder``), so main_window.py stays about flow.
"""

from __future__ import annotations

from PySide6.QtCore import QRect, QSize
from PySide6.QtGui import QGuiApplication
from PySide6.QtWidgets import QSizePolicy, QTabBar, QTabWidget

from nngui.core.network.spec import NetworkSpec
from nngui.core.training import presets

CUSTOM = "__custom__"  # the preset box's entry for a network that is no preset


def fit_to_screen(size: QSize, available: QRect | None) -> QSize:
    """``size``, shrunk to fit the screen's available area (never below nothing)."""
    if available is None or available.isEmpty():
        return size
    return QSize(min(size.width(), available.width()), min(size.height(), available.height()))


def full_width_tab_bar(tabs: QTabWidget) -> QTabBar:
    """A tab bar for ``tabs`` to place across the whole window; the tab widget's own is hidden.

    The builder sits left of the pages on Train and Evaluate; inside the tab widget the bar
    only got the pages' width (379 px at 1024x700) and showed scroll arrows. The tab widget
    stays the one source of truth (pages, current index, titles); the bar follows it.
    """
    bar = QTabBar(objectName="mainTabBar", expanding=False, usesScrollButtons=False,
                  drawBase=True)
    for i in range(tabs.count()):
        bar.addTab(tabs.tabText(i))
        bar.setTabToolTip(i, tabs.tabToolTip(i))
    bar.setCurrentIndex(tabs.currentIndex())
    bar.currentChanged.connect(tabs.setCurrentIndex)
    tabs.currentChanged.connect(bar.setCurrentIndex)
    tabs.tabBar().hide()
    tabs.setDocumentMode(True)  # no frame left hanging under a bar that is not its own
    return bar


class WindowLayout:
    """Layout and fitting behaviour of the main window."""

    def _available(self) -> QRect | None:
        screen = self.screen() or QGuiApplication.primaryScreen()
        return screen.availableGeometry() if screen is not None else None

    def _fit_tabs(self) -> None:
        """Show the builder only where you build and train; size the window by the shown tab.

        A QTabWidget's minimum is the largest of all its pages; pages not shown are given an
        Ignored size policy so a wide Draw tab never widens the Train tab's window (and the
        builder's width never adds to Draw's).
        """
        current = self.tabs.currentWidget()
        # built_page: an Evaluate page not built yet is not shown either (window_pages.py)
        self.builderSide.setVisible(current in (self.training, self.built_page("evaluate")))
        for i in range(self.tabs.count()):
            page = self.tabs.widget(i)
            policy = QSizePolicy.Policy.Preferred if page is current else \
                QSizePolicy.Policy.Ignored
            page.setSizePolicy(policy, policy)
        self.tabs.updateGeometry()

    def _show_preset_state(self, spec: NetworkSpec) -> None:
        """The preset box names what the builder holds: a preset, "… (modified)", or a design."""
        combo = self.presetCombo
        for i in range(combo.count()):
            name = combo.itemData(i)
            if name in presets.PRESETS:
                combo.setItemText(i, presets.PRESETS[name].title)
        custom = combo.findData(CUSTOM)
        if self._preset_name is None:
            text = f"Your design: {spec.name or 'unnamed'}"
            if custom < 0:
                combo.addItem(text, CUSTOM)
                custom = combo.count() - 1
            combo.setItemText(custom, text)
            combo.setCurrentIndex(custom)
            return
        if custom >= 0:
            combo.removeItem(custom)
        i = combo.findData(self._preset_name)
        combo.setCurrentIndex(i)
        if spec.to_dict() != presets.get_preset(self._preset_name).spec().to_dict():
            combo.setItemText(i, combo.itemText(i) + " (modified)")

    def show_guide(self) -> None:
        """Help → Guide (F1): what each tab is for and the shortcuts, in a non-modal window."""
        from nngui.gui.window.guide import GuideDialog

        if getattr(self, "_guide", None) is None:
            self._guide = GuideDialog(self)
        self._guide.show()
        self._guide.raise_()

    def _clamp_to_screen(self) -> None:
        """A geometry saved on a bigger screen (or grown by a layout) never exceeds this one."""
        avail = self._available()
        if self.isMaximized() or self.isFullScreen() or avail is None or avail.isEmpty():
            return
        size = fit_to_screen(self.size(), avail)
        if size != self.size():
            self.resize(size)
        frame = self.frameGeometry()
        if not avail.contains(frame):
            self.move(max(avail.left(), min(frame.left(), avail.right() - frame.width() + 1)),
                      max(avail.top(), min(frame.top(), avail.bottom() - frame.height() + 1)))
