"""The thin PySide6 layer: presents the core's services, never holds business rules.

Entry point: :func:`tutor_desktop.ui.app.run_gui`. Heavy work goes through
:func:`tutor_desktop.ui.background.run_in_background` so the GUI thread never waits.
"""
