"""The Draw tab: the canvas a digit is drawn on and the panel that reads it live.
"""
