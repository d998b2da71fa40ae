"""Training: one run (``train``: the loop, with ``observer``, ``session``, ``pipeline`` and
``progress`` as its parts), the option callbacks, the run records kept for comparison, and the
course's presets (a network with its dataset and training settings).
"""
