"""Qt-free core of nngui, in capability floors; a module imports only from its own package
or from the floors below it (``tests/test_import_graph.py`` enforces the order):

    platform -> layers -> network -> model | data | lab -> training -> insight | drawing | files

TensorFlow is imported lazily (inside functions), so ``import nngui.core`` is instant.
"""
