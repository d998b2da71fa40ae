"""Training: one run (``train``), its callbacks, the run records kept for comparison, and the
course's presets (a network with its dataset and training settings).
"""
