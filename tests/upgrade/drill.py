"""The upgrade drill, in a process of its own against an empty database
(``DATABASE_URL``): migrate to the previous release's schema, load its data, migrate
to this release's, and report what changed and whether the site serves.

    python -m tests.upgrade.drill tests/upgrade/previous-release.json.gz

Prints one JSON line: ``problems`` (tables or rows the upgrade lost or altered),
``rows`` (how many were compared) and ``pages`` (status of each page asked).
"""

import json
import sys
from collections import Counter
from pathlib import Path

import django


def _leaves(graph, applied: set[tuple[str, str]]) -> list[tuple[str, str]]:
    """Per app, the applied migration no other applied migration of it follows."""
    applied = applied & set(graph.nodes)  # replaced by a squash: the squash stands in
    leaves = []
    for node in applied:
        children = graph.node_map[node].children
        if not any(child in applied and child[0] == node[0] for child in children):
            leaves.append(node)
    return sorted(leaves)


def _row_key(row: list) -> str:
    return json.dumps(row, sort_keys=True, default=str)


def _compare(before: dict, after: dict) -> tuple[list[str], int]:
    problems, compared = [], 0
    for table, old in before["tables"].items():
        new = after["tables"].get(table)
        if new is None:
            problems.append(f"{table}: gone")
            continue
        missing = [c for c in old["columns"] if c not in new["columns"]]
        if missing:
            problems.append(f"{table}: columns gone {missing}")
            continue
        at = [new["columns"].index(c) for c in old["columns"]]
        # Every row as it was must still be there. Rows may be added: a release's
        # new models bring their permissions and content types (post_migrate).
        kept = Counter(_row_key([row[i] for i in at]) for row in new["rows"])
        lost = Counter(_row_key(row) for row in old["rows"]) - kept
        if lost:
            problems.append(
                f"{table}: {len(old['rows'])} rows before, {len(new['rows'])} after,"
                f" {sum(lost.values())} of them lost or changed"
            )
        compared += len(old["rows"])
    return problems, compared


def main(fixture: Path) -> dict:
    django.setup()
    from django.conf import settings
    from django.core.management import call_command
    from django.db import connection
    from django.db.migrations.executor import MigrationExecutor
    from django.test import Client

    from tests.upgrade import snapshot

    release = snapshot.read(fixture)
    executor = MigrationExecutor(connection)
    applied = {tuple(key) for key in release["migrations"]}
    executor.migrate(_leaves(executor.loader.graph, applied))
    snapshot.put(connection, release)
    before = snapshot.take(connection)

    call_command("migrate", interactive=False, verbosity=0)
    after = snapshot.take(connection)
    problems, compared = _compare(before, after)
    pending = MigrationExecutor(connection).migration_plan(
        MigrationExecutor(connection).loader.graph.leaf_nodes()
    )
    if pending:
        problems.append(f"migrations left: {pending}")

    from forums.models import Thread

    settings.ALLOWED_HOSTS = [*settings.ALLOWED_HOSTS, "testserver"]
    client = Client()
    thread = Thread.objects.filter(space__visibility="public").order_by("pk").first()
    pages = ["/", "/forums/", "/events/", "/library/", "/healthz"]
    if thread is not None:
        pages.append(thread.get_absolute_url())
    statuses = {page: client.get(page).status_code for page in pages}
    client.post(
        "/accounts/login/",
        {"login": "practitioner@demo.example", "password": "learn-together-2026"},
    )
    statuses["/community/account/data/ (signed in)"] = client.get(
        "/community/account/data/"
    ).status_code
    return {"problems": problems, "rows": compared, "pages": statuses}


if __name__ == "__main__":
    print(json.dumps(main(Path(sys.argv[1]))))
