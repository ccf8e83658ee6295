"""One migrated test database per run, cloned for each parallel worker.

Migrating from nothing takes about twenty seconds of CPU (most of it Django rendering
the model states of ~240 migrations). With pytest-xdist every worker did it at once,
on the same two cores. Now the first worker to ask migrates a template while the others
wait, then each takes a copy with Django's own cloning (a file copy on SQLite,
``CREATE DATABASE ... TEMPLATE`` on PostgreSQL), as Django's parallel test runner does.
The controller removes the template when the run ends.

On SQLite the seeded demo is kept the same way: the first test that needs it seeds a
copy of the template (``seed_demo``, as `make run` does), and every later one, on any
worker, copies that in with SQLite's backup API, in a fraction of a second instead of
seeding again for ten. On PostgreSQL each worker seeds once and keeps the rows, then
writes them back for every later module (``_seed_or_put``).
"""

import fcntl
import hashlib
import os
import shutil
import sqlite3
import tempfile
from concurrent.futures import ThreadPoolExecutor
from contextlib import closing, contextmanager
from pathlib import Path

from django.conf import settings
from django.db import connections

TEMPLATE_SUFFIX = "template"
DEMO_SUFFIX = "demo"
FOUNDATION_SUFFIX = "foundation"
# This process's run and the name of its own database, set by setup_worker_database.
_RUN: dict = {}


def template_name(test_name: str, suffix: str = TEMPLATE_SUFFIX) -> str:
    """``.test-db.sqlite3`` -> ``.test-db-template.sqlite3``; ``test_cop`` ->
    ``test_cop_template``."""
    root, ext = os.path.splitext(test_name)
    if ext == ".sqlite3":
        return f"{root}-{suffix}{ext}"
    return f"{test_name}_{suffix}"


def unsuffixed_test_name(alias: str = "default") -> str:
    """The test database's name before pytest-django adds a worker's suffix."""
    db = settings.DATABASES[alias]
    name = db.get("TEST", {}).get("NAME") or f"test_{db['NAME']}"
    worker = os.environ.get("PYTEST_XDIST_WORKER")
    return name.removesuffix(f"_{worker}") if worker else name


@contextmanager
def _locked(name: str):
    key = hashlib.sha256(name.encode()).hexdigest()[:16]
    path = Path(tempfile.gettempdir()) / f"cop-test-db-{key}.lock"
    with path.open("a+") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            handle.seek(0)
            yield handle
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def setup_worker_database(worker: str, run: str, verbosity: int = 0) -> dict:
    """Point ``default`` at this worker's clone of the run's migrated template,
    migrating the template first if no worker has yet. Returns what teardown needs."""
    (alias,) = settings.DATABASES  # one database: the suite has no router
    connection = connections[alias]
    old_name = connection.settings_dict["NAME"]
    template = template_name(unsuffixed_test_name(alias))
    connection.settings_dict.setdefault("TEST", {})["NAME"] = template
    with _locked(template) as marker:
        if marker.read().strip() != run:
            # Sets settings and the connection to the template, migrated.
            connection.creation.create_test_db(
                verbosity=verbosity, autoclobber=True, serialize=False
            )
            marker.seek(0)
            marker.truncate()
            marker.write(run)
            marker.flush()
        else:
            connection.settings_dict["NAME"] = template
        connection.close()
        if connection.vendor == "sqlite":
            # A crashed run's write-ahead log beside the copy would be replayed on it.
            target = connection.creation.get_test_db_clone_settings(worker)["NAME"]
            for suffix in ("-wal", "-shm"):
                Path(target + suffix).unlink(missing_ok=True)
        connection.creation.clone_test_db(
            suffix=worker, verbosity=verbosity, autoclobber=True
        )
    clone = connection.creation.get_test_db_clone_settings(worker)
    connection.settings_dict.update(clone)
    settings.DATABASES[alias]["NAME"] = clone["NAME"]
    connection.close()
    # What ``serialized_rollback`` restores: the rows migrations made.
    connection._test_serialized_contents = connection.creation.serialize_db_to_string()
    _RUN.update(
        alias=alias,
        run=run,
        template=template,
        migrated_rows=connection._test_serialized_contents,
    )
    return {"alias": alias, "old_name": old_name}


def copies_whole_databases() -> bool:
    """SQLite: the demo and the migrated state are copied in whole. PostgreSQL would
    need the database dropped under this process's own connections (a browser test
    holds two sets), so there the demo is seeded in place and the migrated rows are
    restored from their snapshot, as before."""
    return connections[_RUN["alias"]].vendor == "sqlite"


def off_the_loop(function, /, *args, **kwargs):
    """Call ``function`` in a worker thread, where no asyncio loop is running.

    Use it for setup that broadcasts realtime events (``async_to_sync`` refuses to run
    in the thread Playwright's loop runs in). The worker's connections are closed after.
    """

    def call():
        try:
            return function(*args, **kwargs)
        finally:
            connections.close_all()

    with ThreadPoolExecutor(max_workers=1) as pool:
        return pool.submit(call).result()


def install_demo() -> None:
    """This worker's database becomes the seeded demo, committed. Call it outside any
    transaction, with no server of this worker's database running.

    On SQLite the demo is seeded once per run into a copy of the migrated template (by
    whichever worker asks first, the others waiting), then copied in."""
    off_the_loop(_install_seeded, DEMO_SUFFIX)


def install_foundation() -> None:
    """As ``install_demo``, with only the base's part of the demo
    (``tests.factories.seed_foundation``)."""
    off_the_loop(_install_seeded, FOUNDATION_SUFFIX)


def _install_seeded(kind: str) -> None:
    alias = _RUN["alias"]
    if not copies_whole_databases():
        _seed_or_put(kind)
        return
    copy = template_name(_RUN["template"], kind)
    with _locked(copy) as marker:
        if marker.read().strip() != _RUN["run"]:
            _seed_a_copy(alias, copy, SEEDS[kind])
            marker.seek(0)
            marker.truncate()
            marker.write(_RUN["run"])
            marker.flush()
        _copy_in(connections[alias], copy)


def install_migrated() -> None:
    """This worker's database as migrations left it."""
    off_the_loop(_install_migrated)


def _install_migrated() -> None:
    connection = connections[_RUN["alias"]]
    if not copies_whole_databases():
        connection.creation.deserialize_db_from_string(_RUN["migrated_rows"])
        return
    with _locked(_RUN["template"]):
        _copy_in(connection, _RUN["template"])


@contextmanager
def demo_for_a_module():
    """The demo while the block runs, then the database as migrations left it. On
    PostgreSQL the seed stays inside a transaction that is rolled back."""
    from django.db import transaction

    if copies_whole_databases():
        install_demo()
        yield
        install_migrated()
        return
    with transaction.atomic(using=_RUN["alias"]):
        _seed_or_put(DEMO_SUFFIX)
        yield
        transaction.set_rollback(True, using=_RUN["alias"])


def _seed_demo() -> None:
    from django.core.management import call_command
    from django.test import override_settings

    allowed = {**settings.COMMUNITY, "ALLOW_DEMO_SEED": True}
    # The real rate limits, as `make run` has them: the seed must pass them.
    with override_settings(COMMUNITY=allowed, MODERATION={}):
        call_command("seed_demo", quiet_accounts=True)


def _seed_foundation() -> None:
    from tests.factories import seed_foundation

    seed_foundation()


SEEDS = {DEMO_SUFFIX: _seed_demo, FOUNDATION_SUFFIX: _seed_foundation}
# PostgreSQL: each kind's rows as this worker's first seed left them.
_KEPT: dict[str, dict] = {}
# Only the migration record stays out: the search index is this engine's own.
_KEEP_ALL_BUT = {"django_migrations"}


def _seed_or_put(kind: str) -> None:
    """PostgreSQL: the first time, seed in place and keep every table's rows
    (``tests.upgrade.snapshot``, plain SQL); later, write those rows back in a second
    or two instead of seeding again for fifteen. Every worker's database is a clone of
    one migrated template, so the rows fit whichever module asks."""
    from django.contrib.contenttypes.models import ContentType

    from tests.upgrade import snapshot

    connection = connections[_RUN["alias"]]
    kept = _KEPT.get(kind)
    if kept is None:
        SEEDS[kind]()
        _KEPT[kind] = snapshot.take(connection, skip=_KEEP_ALL_BUT)
    else:
        snapshot.put(connection, kept, skip=_KEEP_ALL_BUT)
    ContentType.objects.clear_cache()


def _seed_a_copy(alias: str, copy: str, seed) -> None:
    """``copy``: a copy of the migrated template that ``seed`` fills, through a
    connection of its own in this thread."""
    from django.core.cache import caches

    for suffix in ("", "-wal", "-shm"):
        Path(copy + suffix).unlink(missing_ok=True)
    copy_template(copy)
    own = connections[alias]
    seeding = connections.create_connection(alias)
    seeding.settings_dict = {**own.settings_dict, "NAME": copy}
    connections[alias] = seeding
    try:
        seed()
    finally:
        seeding.close()
        connections[alias] = own
        # What the seed kept in this worker's cache describes the other database.
        for cache in caches.all(initialized_only=True):
            cache.clear()


def _copy_in(connection, source: str) -> None:
    """Replace this worker's SQLite database with a copy of ``source`` (SQLite's
    backup API, through this thread's connection), keeping each id sequence where
    it was if that is further on: a server still running from an earlier test may
    keep something under an id, and ids are never given twice."""
    from django.contrib.contenttypes.models import ContentType

    connection.ensure_connection()
    raw = connection.connection
    sequences = "SELECT name, seq FROM sqlite_sequence"
    before = dict(raw.execute(sequences).fetchall())
    with closing(sqlite3.connect(source)) as origin:
        origin.backup(raw)
    after = dict(raw.execute(sequences).fetchall())
    for name, seq in before.items():
        if name not in after:
            raw.execute("INSERT INTO sqlite_sequence VALUES (?, ?)", (name, seq))
        elif seq > after[name]:
            raw.execute(
                "UPDATE sqlite_sequence SET seq = ? WHERE name = ?", (seq, name)
            )
    raw.commit()
    ContentType.objects.clear_cache()


def copy_template(target: str | Path) -> None:
    """A file copy of the run's migrated SQLite template: for a seed to fill, or for a
    process of a test's own (a bare host) to start from."""
    assert copies_whole_databases(), "the template is a file on SQLite only"
    with _locked(_RUN["template"]):
        shutil.copyfile(_RUN["template"], target)


def teardown_worker_database(state: dict, verbosity: int = 0) -> None:
    connection = connections[state["alias"]]
    connection.close()
    connection.creation.destroy_test_db(state["old_name"], verbosity=verbosity)


def drop_template(verbosity: int = 0) -> None:
    """In the controller once the workers are done: remove the run's template, and
    any worker's copy its worker could not drop (a server's last connection was still
    closing)."""
    (alias,) = settings.DATABASES
    connection = connections[alias]
    template = template_name(unsuffixed_test_name(alias))
    seeded = [template_name(template, kind) for kind in SEEDS]
    if connection.vendor == "sqlite":
        root, ext = os.path.splitext(template)
        copies = Path(root).parent.glob(f"{Path(root).name}_gw*")
        for path in [Path(template), *map(Path, seeded), *copies]:
            for suffix in ("", "-wal", "-shm"):
                Path(f"{path}{suffix}").unlink(missing_ok=True)
        return
    with connection.creation._nodb_cursor() as cursor:
        cursor.execute(
            "SELECT datname FROM pg_database WHERE datname = %s OR datname LIKE %s",
            [template, template.replace("_", r"\_") + r"\_gw%"],
        )
        for (name,) in cursor.fetchall():
            quoted = connection.ops.quote_name(name)
            cursor.execute(f"DROP DATABASE IF EXISTS {quoted} WITH (FORCE)")


def restore_into_an_empty_database(creation, data: str, deserialize) -> None:
    """Restore a ``serialized_rollback`` snapshot into an emptied database.

    Django restores a snapshot into whatever the last test left. After a transactional
    test without a snapshot, that is a database whose flush re-ran ``post_migrate``
    and re-created content types (and permissions, the default site) under new ids, and
    the restore fails on them ("UNIQUE constraint failed: django_content_type"): an
    order-dependent failure that only a worker's particular mix of tests shows. So the
    database is emptied first, without ``post_migrate``, and the snapshot's content
    types are cached under the ids it gives them: restoring builds Wagtail ``Task``
    rows, which ask for their content type, and a cold cache would insert one that the
    snapshot then collides with.
    """
    import json

    from django.contrib.contenttypes.models import ContentType
    from django.core.management import call_command

    if creation.connection.vendor == "sqlite" and data == _RUN.get("migrated_rows"):
        # The migrated template itself: a copy, in a tenth of the time.
        with _locked(_RUN["template"]):
            _copy_in(creation.connection, _RUN["template"])
        return
    alias = creation.connection.alias
    call_command(
        "flush",
        database=alias,
        interactive=False,
        verbosity=0,
        inhibit_post_migrate=True,
        # As TransactionTestCase does: the snapshot restores explicit ids and does
        # not move sequences, so they must stay past the migrated rows.
        reset_sequences=False,
    )
    ContentType.objects.clear_cache()
    for row in json.loads(data):
        if row["model"] == "contenttypes.contenttype":
            content_type = ContentType(pk=row["pk"], **row["fields"])
            ContentType.objects._add_to_cache(alias, content_type)
    deserialize(creation, data)
