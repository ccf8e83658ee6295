"""A database's content as plain rows, to keep a release's data as a fixture and to
compare two databases after an upgrade.

``take()`` reads every table the migrations made (Django's own and every app's) with
raw SQL, so it works at any schema, old or new, on SQLite and PostgreSQL alike;
``put()`` writes such rows back into a database migrated to the same schema.

Run at the previous release's commit to make the fixture (README, "Upgrading")::

    DJANGO_SETTINGS_MODULE=cop_site.settings.dev DATABASE_URL=sqlite:////tmp/r.sqlite3 \\
      python manage.py migrate && ... seed_demo --quiet-accounts && \\
      python -m tests.upgrade.snapshot tests/upgrade/previous-release.json.gz
"""

from __future__ import annotations

import base64
import datetime
import decimal
import gzip
import json
import sys
import uuid
from pathlib import Path

# Not data: the migration record (kept apart), sessions, and the search index, which
# each engine keeps in its own form (SQLite's full-text tables, PostgreSQL's
# tsvector) and `update_index` rebuilds from the content.
SKIP = {
    "django_migrations",
    "django_session",
    "wagtailsearch_indexentry",
    "wagtailsearch_indexentry_fts",
}


def _plain(value):
    if isinstance(value, (datetime.datetime, datetime.date, datetime.time)):
        return {"t": type(value).__name__, "v": value.isoformat()}
    if isinstance(value, decimal.Decimal):
        return {"t": "decimal", "v": str(value)}
    if isinstance(value, uuid.UUID):
        return {"t": "uuid", "v": str(value)}
    if isinstance(value, (bytes, memoryview)):
        return {"t": "bytes", "v": base64.b64encode(bytes(value)).decode()}
    if isinstance(value, (dict, list)):  # PostgreSQL's jsonb arrives parsed
        return {"t": "json", "v": json.dumps(value, sort_keys=True)}
    return value


def _value(value):
    if not isinstance(value, dict):
        return value
    kind, text = value["t"], value["v"]
    return {
        "datetime": datetime.datetime.fromisoformat,
        "date": datetime.date.fromisoformat,
        "time": datetime.time.fromisoformat,
        "decimal": decimal.Decimal,
        "uuid": uuid.UUID,
        "bytes": base64.b64decode,
        "json": lambda t: t,
    }[kind](text)


def tables(connection, skip=SKIP) -> list[str]:
    """The installed models' tables (and their many-to-many tables) that exist: not
    the search backend's own (SQLite's full-text tables are rebuilt from the index)."""
    names = connection.introspection.django_table_names(only_existing=True)
    return sorted(name for name in names if name not in skip)


def take(connection, skip=SKIP) -> dict:
    """Every table's columns and rows, rows sorted so two takes compare equal."""
    from django.db.migrations.recorder import MigrationRecorder

    quote = connection.ops.quote_name
    content = {}
    with connection.cursor() as cursor:
        for table in tables(connection, skip):
            cursor.execute(f"SELECT * FROM {quote(table)}")  # noqa: S608
            columns = [column[0] for column in cursor.description]
            rows = [[_plain(value) for value in row] for row in cursor.fetchall()]
            rows.sort(key=lambda row: json.dumps(row, sort_keys=True, default=str))
            content[table] = {"columns": columns, "rows": rows}
    applied = sorted(MigrationRecorder(connection).applied_migrations())
    return {"migrations": [list(key) for key in applied], "tables": content}


def _converters(connection, cursor, table: str, columns: list[str]) -> list:
    """SQLite keeps booleans as 0 and 1; PostgreSQL wants true and false."""
    keep = [lambda value: value] * len(columns)
    if connection.vendor != "postgresql":
        return keep
    description = connection.introspection.get_table_description(cursor, table)
    booleans = {c.name for c in description if c.type_code == 16}  # bool's oid
    return [
        (lambda v: v if v is None else bool(v)) if name in booleans else same
        for name, same in zip(columns, keep, strict=True)
    ]


def put(connection, snapshot: dict, skip=SKIP) -> None:
    """Replace every table's rows with the snapshot's (the schema must match)."""
    quote = connection.ops.quote_name
    names = [t for t in snapshot["tables"] if t in set(tables(connection, skip))]
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute(
                "TRUNCATE "
                + ", ".join(quote(t) for t in names)
                + " RESTART IDENTITY CASCADE"
            )
            cursor.execute("SET session_replication_role = replica")
        else:
            cursor.execute("PRAGMA foreign_keys = OFF")
            for table in names:
                cursor.execute(f"DELETE FROM {quote(table)}")  # noqa: S608
        for table in names:
            data = snapshot["tables"][table]
            if not data["rows"]:
                continue
            columns = ", ".join(quote(c) for c in data["columns"])
            marks = ", ".join(["%s"] * len(data["columns"]))
            convert = _converters(connection, cursor, table, data["columns"])
            cursor.executemany(
                f"INSERT INTO {quote(table)} ({columns}) VALUES ({marks})",  # noqa: S608
                [
                    [fn(_value(v)) for fn, v in zip(convert, row, strict=True)]
                    for row in data["rows"]
                ],
            )
        if connection.vendor == "postgresql":
            cursor.execute("SET session_replication_role = DEFAULT")
            for table in names:
                if "id" not in snapshot["tables"][table]["columns"]:
                    continue
                cursor.execute("SELECT pg_get_serial_sequence(%s, 'id')", [table])
                (sequence,) = cursor.fetchone()
                if sequence:
                    after_last = "SELECT setval(%s, COALESCE(MAX(id), 0) + 1, false)"
                    cursor.execute(f"{after_last} FROM {quote(table)}", [sequence])
        else:
            cursor.execute("PRAGMA foreign_keys = ON")


def read(path: Path) -> dict:
    with gzip.open(path, "rt", encoding="utf-8") as file:
        return json.load(file)


def write(path: Path, snapshot: dict) -> None:
    with gzip.open(path, "wt", encoding="utf-8", compresslevel=9) as file:
        json.dump(snapshot, file, separators=(",", ":"), sort_keys=True)


if __name__ == "__main__":
    import django

    django.setup()
    from django.db import connection

    write(Path(sys.argv[1]), take(connection))
