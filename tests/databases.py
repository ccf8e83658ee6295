"""One migrated test database per run, cloned for each parallel worker.

Migrating from nothing takes about twenty seconds of CPU (most of it Django rendering
the model states of ~240 migrations). With pytest-xdist every worker did it at once,
on the same two cores. Now the first worker to ask migrates a template while the others
wait, then each takes a copy with Django's own cloning (a file copy on SQLite,
``CREATE DATABASE ... TEMPLATE`` on PostgreSQL), as Django's parallel test runner does.
The controller removes the template when the run ends.
"""

import fcntl
import hashlib
import os
import tempfile
from contextlib import contextmanager
from pathlib import Path

from django.conf import settings
from django.db import connections

TEMPLATE_SUFFIX = "template"


def template_name(test_name: str) -> str:
    """``.test-db.sqlite3`` -> ``.test-db-template.sqlite3``; ``test_cop`` ->
    ``test_cop_template``."""
    root, ext = os.path.splitext(test_name)
    if ext == ".sqlite3":
        return f"{root}-{TEMPLATE_SUFFIX}{ext}"
    return f"{test_name}_{TEMPLATE_SUFFIX}"


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
    return {"alias": alias, "old_name": old_name}


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
    if connection.vendor == "sqlite":
        root, ext = os.path.splitext(template)
        for path in [Path(template), *Path(root).parent.glob(f"{Path(root).name}_gw*")]:
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
