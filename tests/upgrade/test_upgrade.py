"""Upgrading from the previous release: its data, at its schema, migrated to this
release's with nothing lost or changed, and the site serving after.

``previous-release.json.gz`` is the whole demo as the previous release left it (every
table's rows and the migrations applied; README, "Upgrading"). The drill runs in a
process of its own against a database of its own, on the engine of this run.
"""

import json
import os
import subprocess
import sys
from pathlib import Path

import dj_database_url
import psycopg
import pytest

from tests.upgrade.drill import _compare

ROOT = Path(__file__).resolve().parents[2]
FIXTURE = Path(__file__).with_name("previous-release.json.gz")


@pytest.fixture
def empty_database(tmp_path):
    url = os.environ.get("DATABASE_URL", "")
    if not url.startswith("postgres"):
        yield f"sqlite:///{tmp_path / 'upgrade.sqlite3'}"
        return
    config = dj_database_url.parse(url)
    name = f"{config['NAME']}_upgrade_{os.getpid()}"
    server = url.rsplit("/", 1)[0]

    def recreate(create: bool) -> None:
        with psycopg.connect(f"{server}/postgres", autocommit=True) as admin:
            admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
            if create:
                admin.execute(f'CREATE DATABASE "{name}"')

    recreate(True)
    try:
        yield f"{server}/{name}"
    finally:
        recreate(False)


def test_the_previous_release_upgrades_with_its_data_intact(empty_database):
    env = {
        key: value
        for key, value in os.environ.items()
        if key not in {"REDIS_URL", "DJANGO_SETTINGS_MODULE", "PYTEST_XDIST_WORKER"}
    }
    env |= {
        "DATABASE_URL": empty_database,
        "DJANGO_SETTINGS_MODULE": "cop_site.settings.dev",
        "DATABASE_POOL_MAX": "0",
    }
    done = subprocess.run(
        [sys.executable, "-m", "tests.upgrade.drill", str(FIXTURE)],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    report = json.loads(done.stdout.strip().splitlines()[-1])
    assert report["problems"] == []
    assert report["rows"] > 3000  # the whole demo, not an empty site
    assert set(report["pages"].values()) == {200}, report["pages"]


def test_the_drill_notices_a_lost_row_a_changed_value_and_a_dropped_column():
    before = {
        "tables": {
            "a": {"columns": ["id", "body"], "rows": [[1, "x"], [2, "y"]]},
            "b": {"columns": ["id", "old"], "rows": [[1, "kept"]]},
            "c": {"columns": ["id"], "rows": [[1]]},
        }
    }
    after = {
        "tables": {
            "a": {"columns": ["id", "body", "new"], "rows": [[1, "x", None]]},
            "b": {"columns": ["id"], "rows": [[1]]},
        }
    }
    problems, _compared = _compare(before, after)
    assert [p.split(":")[0] for p in problems] == ["a", "b", "c"]
    same, compared = _compare(before, before)
    assert same == [] and compared == 4
