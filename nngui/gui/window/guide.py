"""Help → Guide: a short in-app guide to the tabs and the keyboard shortcuts.

The shortcut table is made from the window's menu actions (``menu_shortcuts``), so it lists
the keys the window has on this platform and never drifts from the menus; the guide carries
those actions too, so the keys it lists work while it has the keyboard.
"""

from __future__ import annotations

from html import escape

from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import QDialog, QDialogButtonBox, QTextBrowser, QVBoxLayout, QWidget

TABS = [
    ("Train", "Pick a preset and data on the left, change the network in the builder, then "
              "press <b>Train</b>. Loss (per batch and per epoch) and accuracy — or the mean "
              "absolute error for autoencoders and regression — are drawn live. <b>Stop</b> "
              "keeps the weights; <b>Continue training</b> runs the rest; <b>Train from "
              "scratch</b> starts again with fresh weights. Tick <i>Log scale</i> when the "
              "loss explodes."),
    ("Evaluate", "Test accuracy, the confusion matrix (hover a cell for its share; click it "
                 "to list those test samples), the misclassified test samples "
                 "(double-click one to probe it on Inspect), and for 2-D data the decision "
                 "boundary (for a curve fitted to 1-D data: the <i>Fitted curve</i>)."),
    ("Draw", "Draw a digit with the mouse or a pen and watch a network read it as you draw. "
             "The small picture is what the network sees (28×28). Wrong? Press the right "
             "digit to keep the drawing as a sample; <b>Fine-tune</b> teaches the model "
             "your handwriting."),
    ("Autoencoder", "An autoencoder squeezes each digit through a few numbers and rebuilds "
                    "it. See its reconstructions, its latent space (hover to decode a point, "
                    "<i>Grid</i> to tile it) and the digits it rebuilds worst. Design one "
                    "with <b>Autoencoder…</b> next to the preset box."),
    ("How it learns", "Backpropagation by hand on a tiny network, and explorers for "
                      "activation and loss functions."),
    ("Watch", "Watch a run from inside while it trains: the decision boundary of 2-D data "
              "with a tile per hidden unit (hover one to see its own activation map), "
              "the hidden space, first-layer weights as images, dead ReLUs and the learning "
              "rate; each layer's weight histogram and gradient norm per epoch; train, "
              "validation and test curves with the best epoch marked. Every run is kept in "
              "the run list (with its test curve): tick runs to overlay their curves, or try a <b>learning-rate "
              "sweep</b> or <b>compare optimizers</b>."),
    ("Inspect", "After training: browse the test set class by class, probe one sample (its "
                "probabilities and each hidden layer's activations), and map any layer's "
                "view of the test set with PCA or t-SNE."),
    ("Lessons", "Help → <b>Lessons</b> opens a side panel with one lesson per lecture of the "
                "course: each step has <b>Set up</b> (the preset, data and tab it starts "
                "from) and checks that turn green when your session meets them. Some steps "
                "ask you to predict before you run. <b>Submit…</b> saves your work with a "
                "summary your teacher re-checks; Help → <b>Open lesson…</b> reads a "
                "teacher's lesson file."),
]

# Keys that belong to a page, not to a menu entry (the menus' own come from their actions)
PAGE_KEYS = [
    (QKeySequence.StandardKey.Undo, "Undo the last stroke (Draw)"),
    ("Right mouse button", "Erase (Draw)"),
    (QKeySequence.StandardKey.Delete, "Remove the selected layer (builder) or samples (Draw)"),
]


def menu_actions(menus: QWidget) -> list[QAction]:
    """Every action with a shortcut in ``menus`` (a menu bar or a menu) and its submenus, in
    menu order."""
    acts: list[QAction] = []
    for act in menus.actions():
        if act.menu() is not None:
            acts += menu_actions(act.menu())
        elif not act.isSeparator() and not act.shortcut().isEmpty():
            acts.append(act)
    return acts


def menu_shortcuts(menus: QWidget) -> list[tuple[str, str]]:
    """(keys, what they do) for every action with a shortcut in ``menus`` (a menu bar or a
    menu) and its submenus, in menu order: the guide lists the keys the window really has."""
    # the primary key only: a platform's extra ones are media keys ("Exit", "Save")
    return [(act.shortcut().toString(QKeySequence.SequenceFormat.NativeText), _plain(act.text()))
            for act in menu_actions(menus)]


def _plain(text: str) -> str:
    """A menu entry's text as a sentence part: no mnemonic '&', no trailing '…'."""
    return text.replace("&&", "\0").replace("&", "").replace("\0", "&").rstrip("…").strip()


def page_keys() -> list[tuple[str, str]]:
    rows = []
    for key, what in PAGE_KEYS:
        if isinstance(key, QKeySequence.StandardKey):
            key = QKeySequence(key).toString(QKeySequence.SequenceFormat.NativeText)
        if key:
            rows.append((key, what))
    return rows


def guide_html(shortcuts: list[tuple[str, str]]) -> str:
    """The guide's text: what each tab is for, then ``shortcuts`` and the pages' own keys."""
    tabs = "".join(f"<p><b>{name}</b> — {text}</p>" for name, text in TABS)
    keys = "".join(f"<tr><td><b>{escape(k)}</b>&nbsp;&nbsp;</td><td>{escape(v)}</td></tr>"
                   for k, v in [*shortcuts, *page_keys()])
    return (f"<h3>What each tab is for</h3>{tabs}"
            f"<h3>Keyboard and mouse</h3><table>{keys}</table>"
            "<p>The builder (left) appears on the Train and Evaluate tabs; the other tabs "
            "get the whole window.</p>")


class GuideDialog(QDialog):
    """A non-modal window with the guide; Escape (or Close) closes it."""

    def __init__(self, parent: QWidget | None = None,
                 shortcuts: list[tuple[str, str]] | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("nngui guide")
        self.setObjectName("guideDialog")
        self.text = QTextBrowser()
        self.text.setObjectName("guideText")
        self.show_shortcuts(shortcuts or [])
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        buttons.rejected.connect(self.close)
        layout = QVBoxLayout(self)
        layout.addWidget(self.text)
        layout.addWidget(buttons)
        self.resize(560, 520)

    def follow_menus(self, menus: QWidget) -> None:
        """The key table of ``menus``' actions, and those keys working here: the guide is a
        window of its own, where the main window's shortcuts do not reach (Ctrl+S pressed
        while reading the guide did nothing)."""
        acts = menu_actions(menus)
        for act in self.actions():
            if act not in acts:
                self.removeAction(act)  # a menu entry that lost its key, or went
        self.addActions(acts)
        self.show_shortcuts(menu_shortcuts(menus))

    def show_shortcuts(self, shortcuts: list[tuple[str, str]]) -> None:
        """The guide with ``shortcuts`` (keys, what they do) in its keyboard table."""
        self.text.setHtml(guide_html(shortcuts))

    def present(self) -> None:
        """Show the guide in front, with the keyboard: Escape closes it even when the main
        window had the focus (a window already shown is not activated by show())."""
        self.show()
        self.raise_()
        self.activateWindow()
