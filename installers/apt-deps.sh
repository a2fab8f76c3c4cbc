#!/usr/bin/env bash
# Installs the Debian/Ubuntu packages Tutor Desktop and its tests need.
# As root: installs what is missing. Otherwise: prints the exact apt-get line.
set -euo pipefail

PACKAGES=(
  # Qt runtime (offscreen and real windows)
  libgl1 libegl1 libglib2.0-0 libfontconfig1 libdbus-1-3 libxkbcommon0
  libxcb-cursor0 libxcb-icccm4 libxcb-image0 libxcb-keysyms1 libxcb-render-util0
  libxcb-shape0 libxcb-xkb1 libxkbcommon-x11-0
  # A font with Mongolian Cyrillic (the app also bundles one)
  fonts-dejavu-core
  # Microphone capture (sounddevice)
  libportaudio2
  # Virtual screen, and speech generation for the voice tests
  xvfb xauth espeak-ng sox
  # Building llama-cpp-python from source
  cmake build-essential
  # Packaging tests: the Windows installer script compiles with makensis (dpkg-deb is in dpkg)
  nsis
  # The sync service's tests run a real PostgreSQL (initdb + pg_ctl in a temp folder, as the
  # postgres user when the tests run as root); runuser is in util-linux
  postgresql
  # OCR of scanned textbooks and pictures of problems (Mongolian and English data)
  tesseract-ocr tesseract-ocr-mon tesseract-ocr-eng
)

if ! command -v dpkg-query >/dev/null 2>&1; then
  echo "apt-deps: not a Debian-based system; install the equivalents of: ${PACKAGES[*]}" >&2
  exit 0
fi

missing=()
for pkg in "${PACKAGES[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed"; then
    missing+=("$pkg")
  fi
done

if [ ${#missing[@]} -eq 0 ]; then
  exit 0
fi

if [ "$(id -u)" -eq 0 ]; then
  echo "apt-deps: installing ${missing[*]}"
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}"
else
  echo "apt-deps: some system packages are missing. Run:" >&2
  echo "  sudo apt-get install -y ${missing[*]}" >&2
  if [ "${APT_DEPS_STRICT:-0}" = "1" ]; then exit 1; fi
fi
