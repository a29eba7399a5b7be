"""`pip install ./clients/python` gets a typed package that needs httpx only."""

from __future__ import annotations

import subprocess
import sys
import zipfile
from pathlib import Path

CLIENT = Path(__file__).resolve().parents[1]


def test_the_package_builds_typed_with_httpx_its_only_dependency(tmp_path: Path) -> None:
    subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "--quiet", "--no-deps", "--no-build-isolation", "--wheel-dir", str(tmp_path), str(CLIENT)],
        check=True,
    )
    [wheel] = tmp_path.glob("session_store-*.whl")
    with zipfile.ZipFile(wheel) as archive:
        names = set(archive.namelist())
        metadata = next(archive.read(name).decode() for name in names if name.endswith("/METADATA"))
    assert {"session_store/__init__.py", "session_store/session.py", "session_store/py.typed"} <= names
    assert [line for line in metadata.splitlines() if line.startswith("Requires-Dist:")] == ["Requires-Dist: httpx>=0.27,<1"]
