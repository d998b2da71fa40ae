"""Qt-free core of nngui: specs, Keras building, training, data."""
