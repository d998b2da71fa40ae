"""Datasets: the registry of every dataset nngui offers (datasets.py) and the plain functions
that make the built-in toy data (generators.py), the file parsers (mnist_files.py: MNIST npz/IDX;
files.py: CSV, NPZ), the Dataset record, fitting data to a network (adapt.py), and the file
readers exported scripts use (script_loaders.py).
"""
