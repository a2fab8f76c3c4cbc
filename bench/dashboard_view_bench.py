"""The teacher's class grid in the window: how long a refresh takes on a big class.

The same synthetic school as bench/progress_bench.py (40 classes x 35 students, 300
topics, 1,000,000 interactions; --keep reuses its database). An offscreen class
dashboard at 1366x728 shows each class in turn; per class it times

1. the view's refresh: the grid model reset, column widths, level chart, topic list
   and the paint that follows (what the teacher waits for after the core's answer);
2. beside it, in the same run, the same cells as QTableWidget items (text, colour,
   tooltip; the grid before it became a model and view), painted the same way: the
   "raw library" the view is compared with (ratio).

The core call (ProgressService.class_progress) is measured by progress_bench.py.

Run:  .venv/bin/python bench/dashboard_view_bench.py [--keep DB]   (full size)
      .venv/bin/python bench/dashboard_view_bench.py --smoke      (seconds)
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path
from types import SimpleNamespace
from typing import Any

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from progress_bench import build, pct  # noqa: E402
from PySide6.QtGui import QBrush, QColor  # noqa: E402
from PySide6.QtWidgets import QApplication, QTableWidget, QTableWidgetItem  # noqa: E402

from tutor_desktop.core.accounts import AccountService  # noqa: E402
from tutor_desktop.core.i18n import tr  # noqa: E402
from tutor_desktop.core.progress import ClassProgress, ProgressService  # noqa: E402
from tutor_desktop.core.storage import Database  # noqa: E402
from tutor_desktop.ui.progress_view import LEVEL_COLOURS, ClassDashboard  # noqa: E402


def table_widget_fill(table: QTableWidget, grid: ClassProgress, language: str) -> None:
    """The grid as one QTableWidget item per cell (text, background, tooltip)."""
    students, topics, cells = grid.students, grid.topics, grid.cells
    table.clear()
    table.setRowCount(len(students))
    table.setColumnCount(len(topics) + 1)
    brushes = {level: QBrush(QColor(colour)) for level, colour in LEVEL_COLOURS.items()}
    names = {level: tr(f"level_{level}", language) for level in LEVEL_COLOURS}
    for row, student in enumerate(students):
        table.setItem(row, 0, QTableWidgetItem(student.display_name))
        for column, topic in enumerate(topics, 1):
            cell = cells.get((student.id, topic.id))
            item = QTableWidgetItem(names[cell.level] if cell else "—")
            if cell is not None:
                item.setBackground(brushes[cell.level])
                item.setToolTip(cell.reason)
            table.setItem(row, column, item)
    table.resizeColumnsToContents()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--smoke", action="store_true", help="a small school, seconds")
    parser.add_argument("--keep", type=Path, metavar="DB",
                        help="build the school into DB once and reuse it on later runs")
    args = parser.parse_args()
    sizes = (4, 10, 30, 10_000) if args.smoke else (40, 35, 300, 1_000_000)
    app = QApplication.instance() or QApplication([])
    with tempfile.TemporaryDirectory(prefix="dashboard-view-bench-") as folder:
        path = args.keep or Path(folder) / "bench.sqlite3"
        db = Database(path)
        if not db.query_one("SELECT count(*) AS n FROM classes")["n"]:
            build(db, *sizes, seed=9)
        accounts = AccountService(db)
        progress = ProgressService(db, accounts)
        if not db.query_one("SELECT count(*) AS n FROM topic_mastery")["n"]:
            progress.recompute_mastery()
        admin = accounts.sign_in_staff("admin", "admin-pass-1")
        services: Any = SimpleNamespace(progress=progress, accounts=accounts)
        dashboard = ClassDashboard(services, admin)
        dashboard.resize(1366, 640)
        dashboard.show()
        table = QTableWidget()
        table.resize(760, 260)
        table.show()
        app.processEvents()
        view_ms, widget_ms = [], []
        classes = [dashboard.class_combo.itemData(i)
                   for i in range(dashboard.class_combo.count())]
        grid = None
        for class_id in classes:
            grid = progress.class_progress(admin, class_id)
            dashboard.data = grid
            started = time.perf_counter()
            dashboard._fill_grid()
            app.processEvents()
            view_ms.append((time.perf_counter() - started) * 1000)
            started = time.perf_counter()
            table_widget_fill(table, grid, "mn")
            app.processEvents()
            widget_ms.append((time.perf_counter() - started) * 1000)
        assert grid is not None
        v50, v95 = statistics.median(view_ms), pct(view_ms, 0.95)
        w50, w95 = statistics.median(widget_ms), pct(widget_ms, 0.95)
        print(f"class grid refresh in the window ({len(grid.students)} students x "
              f"{len(grid.topics)} topics, {len(classes)} classes): model and view p50 "
              f"{v50:.1f} ms, p95 {v95:.1f} ms; the same cells as QTableWidget items p50 "
              f"{w50:.1f} ms, p95 {w95:.1f} ms; ratio p50 {v50 / w50:.2f}, "
              f"p95 {v95 / w95:.2f}")
        dashboard.close()
        table.close()
        db.close()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
