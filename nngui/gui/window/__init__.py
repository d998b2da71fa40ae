"""The main window: its layout, its pages, the file and project actions, recovery, settings,
the guide and the wiring between pages.
"""
