"""The layer kinds: one registry (``kinds``) of every layer nngui can build, with its fields,
shapes, Keras construction and NumPy step, on the base class and helpers they share (``base``),
plus the activation functions, initializers, regularizers and NumPy ops they use.
"""
