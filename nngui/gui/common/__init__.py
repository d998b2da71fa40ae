"""What every page uses: the task runner (jobs off the GUI thread), axes, images, visibility,
the data loader and the one style module (palette, plot style).
"""
