#!/usr/bin/env bash
# The Python suite's virtual environment (never the system's Python): the pinned test
# requirements, installed once per version of that file into the user's cache, so a fresh clone
# on the same machine (CI's) reuses it; .venv links to it. The client is not installed there:
# the suite imports it from clients/python/src.
set -euo pipefail
cd "$(dirname "$0")/.."
requirements=clients/python/requirements-test.txt
hash=$(cat "$requirements" <(python3 --version) | sha256sum | cut -c1-16)
venv="${XDG_CACHE_HOME:-${HOME:-/tmp}/.cache}/session-store/python-venv-$hash"
mkdir -p "$(dirname "$venv")"
exec 9>"$venv.lock"
flock 9  # two runs at once: one installs, the other waits for it
# The mark is written last, so an interrupted install is redone, never taken for a finished one.
if [ ! -f "$venv/.complete" ]; then
  echo "python-venv: installing $requirements into $venv"
  rm -rf "$venv"
  python3 -m venv "$venv"
  "$venv/bin/python" -m pip install --quiet --disable-pip-version-check -r "$requirements"
  touch "$venv/.complete"
fi
if [ "$(readlink .venv 2>/dev/null)" != "$venv" ]; then
  rm -rf .venv
  ln -s "$venv" .venv
fi
