"""Train and Watch: the training panel with live curves, the live views (boundary, unit
tiles, hidden space, weights), the run list and the overfitting view.
"""
