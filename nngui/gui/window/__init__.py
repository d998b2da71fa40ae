"""The main window and the objects it is composed of: its pages, the workbench (the current
network and its runs), the preset box, the file and project actions, recovery, the layout
rules, the settings and the guide.
"""
