"""Whole documents: the project file (``.nngui``), the exported Python script and the
exported results.
"""
