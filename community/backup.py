"""Backups an operator can restore: the database and the uploaded files in one
timestamped archive, every member checksummed, and the archive's own checksum beside it.

- PostgreSQL is dumped with its own ``pg_dump`` (custom format) and restored with
  ``pg_restore``; the embedded SQLite with SQLite's online backup API. Both give a
  consistent copy while the site keeps serving.
- Uploaded files are those under ``MEDIA_ROOT`` (the default file storage), private
  documents included: they are served only through the application, never by the proxy.
- ``manifest.json`` lists each member's SHA-256; ``<archive>.sha256`` is in the format
  ``sha256sum -c`` reads, for a copy made off-site.

A restore checks both, refuses a database or media folder that already holds anything
(unless told to replace it), and leaves migrations to ``manage.py migrate``: a backup of
an older release restores, then migrates forward as an upgrade would.
"""

import hashlib
import io
import json
import os
import shutil
import sqlite3
import subprocess
import tarfile
import tempfile
from contextlib import closing
from datetime import UTC, datetime
from pathlib import Path

from django.conf import settings
from django.db import DEFAULT_DB_ALIAS, connections
from django.db.migrations.recorder import MigrationRecorder

FORMAT = 1
MANIFEST = "manifest.json"
CHUNK = 1024 * 1024


class BackupError(Exception):
    """A backup or restore that cannot go on; the message says why."""


def sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        while block := handle.read(CHUNK):
            digest.update(block)
    return digest.hexdigest()


def create(directory: Path, *, connection=None) -> Path:
    """Write ``cop-backup-<UTC time>.tar.gz`` and its ``.sha256`` into ``directory``;
    return the archive's path. ``connection`` is the default database's unless given."""
    # The archive holds who wrote every anonymous post: for the operator's eyes only.
    directory.mkdir(mode=0o700, parents=True, exist_ok=True)
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
    archive = directory / f"cop-backup-{stamp}.tar.gz"
    if archive.exists():
        raise BackupError(f"{archive.name} already exists; try again in a second.")
    connection = connection or connections[DEFAULT_DB_ALIAS]
    if connection.in_atomic_block:
        # SQLite's backup would wait forever on the transaction's own write lock, and
        # pg_dump would not see what it has not committed.
        raise BackupError("Back up outside a transaction.")
    media = Path(settings.MEDIA_ROOT)
    with tempfile.TemporaryDirectory() as work:
        database = Path(work) / _database_file(connection.vendor)
        _dump(connection, database)
        members = {f"database/{database.name}": database}
        if media.is_dir():
            for path in sorted(media.rglob("*")):
                if path.is_file() and not path.is_symlink():
                    members[f"media/{path.relative_to(media).as_posix()}"] = path
        manifest = {
            "format": FORMAT,
            "created": datetime.now(UTC).isoformat(timespec="seconds"),
            "engine": connection.vendor,
            "migrations": _migrations(connection),
            "files": {name: sha256(path) for name, path in members.items()},
        }
        partial = archive.with_name(archive.name + ".partial")
        partial.touch(mode=0o600)
        with tarfile.open(partial, "w:gz") as tar:
            data = json.dumps(manifest, indent=1, sort_keys=True).encode()
            info = tarfile.TarInfo(MANIFEST)
            info.size = len(data)
            info.mtime = int(datetime.now(UTC).timestamp())
            tar.addfile(info, io.BytesIO(data))
            for name, path in members.items():
                tar.add(path, arcname=name, recursive=False)
        partial.rename(archive)  # never a half-written archive under the real name
    archive.with_name(archive.name + ".sha256").write_text(
        f"{sha256(archive)}  {archive.name}\n"
    )
    return archive


def verify(archive: Path) -> dict:
    """The archive's manifest, once its checksum file and every member's checksum
    agree with what is there."""
    checksum = archive.with_name(archive.name + ".sha256")
    if not checksum.exists():
        raise BackupError(f"{checksum.name} is missing beside the archive.")
    expected = checksum.read_text().split()[0]
    if sha256(archive) != expected:
        raise BackupError(f"{archive.name} does not match its checksum: damaged?")
    with tarfile.open(archive, "r:gz") as tar:
        manifest = json.load(tar.extractfile(MANIFEST))
        if manifest.get("format") != FORMAT:
            raise BackupError(f"Unknown backup format {manifest.get('format')!r}.")
        seen = set()
        for member in tar.getmembers():
            if member.name == MANIFEST:
                continue
            if member.name not in manifest["files"] or not member.isfile():
                raise BackupError(f"{member.name} is not in the manifest.")
            digest = hashlib.sha256()
            handle = tar.extractfile(member)
            while block := handle.read(CHUNK):
                digest.update(block)
            if digest.hexdigest() != manifest["files"][member.name]:
                raise BackupError(f"{member.name} does not match the manifest.")
            seen.add(member.name)
        if missing := set(manifest["files"]) - seen:
            raise BackupError(f"Missing from the archive: {sorted(missing)[:5]}")
    return manifest


def restore(archive: Path, *, replace: bool = False, connection=None) -> dict:
    """Put the archive's database and files back; return its manifest.

    Refuses, unless ``replace``, when the database has any table of this site or
    ``MEDIA_ROOT`` holds any file: a restore is for an empty site (a new machine, a
    drill), and replacing a live one is a decision to say out loud."""
    manifest = verify(archive)
    connection = connection or connections[DEFAULT_DB_ALIAS]
    if manifest["engine"] != connection.vendor:
        raise BackupError(
            f"This backup is of a {manifest['engine']} database;"
            f" this site uses {connection.vendor}."
        )
    media = Path(settings.MEDIA_ROOT)
    if not replace:
        if connection.introspection.table_names():
            raise BackupError(
                "The database is not empty. Restore into a new database, or pass"
                " --replace to overwrite this one."
            )
        if media.is_dir() and any(p.is_file() for p in media.rglob("*")):
            raise BackupError(
                f"{media} already holds files. Empty it, or pass --replace."
            )
    with tempfile.TemporaryDirectory() as work, tarfile.open(archive, "r:gz") as tar:
        try:
            # The "data" filter refuses absolute paths, links out and devices.
            tar.extractall(work, filter="data")
        except tarfile.FilterError as error:
            raise BackupError(f"Refused a member of the archive: {error}") from error
        root = Path(work)
        (database,) = (root / "database").iterdir()
        _load(connection, database)
        if media.is_dir() and replace:
            shutil.rmtree(media)
        if (root / "media").is_dir():
            shutil.copytree(root / "media", media, dirs_exist_ok=True)
    return manifest


def _database_file(vendor: str) -> str:
    if vendor == "postgresql":
        return "database.pgdump"
    if vendor == "sqlite":
        return "database.sqlite3"
    raise BackupError(f"No backup for a {vendor} database.")


def _migrations(connection) -> dict:
    """The last migration applied per app: what a restore will need to migrate from."""
    recorder = MigrationRecorder(connection)
    latest: dict = {}
    for app, name in sorted(recorder.applied_migrations()):
        latest[app] = max(latest.get(app, name), name)
    return latest


def _dump(connection, target: Path) -> None:
    if connection.vendor == "sqlite":
        connection.ensure_connection()
        with closing(sqlite3.connect(target)) as copy:
            connection.connection.backup(copy)
        return
    _pg("pg_dump", connection, ["--format=custom", "--no-owner", f"--file={target}"])


def _load(connection, source: Path) -> None:
    if connection.vendor == "sqlite":
        connection.close()
        connection.ensure_connection()
        with closing(sqlite3.connect(source)) as origin:
            origin.backup(connection.connection)
        connection.close()
        return
    connection.close()
    _pg(
        "pg_restore",
        connection,
        ["--no-owner", "--clean", "--if-exists", "--single-transaction"]
        + [str(source), "--dbname"],
    )


def _pg(program: str, connection, parameters: list[str]) -> None:
    """PostgreSQL's own tool, connected as Django is (Django's psql arguments)."""
    from django.db.backends.postgresql.client import DatabaseClient

    args, env = DatabaseClient.settings_to_cmd_args_env(
        connection.settings_dict, parameters
    )
    args[0] = program
    # A list from settings and this module, no shell: nothing a member typed.
    result = subprocess.run(  # noqa: S603
        args, env={**os.environ, **(env or {})}, capture_output=True, text=True
    )
    if result.returncode:
        raise BackupError(f"{program} failed: {result.stderr.strip()[-2000:]}")
