"""Looking inside a trained model: evaluation (accuracy, confusion, mistakes, boundaries),
probes that feed the live views, layer statistics and representations.
"""
