"""Keras models: building one from a spec, the fast dropout, loading and saving in safe mode,
the NumPy forward engine and live inference, dense autoencoders.
"""
