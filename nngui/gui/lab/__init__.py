"""How it learns: the backprop lab's panel, its network graph and tables, the gradient check
and the activation/loss explorers.
"""
