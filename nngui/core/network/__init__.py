"""A network as the user designs it: the versioned spec and its schema, the menus (catalog),
input features, shapes and parameter counts without TensorFlow, validation, and the
builder form's state.
"""
