"""Entry point for the PyInstaller build (the ``tutor`` console script).

``tutor --embed-worker MODEL THREADS`` is the executable started again as a book import's
embedding worker (tutor_desktop/core/embeddings/import_worker.py): it serves vectors on
its stdin/stdout and loads nothing of the CLI or the window.
"""

import sys

if sys.argv[1:2] == ["--embed-worker"]:
    from tutor_desktop.core.embeddings.import_worker import serve

    raise SystemExit(serve(sys.argv[2:]))

from tutor_desktop.cli.main import main

raise SystemExit(main())
