"""The backprop lab: the course's XOR net in NumPy with hand-written backprop, its gradient
check, formulas, exported script and saved state.
"""
