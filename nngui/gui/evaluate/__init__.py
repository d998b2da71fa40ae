"""Evaluate and Inspect: test accuracy, confusion matrix, mistakes, boundaries, one sample's
path through the network.
"""
