"""Datasets: the registry of every dataset nngui offers, file parsers (MNIST npz/IDX, CSV,
NPZ), the Dataset record, fitting data to a network, and the loaders exported scripts use.
"""
