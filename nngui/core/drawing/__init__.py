"""Drawn digits: preprocessing a drawing the way MNIST was made, the user's samples, and
fine-tuning a model on them.
"""
