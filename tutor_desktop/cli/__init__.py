"""The ``tutor`` command: the window, the terminal tutor and the admin tools."""
