"""What every other part of the core stands on: the lazy TensorFlow/Keras runtime, atomic
file writes, bundled resources, TensorFlow-shareable buffers, BLAS threads, abandoning a
compile on Stop, the one registry of document migrations. Imports nothing else of nngui.
"""
