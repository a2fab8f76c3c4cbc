"""Packaged-build benchmark: what IT staff carry on a stick, and how fast the
installed app opens compared with running it from the virtualenv.

Prints:
1. the PyInstaller one-folder bundle's size without models and with the default
   model pack (Gemma 3 270M + multilingual-e5-small) in its ``models/``;
2. the Debian package's size (gzip, as ``make dist`` builds it; xz beside it);
3. cold start to an interactive window (``tutor gui --smoke`` in a fresh data
   folder, wall clock from process start until the window has painted and takes
   input), from the installed .deb and from the virtualenv, median of N runs,
   interleaved; the ratio installed / virtualenv (target <= 1.2). The OS file cache
   is warm for both (dropping it would disturb everyone on a shared machine).

The .deb is installed with dpkg inside a private mount namespace (overlays over
/etc, /opt, /usr and /var), so the machine is left as it was. Without root or
namespaces the bundle is run from its folder instead, and the line says so.

Run:  .venv/bin/python bench/bundle_bench.py [--runs 5] [--bundle dist/tutor]
      .venv/bin/python bench/bundle_bench.py --smoke --bundle dist/tutor  (one run each, gzip only)
      .venv/bin/python bench/bundle_bench.py --smoke     (no build: the virtualenv start only;
                                                          make test runs this, tests/packaging
                                                          builds and checks the bundle itself)
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from installers.build_deb import build_deb  # noqa: E402
from tests.model_files import e5_gguf, gemma_gguf, link_into  # noqa: E402

MIB = 1024 * 1024
SMOKE_LINE = "smoke: window interactive"


def folder_size(folder: Path) -> int:
    return sum(p.stat().st_size for p in folder.rglob("*") if p.is_file() and not p.is_symlink())


def build_bundle(work: Path) -> Path:
    pyinstaller = shutil.which("pyinstaller", path=str(Path(sys.executable).parent))
    if pyinstaller is None:
        raise SystemExit("pyinstaller is needed: pip install -e '.[package]'")
    started = time.perf_counter()
    subprocess.run(["nice", "-n", "10", pyinstaller, str(ROOT / "installers" / "tutor.spec"),
                    "--noconfirm", "--distpath", str(work / "dist"),
                    "--workpath", str(work / "build")],
                   check=True, capture_output=True, cwd=work)
    print(f"bundle built in {time.perf_counter() - started:.0f} s")
    return work / "dist" / "tutor"


def time_smoke(command: list[str], data_dir: Path) -> float:
    """Seconds from process start until the window is interactive (the smoke line)."""
    env = {**os.environ, "QT_QPA_PLATFORM": "offscreen"}
    started = time.perf_counter()
    process = subprocess.Popen([*command, "--data-dir", str(data_dir), "gui", "--smoke"],
                               stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True,
                               env=env)
    assert process.stdout is not None
    elapsed = -1.0
    for line in process.stdout:
        if line.startswith(SMOKE_LINE):
            elapsed = time.perf_counter() - started
    process.wait(timeout=120)
    if elapsed < 0 or process.returncode != 0:
        raise RuntimeError(f"{command} gui --smoke failed (exit {process.returncode})")
    return elapsed


def venv_command() -> list[str]:
    script = Path(sys.executable).parent / "tutor"
    return [str(script)] if script.exists() else [sys.executable, "-m", "tutor_desktop"]


NAMESPACE_SCRIPT = r"""
set -e
W="$1"; DEB="$2"; shift 2
mount -t tmpfs tmpfs "$W/ovl"
for d in etc opt usr var; do
    mkdir -p "$W/ovl/$d.up" "$W/ovl/$d.work"
    mount -t overlay overlay -o "lowerdir=/$d,upperdir=$W/ovl/$d.up,workdir=$W/ovl/$d.work" "/$d"
done
dpkg -i "$DEB" > "$W/install.log" 2>&1
exec "$@"
"""


def namespace_available() -> bool:
    if os.geteuid() != 0 or shutil.which("unshare") is None or shutil.which("dpkg") is None:
        return False
    probe = subprocess.run(["unshare", "--mount", "--propagation", "private", "sh", "-c",
                            "mount -t tmpfs tmpfs /mnt"], capture_output=True)
    return probe.returncode == 0


def measure_in_namespace(deb: Path, runs: int, work: Path) -> list[float]:
    """Install the .deb in a throw-away namespace and time the installed `tutor` there,
    alternating with the virtualenv so both see the same machine load."""
    (work / "ovl").mkdir()
    result_file = work / "times.json"
    inner = [sys.executable, str(Path(__file__).resolve()), "--inner", str(result_file),
             "--runs", str(runs)]
    subprocess.run(["unshare", "--mount", "--propagation", "private", "bash", "-c",
                    NAMESPACE_SCRIPT, "bench", str(work), str(deb), *inner], check=True)
    return list(json.loads(result_file.read_text()))


def inner(result_file: Path, runs: int) -> None:
    """Runs inside the namespace: installed vs virtualenv, interleaved."""
    installed, venv = [], []
    with tempfile.TemporaryDirectory(prefix="tutor-bench-") as tmp:
        for n in range(runs):
            installed.append(time_smoke(["/usr/bin/tutor"], Path(tmp) / f"i{n}"))
            venv.append(time_smoke(venv_command(), Path(tmp) / f"v{n}"))
    result_file.write_text(json.dumps([installed, venv]))


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--smoke", action="store_true", help="one run each, gzip only")
    parser.add_argument("--bundle", help="an existing one-folder bundle (skip the build)")
    parser.add_argument("--inner", help=argparse.SUPPRESS)
    args = parser.parse_args()
    runs = 1 if args.smoke else args.runs
    if args.inner:
        inner(Path(args.inner), runs)
        return 0
    with tempfile.TemporaryDirectory(prefix="tutor-bundle-bench-") as tmp:
        work = Path(tmp)
        if args.smoke and not args.bundle:  # minutes of PyInstaller and gzip: not at smoke size
            start = time_smoke(venv_command(), work / "v0")
            print(f"smoke: no bundle built; cold start from the virtualenv {start:.2f} s")
            return 0
        bundle = Path(args.bundle) if args.bundle else build_bundle(work)
        bare = folder_size(bundle)
        models = [gemma_gguf(), e5_gguf()]
        with_models = work / "with-models"
        shutil.copytree(bundle, with_models, symlinks=True, copy_function=os.link)
        for model in models:
            link_into(model, with_models / "models")
        print(f"bundle without models:    {bare / MIB:8.1f} MiB  ({bundle})")
        print(f"bundle with default pack: {folder_size(with_models) / MIB:8.1f} MiB  "
              f"(+ {', '.join(m.name for m in models)})")
        started = time.perf_counter()
        deb = build_deb(bundle, work / "deb")
        print(f".deb (gzip):              {deb.stat().st_size / MIB:8.1f} MiB  "
              f"({deb.name}, built in {time.perf_counter() - started:.0f} s)")
        if not args.smoke:
            started = time.perf_counter()
            xz = build_deb(bundle, work / "deb-xz", compression="xz")
            print(f".deb (xz):                {xz.stat().st_size / MIB:8.1f} MiB  "
                  f"(built in {time.perf_counter() - started:.0f} s)")
        if namespace_available():
            installed, venv = measure_in_namespace(deb, runs, work)
            label = "installed .deb (/usr/bin/tutor)"
        else:
            installed, venv = [], []
            for n in range(runs):
                installed.append(time_smoke([str(bundle / "tutor")], work / f"i{n}"))
                venv.append(time_smoke(venv_command(), work / f"v{n}"))
            label = "bundle folder (no namespace: .deb not installed)"
        a, b = statistics.median(installed), statistics.median(venv)
        print(f"cold start to interactive window, median of {runs}:")
        print(f"  {label}: {a:.2f} s   (runs: {', '.join(f'{x:.2f}' for x in installed)})")
        print(f"  virtualenv ({' '.join(venv_command())}): {b:.2f} s   "
              f"(runs: {', '.join(f'{x:.2f}' for x in venv)})")
        print(f"  ratio installed / virtualenv: {a / b:.2f}  (target <= 1.2: "
              f"{'met' if a / b <= 1.2 else 'NOT met'})")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
