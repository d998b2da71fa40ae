"""The Watch tab's live views' words: their titles (derived from what a probe sent, the epoch
and whether the weights were edited by hand) and why an empty view is empty."""

from __future__ import annotations

import numpy as np

# Every title below is derived from what its view shows: the payload it drew last (since the
# last ``clear``), ``None`` where the network has no such layer, or nothing yet.
BOUNDARY_TITLE = "Decision boundary"
HIDDEN_TITLE = "Last hidden layer"
NO_HIDDEN_TITLE = "Last hidden layer: none in this network"  # no longer than a usual title
WEIGHTS_TITLE = "First-layer weights (784-input models): red excites, blue inhibits"
NO_WEIGHTS_TITLE = ("First-layer weights: nothing to show, this network's first Dense layer "
                    "does not read the 784 pixels")
LR_TITLE = "Learning rate in effect"
# a project saved before the rates were: they are the settings' constant rate and live changes
LR_DERIVED_TITLE = "Learning rate (derived)"  # short: the plot is ~230 px beside the lessons
LR_DERIVED_TIP = ("This project file kept no learning rates: they are derived from its "
                  "constant learning rate and the live changes it saved.")
DEAD_RELU_TEXT = "Dead ReLU units: –"
NOTHING_TO_SHOW = ("hidden", "weights")  # a None payload: the network has no such layer
# what an empty plot says (``LivePanel.empty_reasons``): before a run, or why this run has none
NOT_TRAINED = "Nothing trained yet"
NO_VIEWS_RECORDED = "This run recorded no views (it ended before its first epoch)"
NO_BOUNDARY = "No decision boundary: only 2-D data (x1, x2) has one"
NO_HIDDEN_LAYER = "No hidden layer in this network"
NO_HIDDEN_VIEW = "No hidden space: only a classifier's run has one"
NO_LEARNING_RATE = "This run sent no learning rate"
NO_CONFUSION = "No confusion matrix: only a classifier's run has one"


def empty_reasons(sent: dict, drawn: dict[str, bool]) -> dict[str, str]:
    """What each of the boundary, hidden-space, learning-rate and confusion plots says while
    it has nothing to draw ("" where it has something): from the payloads ``sent`` since the
    last clear (name -> (epoch, payload)) and which of them a view has ``drawn``."""
    idle = NOT_TRAINED if not sent else ""
    boundary = "" if drawn["boundary"] or "boundary" in sent else idle or NO_BOUNDARY
    if "hidden" in sent:
        hidden = NO_HIDDEN_LAYER if sent["hidden"][1] is None else ""
    else:
        hidden = idle or NO_HIDDEN_VIEW
    lr = "" if drawn["learning_rate"] else idle or NO_LEARNING_RATE
    confusion = "" if drawn["confusion"] or "confusion" in sent else idle or NO_CONFUSION
    return {"boundary": boundary, "hidden": hidden, "learning_rate": lr,
            "confusion": confusion}


def when(epoch: int, p: dict | None) -> str:
    """'epoch 12', or 'epoch 12, edited' when the payload came from weights changed by hand
    on the Watch tab (no longer the weights that epoch trained)."""
    edited = ", edited" if isinstance(p, dict) and p.get("by_hand") else ""
    return f"epoch {epoch + 1}{edited}"


FLAT_SPREAD = 0.02  # a map of p(class 1) within this of one value shows no boundary


def flat_note(p1) -> str:
    """' · p(class 1) 0.50 everywhere' when a binary classifier's map of p(class 1) is one
    colour (a perceptron on XOR settles on weights near 0: no line, 0.5 everywhere, and the
    plot showed an empty white box), else ''."""
    p1 = np.asarray(p1, dtype=float)
    if p1.size == 0 or not np.isfinite(p1).all() or np.ptp(p1) > FLAT_SPREAD:
        return ""
    return f" · p(class 1) {float(p1.mean()):.2f} everywhere"


def hidden_title(epoch: int | None, p: dict | None) -> str:
    """The hidden-space plot's title: its units and epoch, that there is none, or waiting
    (``epoch`` None: nothing arrived since the last clear)."""
    if epoch is None:
        return HIDDEN_TITLE
    if p is None:
        return NO_HIDDEN_TITLE
    how = f"its {p['units']} units" if p["method"] == "raw" else f"PCA of its {p['units']} units"
    return f"Last hidden layer ({how}) · {when(epoch, p)}"


def weights_title(epoch: int | None, p: dict | None) -> str:
    """The weight mosaic's title, derived like ``hidden_title``."""
    if epoch is None:
        return WEIGHTS_TITLE
    if p is None:
        return NO_WEIGHTS_TITLE
    return (f"First-layer weights of {len(p['images'])} of {p['units']} units · "
            f"epoch {epoch + 1}: red excites, blue inhibits")
