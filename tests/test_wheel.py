"""`pip wheel --no-deps .` builds one wheel holding the seven plugin packages and
everything they ship (migrations, templates, static and data files), declares what they
need at runtime, and leaves the host, the tests and the benchmarks out."""

import re
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent

# Its own processes and databases: played once, in CI's SQLite pass.
pytestmark = pytest.mark.engine_free
PLUGINS = {
    "community",
    "moderation",
    "forums",
    "events",
    "library",
    "improvement",
    "connect",
}


def _shipped(app: str) -> set[str]:
    return {
        str(path.relative_to(ROOT))
        for path in (ROOT / app).rglob("*")
        if path.is_file() and "__pycache__" not in path.parts and path.suffix != ".pyc"
    }


def test_one_wheel_holds_the_plugins_and_what_they_ship(tmp_path):
    # Built from a copy (with the host and tests beside the plugins, as in a checkout):
    # setuptools leaves build/ and *.egg-info beside the sources, and a stale build/lib
    # would carry deleted files into the next wheel.
    source = tmp_path / "source"
    source.mkdir()
    ignore = shutil.ignore_patterns("__pycache__", "*.pyc")
    for item in ["pyproject.toml", "README.md", *PLUGINS, "cop_site", "home", "tests"]:
        if (ROOT / item).is_dir():
            shutil.copytree(ROOT / item, source / item, ignore=ignore)
        else:
            shutil.copy2(ROOT / item, source / item)
    result = subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "--no-deps", "-q", "-w", tmp_path, "."],
        cwd=source,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert result.returncode == 0, result.stderr[-2000:]
    (wheel,) = tmp_path.glob("*.whl")
    names = set(zipfile.ZipFile(wheel).namelist())
    tops = {name.split("/")[0] for name in names}
    assert {t for t in tops if not t.endswith(".dist-info")} == PLUGINS
    for app in PLUGINS:
        missing = _shipped(app) - names
        assert not missing, sorted(missing)[:10]
    assert any(n.startswith("forums/static/forums/chat.js") for n in names)
    assert any("/migrations/0001_initial.py" in n for n in names)

    metadata = next(n for n in names if n.endswith(".dist-info/METADATA"))
    declared = {
        re.split(r"[<>=\[; ]", line.split(":", 1)[1].strip(), maxsplit=1)[0].lower()
        for line in zipfile.ZipFile(wheel).read(metadata).decode().splitlines()
        if line.startswith("Requires-Dist:")
    }
    required = {
        re.split(r"[<>=\[ ]", line.strip(), maxsplit=1)[0].lower()
        for line in (ROOT / "requirements.txt").read_text().splitlines()
        if line.strip() and not line.startswith("#")
    }
    assert declared == required
