"""The network builder: the layer form, its field widgets, the problems box and the summary.
"""
