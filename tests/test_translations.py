"""Every UI string is in English and French: each plugin ships its own catalogue
(``<app>/locale/fr/LC_MESSAGES/django.po`` and its compiled ``.mo``, in the wheel), the
host keeps only its own strings in ``locale/``, and every catalogue is complete,
current and compiled."""

import os
import shutil
import subprocess
import sys
from pathlib import Path

import polib
import pytest

from community.suite import PLUGINS

ROOT = Path(__file__).resolve().parent.parent
RELATIVE = Path("locale", "fr", "LC_MESSAGES", "django.po")
CATALOGUES = {app: ROOT / app / RELATIVE for app in PLUGINS} | {"host": ROOT / RELATIVE}
# What makemessages reads: the plugins, the host and its catalogue. Copied by name, never
# the whole checkout: a copy would open and close this worker's live SQLite test
# database files, and closing any descriptor of a file drops every POSIX lock the
# process holds on it, so another process's last close would delete the write-ahead
# log under open connections ("disk I/O error" in the tests after this one).
TREE = ["manage.py", "cop_site", "home", "locale", *PLUGINS]

# Its own processes and databases: played once, in CI's SQLite pass.
pytestmark = pytest.mark.engine_free


def _live(po: polib.POFile) -> list[polib.POEntry]:
    return [e for e in po if not e.obsolete]


@pytest.mark.parametrize("owner", sorted(CATALOGUES))
def test_every_french_string_is_translated(owner):
    po = polib.pofile(str(CATALOGUES[owner]))
    assert not po.metadata_is_fuzzy, "msgfmt skips a fuzzy header (and its plurals)"
    missing = [e.msgid for e in _live(po) if not e.translated()]
    assert missing == [], f"{len(missing)} untranslated French strings: {missing[:10]}"


@pytest.mark.parametrize("owner", sorted(CATALOGUES))
def test_the_compiled_catalogue_matches_its_source(owner):
    """The .mo files are committed (the wheel carries them, as Django's and Wagtail's
    apps do): each must say what its .po says."""
    source = CATALOGUES[owner]
    compiled = source.with_suffix(".mo")
    assert compiled.exists(), f"run `make messages`: {compiled.relative_to(ROOT)}"

    def table(entries):
        return {
            (e.msgctxt, e.msgid): (
                e.msgstr,
                {int(n): text for n, text in e.msgstr_plural.items()},
            )
            for e in entries
            if e.msgid
        }

    wanted = table(e for e in _live(polib.pofile(str(source))) if e.translated())
    have = table(polib.mofile(str(compiled)))
    stale = sorted(str(key[1]) for key in wanted if have.get(key) != wanted[key])
    assert stale == [], f"run `make messages`: {len(stale)} stale: {stale[:5]}"


def test_each_catalogue_holds_its_own_strings_and_nothing_is_missing(tmp_path):
    """makemessages over a copy of the tree puts each app's strings in that app's
    catalogue and the host's in ``locale/``; it finds nothing the committed ones lack."""
    copy = tmp_path / "tree"
    ignore = shutil.ignore_patterns("__pycache__", "*.pyc", "*.sqlite3*")
    for item in TREE:
        if (ROOT / item).is_dir():
            shutil.copytree(ROOT / item, copy / item, ignore=ignore)
        else:
            copy.mkdir(exist_ok=True)
            shutil.copy2(ROOT / item, copy / item)
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "cop_site.settings.dev"}
    env.pop("DATABASE_URL", None)
    result = subprocess.run(
        [sys.executable, "manage.py", "makemessages", "-l", "fr", "-v0"],
        cwd=copy,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr
    new = {}
    for owner, path in CATALOGUES.items():
        fresh = {
            e.msgid for e in _live(polib.pofile(str(copy / path.relative_to(ROOT))))
        }
        committed = {e.msgid for e in _live(polib.pofile(str(path)))}
        if fresh - committed:
            new[owner] = sorted(fresh - committed)[:5]
    assert new == {}, f"run `make messages-fr`, then translate: {new}"


def test_the_host_catalogue_keeps_only_host_strings():
    """A plugin's string in the host's catalogue would be translated here and not on
    any other site that installs the plugin."""
    host = polib.pofile(str(CATALOGUES["host"]))
    plugin_files = [
        occurrence
        for entry in _live(host)
        for occurrence, _line in entry.occurrences
        if occurrence.split("/")[0] in PLUGINS
    ]
    assert plugin_files == []
