"""Every UI string is in English and French: the catalogue is complete and current."""

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PO = ROOT / "locale" / "fr" / "LC_MESSAGES" / "django.po"
SKIP = {
    ".venv",
    ".git",
    "staticfiles",
    "media",
    "node_modules",
    ".stamps",
    "tests",
    "bench",
}


def entries(text: str) -> list[dict]:
    """A small .po reader: msgid, msgid_plural, msgstr / msgstr[n], flags."""
    found = []
    for block in text.split("\n\n"):
        entry: dict = {"flags": "", "msgstr": []}
        key = None
        for line in block.splitlines():
            if line.startswith("#,"):
                entry["flags"] += line
            elif line.startswith("#"):
                continue
            else:
                match = re.match(
                    r'^(msgid_plural|msgid|msgstr(?:\[\d\])?) (".*")$', line
                )
                if match:
                    key = match.group(1)
                    value = eval(match.group(2))  # noqa: S307 - a quoted PO string
                    if key.startswith("msgstr"):
                        entry["msgstr"].append(value)
                    else:
                        entry[key] = value
                elif line.startswith('"') and key:
                    value = eval(line)  # noqa: S307
                    if key.startswith("msgstr"):
                        entry["msgstr"][-1] += value
                    else:
                        entry[key] += value
        if entry.get("msgid"):
            found.append(entry)
    return found


def test_every_french_string_is_translated():
    missing = [
        e["msgid"]
        for e in entries(PO.read_text())
        if not all(e["msgstr"]) or not e["msgstr"] or "fuzzy" in e["flags"]
    ]
    assert missing == [], f"{len(missing)} untranslated French strings: {missing[:10]}"


def test_catalogue_holds_every_translatable_string(tmp_path):
    """makemessages over a copy of the tree finds nothing the catalogue lacks."""
    copy = tmp_path / "tree"
    shutil.copytree(ROOT, copy, ignore=lambda d, names: [n for n in names if n in SKIP])
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "cop_site.settings.dev"}
    env.pop("DATABASE_URL", None)
    result = subprocess.run(
        [
            sys.executable,
            "manage.py",
            "makemessages",
            "-l",
            "fr",
            "--no-location",
            "-v0",
        ],
        cwd=copy,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr
    fresh = {e["msgid"] for e in entries((copy / PO.relative_to(ROOT)).read_text())}
    committed = {
        e["msgid"] for e in entries(PO.read_text()) if "obsolete" not in e["flags"]
    }
    new = sorted(fresh - committed)
    assert new == [], (
        f"run `make messages-fr`: strings missing from the catalogue: {new[:10]}"
    )
