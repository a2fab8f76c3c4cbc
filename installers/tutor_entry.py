"""Entry point for the PyInstaller build (the ``tutor`` console script)."""

from tutor_desktop.cli.main import main

raise SystemExit(main())
