"""The backup drill: the demo and its files backed up, the files destroyed, everything
restored into a fresh database and folder, and every table and file compared.

Runs on both passes: SQLite's online backup on the first, ``pg_dump``/``pg_restore``
on the second.
"""

import hashlib
import io
import json
import tarfile
from pathlib import Path

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connections

from community import backup

DRILL = "drill"


def fingerprint(connection) -> dict:
    """Each table's row count and a hash of its rows, whatever their order."""
    quote = connection.ops.quote_name
    state = {}
    with connection.cursor() as cursor:
        for table in sorted(connection.introspection.table_names(cursor)):
            cursor.execute(f"SELECT * FROM {quote(table)}")  # noqa: S608 - own names
            rows = sorted(
                hashlib.sha256(repr(row).encode()).hexdigest()
                for row in cursor.fetchall()
            )
            state[table] = (len(rows), hashlib.sha256("".join(rows).encode()).digest())
    return state


def files(root: Path) -> dict:
    return {
        path.relative_to(root).as_posix(): backup.sha256(path)
        for path in sorted(root.rglob("*"))
        if path.is_file()
    }


@pytest.fixture
def media(settings, tmp_path) -> Path:
    """Uploaded files of every kind the site keeps, nested as storage nests them."""
    root = tmp_path / "media"
    settings.MEDIA_ROOT = root
    for name, data in {
        "documents/checklist.pdf": b"%PDF-1.4 safe childbirth checklist",
        "documents/private/audit-2026.pdf": b"%PDF-1.4 restricted audit",
        "images/ward.original.jpg": bytes(range(256)) * 40,
        "podcasts/episode-1.mp3": b"ID3" + b"\x00" * 2048,
    }.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(data)
    return root


@pytest.fixture
def fresh_database(tmp_path):
    """An empty database beside the test's own, and a connection of its own to it."""
    default = connections["default"]
    fresh = connections.create_connection("default")
    if default.vendor == "sqlite":
        name = str(tmp_path / "fresh.sqlite3")
    else:
        name = f"{default.settings_dict['NAME']}_{DRILL}"
        _drop_and_create(default, name, create=True)
    fresh.settings_dict = {**default.settings_dict, "NAME": name}
    try:
        yield fresh
    finally:
        fresh.close()
        if default.vendor != "sqlite":
            _drop_and_create(default, name, create=False)


def _drop_and_create(connection, name: str, *, create: bool) -> None:
    quoted = connection.ops.quote_name(name)
    with connection.creation._nodb_cursor() as cursor:
        cursor.execute(f"DROP DATABASE IF EXISTS {quoted} WITH (FORCE)")
        if create:
            cursor.execute(f"CREATE DATABASE {quoted}")


def test_the_drill_restores_every_table_and_file(
    committed_demo, media, fresh_database, tmp_path, settings
):
    before, before_files = fingerprint(connections["default"]), files(media)
    assert before["forums_post"][0] > 50  # the whole demo, not an empty site

    out = io.StringIO()
    call_command("backup", output=str(tmp_path / "backups"), stdout=out)
    archive = Path(out.getvalue().strip())
    assert archive.name.startswith("cop-backup-") and archive.suffixes[-2:] == [
        ".tar",
        ".gz",
    ]
    # It holds who wrote each anonymous post: readable by the operator alone.
    assert archive.stat().st_mode & 0o777 == 0o600
    assert archive.parent.stat().st_mode & 0o777 == 0o700
    checksum = archive.with_name(archive.name + ".sha256").read_text()
    assert checksum == f"{backup.sha256(archive)}  {archive.name}\n"  # sha256sum -c

    # Destroyed: the files are gone; the database is restored into a new one.
    for path in media.rglob("*"):
        if path.is_file():
            path.unlink()
    settings.MEDIA_ROOT = tmp_path / "fresh-media"
    manifest = backup.restore(archive, connection=fresh_database)

    assert fingerprint(fresh_database) == before
    assert files(tmp_path / "fresh-media") == before_files
    assert manifest["migrations"]["forums"]  # what a later migrate starts from
    database = "sqlite3" if manifest["engine"] == "sqlite" else "pgdump"
    assert set(manifest["files"]) == {
        f"database/database.{database}",
        *(f"media/{name}" for name in before_files),
    }


def _archive(tmp_path: Path, members: dict, manifest: dict | None = None) -> Path:
    """A hand-made archive with a checksum that matches it."""
    manifest = manifest or {
        "format": backup.FORMAT,
        "created": "2026-12-04T10:00:00+00:00",
        "engine": connections["default"].vendor,
        "migrations": {},
        "files": {
            name: hashlib.sha256(data).hexdigest() for name, data in members.items()
        },
    }
    path = tmp_path / "cop-backup-made.tar.gz"
    with tarfile.open(path, "w:gz") as tar:
        for name, data in {"manifest.json": json.dumps(manifest).encode()}.items():
            info = tarfile.TarInfo(name)
            info.size = len(data)
            tar.addfile(info, io.BytesIO(data))
        for name, data in members.items():
            info = tarfile.TarInfo(name)
            info.size = len(data)
            tar.addfile(info, io.BytesIO(data))
    path.with_name(path.name + ".sha256").write_text(
        f"{backup.sha256(path)}  {path.name}\n"
    )
    return path


@pytest.mark.django_db
def test_a_damaged_archive_is_refused_before_anything_is_touched(tmp_path, media):
    archive = _archive(tmp_path, {"database/database.sqlite3": b"x" * 100})
    data = bytearray(archive.read_bytes())
    data[len(data) // 2] ^= 0xFF
    archive.write_bytes(bytes(data))
    with pytest.raises(CommandError, match="does not match its checksum"):
        call_command("restore", str(archive), check_only=True)
    archive.with_name(archive.name + ".sha256").unlink()
    with pytest.raises(CommandError, match="sha256 is missing"):
        call_command("restore", str(archive))


@pytest.mark.django_db
def test_a_member_that_differs_from_its_manifest_is_refused(tmp_path, media):
    manifest = {
        "format": backup.FORMAT,
        "created": "2026-12-04T10:00:00+00:00",
        "engine": connections["default"].vendor,
        "migrations": {},
        "files": {"media/a.pdf": hashlib.sha256(b"the original").hexdigest()},
    }
    archive = _archive(tmp_path, {"media/a.pdf": b"swapped"}, manifest)
    with pytest.raises(backup.BackupError, match="does not match the manifest"):
        backup.verify(archive)
    archive = _archive(
        tmp_path, {"media/a.pdf": b"the original", "media/b.pdf": b"?"}, manifest
    )
    with pytest.raises(backup.BackupError, match="not in the manifest"):
        backup.verify(archive)


@pytest.mark.django_db
def test_a_member_that_would_land_outside_is_refused(tmp_path, media):
    archive = _archive(
        tmp_path,
        {"database/database.sqlite3": b"x", "../../outside.txt": b"planted"},
    )
    with pytest.raises(backup.BackupError, match="Refused a member"):
        backup.restore(archive, replace=True)
    assert not (tmp_path.parent / "outside.txt").exists()


# A backup is made from committed data, outside any transaction, as an operator's is.
@pytest.mark.django_db(transaction=True)
def test_a_site_with_data_is_not_overwritten_unless_asked(tmp_path, media):
    archive = backup.create(tmp_path / "backups")
    with pytest.raises(CommandError, match="database is not empty"):
        call_command("restore", str(archive))
    assert files(media)  # untouched


@pytest.mark.django_db
def test_no_backup_from_inside_a_transaction(tmp_path, media):
    with pytest.raises(CommandError, match="outside a transaction"):
        call_command("backup", output=str(tmp_path / "backups"))


@pytest.mark.django_db
def test_a_backup_of_another_engine_is_refused(tmp_path, media):
    other = "postgresql" if connections["default"].vendor == "sqlite" else "sqlite"
    manifest = {
        "format": backup.FORMAT,
        "created": "2026-12-04T10:00:00+00:00",
        "engine": other,
        "migrations": {},
        "files": {},
    }
    archive = _archive(tmp_path, {}, manifest)
    with pytest.raises(CommandError, match=f"backup is of a {other} database"):
        call_command("restore", str(archive), replace=True)


@pytest.mark.django_db(transaction=True)
def test_check_only_reports_and_restores_nothing(tmp_path, media):
    archive = backup.create(tmp_path / "backups")
    out = io.StringIO()
    call_command("restore", str(archive), check_only=True, stdout=out)
    assert out.getvalue().startswith(f"{archive.name} checked: 5 files, made ")
