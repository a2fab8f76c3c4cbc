"""The same PDF imported through the window and through `tutor library add`, side by side.

A teacher imports through the library tab, IT through the terminal; both run the
same core import, so the window must not be slower. Each path gets a fresh data
folder with the same school and runs in its own process, one after the other:

- CLI: ``tutor --data-dir D library add PDF --user admin --password-stdin`` (wall
  clock of the whole command, start-up and model load included);
- window: an offscreen QApplication, the services, the teacher's library tab, the
  file handed to it as the "Import PDF…" button does; timed from the call until
  the tab shows the book ready (services built before, like an open window), plus
  the start-up measured apart. The first and the last time-left estimates the tab
  showed are printed too.

Prints both times, passages, and the ratio window / CLI (target <= 1.0).

    python bench/window_import_bench.py --pdf BOOK.pdf [--grade 7 --subject informatics --lang mn]
    python bench/window_import_bench.py --smoke     # a generated 6-page book
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PASSWORD = "bench-pass-1"


def _school(data_dir: Path) -> None:
    """A set-up school with an admin (the terminal signs in as it)."""
    from tutor_desktop.composition import build_services

    services = build_services(data_dir)
    try:
        services.accounts.first_run_setup("Bench school", "Admin", "admin", PASSWORD, "mn")
    finally:
        services.close()


def _env() -> dict[str, str]:
    return dict(os.environ, PYTHONPATH=str(ROOT), QT_QPA_PLATFORM="offscreen")


def cli_import(data_dir: Path, pdf: Path, grade: int, subject: str, lang: str) -> dict:
    started = time.perf_counter()
    done = subprocess.run(
        [sys.executable, "-m", "tutor_desktop", "--data-dir", str(data_dir), "library", "add",
         str(pdf), "--grade", str(grade), "--subject", subject, "--lang", lang, "--json",
         "--user", "admin", "--password-stdin"],
        input=PASSWORD + "\n", capture_output=True, text=True, env=_env(), cwd=ROOT)
    seconds = time.perf_counter() - started
    if done.returncode != 0:
        raise SystemExit(f"CLI import failed ({done.returncode}): {done.stderr[-2000:]}")
    return {"seconds": seconds, "stdout": done.stdout[-400:]}


WINDOW_SCRIPT = r"""
import json, sys, time
from pathlib import Path
started = time.perf_counter()
from PySide6.QtWidgets import QApplication
app = QApplication(sys.argv[:1])
from tutor_desktop.composition import build_services
from tutor_desktop.ui.library_view import make_library_page
data_dir, pdf, grade, subject, lang, password = sys.argv[1:7]
services = build_services(data_dir)
session = services.accounts.sign_in_staff("admin", password)
page = make_library_page(services, session)
page.show()
app.processEvents()
ready = time.perf_counter() - started
estimates = []
page._relay.progressed.connect(
    lambda p: estimates.append(p.seconds_left) if p.seconds_left is not None else None)
page.grade_spin.setValue(int(grade))
page.subject_combo.setCurrentIndex(page.subject_combo.findData(subject))
page.language_combo.setCurrentIndex(page.language_combo.findData(lang))
began = time.perf_counter()
page.import_files([Path(pdf)])
while page.busy:
    app.processEvents()
    time.sleep(0.02)
seconds = time.perf_counter() - began
books = services.library.books()
print(json.dumps({"seconds": seconds, "startup": ready, "books": len(books),
                  "status": [b.status for b in books],
                  "first_estimate": estimates[0] if estimates else None,
                  "last_estimate": estimates[-1] if estimates else None,
                  "estimates": len(estimates)}))
page.shutdown() if hasattr(page, "shutdown") else None
services.close()
"""


def window_import(data_dir: Path, pdf: Path, grade: int, subject: str, lang: str) -> dict:
    done = subprocess.run(
        [sys.executable, "-c", WINDOW_SCRIPT, str(data_dir), str(pdf), str(grade), subject,
         lang, PASSWORD], capture_output=True, text=True, env=_env(), cwd=ROOT)
    if done.returncode != 0:
        raise SystemExit(f"window import failed ({done.returncode}): {done.stderr[-2000:]}")
    return dict(json.loads(done.stdout.strip().splitlines()[-1]))


def passages(data_dir: Path) -> int:
    from tutor_desktop.composition import build_services

    services = build_services(data_dir)
    try:
        return int(services.db.query_one("SELECT count(*) FROM chunks")[0])
    finally:
        services.close()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--pdf", type=Path, help="the book (default: a generated one)")
    parser.add_argument("--pages", type=int, default=150, help="pages of a generated book")
    parser.add_argument("--grade", type=int, default=7)
    parser.add_argument("--subject", default="informatics")
    parser.add_argument("--lang", default="mn", choices=("mn", "en"))
    parser.add_argument("--smoke", action="store_true", help="a 6-page generated book")
    args = parser.parse_args()
    sys.path.insert(0, str(ROOT))
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        pdf = args.pdf
        if pdf is None:
            sys.path.insert(0, str(ROOT / "bench"))
            from ingest_bench import textbook

            pdf = textbook(work / "book.pdf", 6 if args.smoke or os.environ.get(
                "BENCH_SMOKE") else args.pages)
        results = {}
        for name, run in (("cli", cli_import), ("window", window_import)):
            data_dir = work / name
            _school(data_dir)
            results[name] = run(data_dir, pdf, args.grade, args.subject, args.lang)
            results[name]["passages"] = passages(data_dir)
            print(f"{name:<7} {results[name]['seconds']:8.1f} s  "
                  f"{results[name]['passages']} passages", flush=True)
        window, cli = results["window"], results["cli"]
        print(f"window start-up (apart): {window['startup']:.1f} s; time-left estimates: "
              f"first {window['first_estimate']}, last {window['last_estimate']} "
              f"({window['estimates']} shown)")
        print(f"ratio window / CLI: {window['seconds'] / cli['seconds']:.2f} "
              f"(book {pdf.name}, {args.subject}, grade {args.grade}, {args.lang})")
        if window["passages"] != cli["passages"]:
            print("the two imports stored different passages", file=sys.stderr)
            return 1
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
