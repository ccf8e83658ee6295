"""Fixtures by role over a small country: two districts, three facilities."""

import os
from dataclasses import dataclass

import pytest

from community.models import Ownership, Role

from .factories import (
    DistrictFactory,
    FacilityFactory,
    OrganisationFactory,
    UserFactory,
    member,
)


@dataclass
class World:
    country: object
    district: object
    other_district: object
    facility: object
    sibling_facility: object
    other_facility: object


@pytest.fixture
def world(db) -> World:
    country = OrganisationFactory(name="Testland", slug="testland")
    district = DistrictFactory(name="North", slug="north", parent=country)
    other_district = DistrictFactory(name="South", slug="south", parent=country)
    return World(
        country=country,
        district=district,
        other_district=other_district,
        facility=FacilityFactory(
            name="North Hospital", slug="north-hospital", parent=district
        ),
        sibling_facility=FacilityFactory(
            name="North Clinic",
            slug="north-clinic",
            parent=district,
            ownership=Ownership.PRIVATE,
        ),
        other_facility=FacilityFactory(
            name="South Hospital", slug="south-hospital", parent=other_district
        ),
    )


@pytest.fixture
def practitioner(world):
    return member(Role.PRACTITIONER, world.facility, email="practitioner@example.org")


@pytest.fixture
def qi_member(world):
    return member(Role.QI_MEMBER, world.facility, email="qi@example.org")


@pytest.fixture
def facility_lead(world):
    return member(Role.FACILITY_LEAD, world.facility, email="lead@example.org")


@pytest.fixture
def coach(world):
    return member(Role.COACH, world.district, email="coach@example.org")


@pytest.fixture
def district_lead(world):
    return member(Role.DISTRICT_LEAD, world.district, email="district.lead@example.org")


@pytest.fixture
def national_team(world):
    return member(Role.NATIONAL_TEAM, world.country, email="national@example.org")


@pytest.fixture
def editor(world):
    return member(Role.NATIONAL_EDITOR, world.country, email="editor@example.org")


@pytest.fixture
def moderator(world):
    return member(Role.MODERATOR, world.country, email="moderator@example.org")


@pytest.fixture
def outsider(db):
    """Signed in, verified, but with no membership anywhere."""
    return UserFactory(email="outsider@example.org")


@pytest.fixture
def superuser(db):
    return UserFactory(email="root@example.org", is_superuser=True, is_staff=True)


ROLE_FIXTURES = [
    "practitioner",
    "qi_member",
    "facility_lead",
    "coach",
    "district_lead",
    "national_team",
    "editor",
    "moderator",
    "outsider",
]


@pytest.fixture
def as_role(request, db):
    """Resolve a role fixture by name (for parametrised permission matrices).

    It asks for ``db`` itself: pytest-django orders tests by the database access it
    can see, and a test that reached the database only through this fixture ran after
    the transactional tests, against content types they had recreated."""

    def resolve(name: str):
        return request.getfixturevalue(name)

    return resolve


@pytest.fixture(autouse=True)
def _database_use_declared(request):
    """pytest-django runs the tests that declare the database (a ``db`` argument or
    fixture, the marker) before the transactional ones, which leave it empty. A test
    that reaches it only through ``request.getfixturevalue`` is not seen, runs after
    them on an empty database, and fails or passes by the luck of the schedule. Say so
    at once instead."""
    yield
    declared = {"db", "transactional_db", "live_server"} & set(
        request.node.fixturenames
    )
    used = {"db", "transactional_db"} & set(request.fixturenames)
    if used and not declared and not request.node.get_closest_marker("django_db"):
        pytest.fail(
            "this test reaches the database only through request.getfixturevalue;"
            " ask for `db` in its arguments so that pytest-django orders it with the"
            " tests that use the database",
            pytrace=False,
        )


@pytest.fixture(autouse=True)
def _content_types_as_the_database_has_them(request):
    """A transactional test with ``serialized_rollback`` leaves the database empty
    (Django's flush then skips ``post_migrate``, which would recreate the content
    types), while this process still caches the content types it restored. The next
    transactional test without a snapshot would write rows that point at those cached
    ids, which are no longer there (a foreign-key failure at commit). Such a test
    starts with an empty cache, so content types are read, or made, afresh."""
    from pytest_django.fixtures import validate_django_db

    # Read as pytest-django reads them: the marker (positional or keyword) and the
    # fixtures a test asks for.
    marker = request.node.get_closest_marker("django_db")
    transaction, reset_sequences, _dbs, serialized_rollback, _apps = (
        validate_django_db(marker) if marker else (False, False, None, False, None)
    )
    names = set(request.node.fixturenames)
    transactional = bool(
        {"transactional_db", "live_server"} & names or transaction or reset_sequences
    )
    serialized = "django_db_serialized_rollback" in names or serialized_rollback
    if transactional and not serialized:
        from django.contrib.contenttypes.models import ContentType

        ContentType.objects.clear_cache()


@pytest.fixture(autouse=True)
def _fresh_library_facet_index():
    """Each test's database starts afresh (rolled back); so must the library's
    in-memory facet index, which only live changes would otherwise replace."""
    from library import facets

    facets.forget()
    yield
    facets.forget()


@pytest.fixture(autouse=True)
def _fresh_cache():
    """Each test starts with an empty cache, as its database starts afresh: a bell count
    or a site root cached by an earlier test (whose rows were rolled back, and whose ids
    SQLite hands out again) must not answer for this one. On Redis only the site's own
    keys go: the channel layer shares the server."""
    from django.core.cache import cache
    from django.core.cache.backends.redis import RedisCache

    if isinstance(cache, RedisCache):
        client = cache._cache.get_client(write=True)
        keys = list(client.scan_iter(match=f"{cache.key_prefix}:*", count=500))
        if keys:
            client.delete(*keys)
    else:
        cache.clear()
    yield


@pytest.fixture(autouse=True)
def _site_language_after():
    """Each test leaves the site's language as it found it. ``LocaleMiddleware``
    activates a request's language on the thread and nothing deactivates it, so a
    test whose last request was in French left French for the next test's messages
    on the same worker."""
    yield
    from django.utils import translation

    translation.deactivate()


@pytest.fixture(scope="session")
def django_db_setup(
    request, django_test_environment, django_db_blocker, django_db_modify_db_settings
):
    """pytest-django's, except that each worker (parallel or the only one) clones one
    migrated template (``tests/databases.py``) instead of migrating its own database,
    and the seeded demo is kept beside it."""
    import uuid

    from tests import databases

    verbosity = request.config.option.verbose
    worker = os.environ.get("PYTEST_XDIST_WORKER")
    run = os.environ.get("PYTEST_XDIST_TESTRUNUID") or uuid.uuid4().hex
    with django_db_blocker.unblock():
        state = databases.setup_worker_database(worker or "solo", run, verbosity)
    yield
    # As pytest-django's: a database a server's last connection still holds cannot be
    # dropped, and that is worth a warning, not a failed run.
    with django_db_blocker.unblock():
        try:
            databases.teardown_worker_database(state, verbosity)
            if not worker:  # in a parallel run the controller does it
                databases.drop_template(verbosity)
        except Exception as error:  # noqa: BLE001
            request.node.warn(
                pytest.PytestWarning(f"could not drop the test database: {error!r}")
            )


def pytest_collection_modifyitems(config, items):
    """Tests marked ``engine_free`` set up their own processes and databases and read
    nothing of the pass's services, so CI's second pass (PostgreSQL and Redis) would
    only play them again: they run once, in the SQLite pass."""
    if not os.environ.get("DATABASE_URL"):
        return
    skip = pytest.mark.skip(reason="engine-free: played once, in CI's SQLite pass")
    for item in items:
        if item.get_closest_marker("engine_free"):
            item.add_marker(skip)


def pytest_sessionfinish(session):
    """The controller of parallel workers removes their template database."""
    if hasattr(session.config, "workerinput") or not session.config.getoption(
        "numprocesses", None
    ):
        return
    from pytest_django.plugin import blocking_manager_key

    from tests import databases

    with session.config.stash[blocking_manager_key].unblock():
        databases.drop_template()


MACHINE = pytest.StashKey[tuple]()


def pytest_sessionstart(session):
    """How fast the machine was, so a run's time can be read (shared machines drift
    by half or more between hours)."""
    if not hasattr(session.config, "workerinput"):
        from bench.machine import machine_times, speed_ms

        session.config.stash[MACHINE] = (speed_ms(), machine_times())


def pytest_terminal_summary(terminalreporter, config):
    if MACHINE not in config.stash:
        return
    from bench.machine import machine_times, speed_ms

    speed, (busy, total, stolen) = config.stash[MACHINE]
    after, (busy_after, total_after, stolen_after) = speed_ms(), machine_times()
    ticks = max(total_after - total, 1)
    terminalreporter.write_line(
        f"machine: speed {speed} ms at the start and {after} ms at the end"
        " (bench.machine.speed_ms, lower is faster);"
        f" CPU busy {(busy_after - busy) / ticks:.0%} of {os.cpu_count()} cores"
        f" over the run, stolen {(stolen_after - stolen) / ticks:.0%}"
    )


@pytest.fixture(scope="session", autouse=True)
def _flush_only_filled_tables_on_postgresql():
    """Transactional tests empty the database after each test with ``flush``, which on
    PostgreSQL truncates every one of the ~260 tables: most of a second each time,
    though a test fills a dozen. Deleting the rows of the tables that hold any leaves
    the same empty database in a tenth of the time. (Foreign keys are deferred to the
    flush's commit; sequences are left alone, as ``reset_sequences=False`` asks.)
    SQLite's flush already deletes."""
    from django.core.management.commands import flush

    truncate = flush.sql_flush

    def sql_flush(style, connection, reset_sequences=True, allow_cascade=False):
        if connection.vendor != "postgresql" or reset_sequences:
            return truncate(
                style,
                connection,
                reset_sequences=reset_sequences,
                allow_cascade=allow_cascade,
            )
        tables = connection.introspection.django_table_names(
            only_existing=True, include_views=False
        )
        if not tables:
            return []
        # Table names from Django's own introspection, quoted: nothing from input.
        name = connection.ops.quote_name
        probe = " UNION ALL ".join(
            f"SELECT {i} WHERE EXISTS (SELECT 1 FROM {name(table)})"  # noqa: S608
            for i, table in enumerate(tables)
        )
        with connection.cursor() as cursor:
            cursor.execute(probe)
            filled = [tables[i] for (i,) in cursor.fetchall()]
        return [f"DELETE FROM {name(table)};" for table in filled]  # noqa: S608

    flush.sql_flush = sql_flush
    yield
    flush.sql_flush = truncate


@pytest.fixture(scope="session", autouse=True)
def _snapshots_restore_into_an_empty_database():
    """Every ``serialized_rollback`` restore, pytest-django's and the browser tests',
    starts from an emptied database (``databases.restore_into_an_empty_database``)."""
    from django.db.backends.base.creation import BaseDatabaseCreation

    from tests import databases

    deserialize = BaseDatabaseCreation.deserialize_db_from_string

    def restore(creation, data):
        databases.restore_into_an_empty_database(creation, data, deserialize)

    BaseDatabaseCreation.deserialize_db_from_string = restore
    yield
    BaseDatabaseCreation.deserialize_db_from_string = deserialize


@pytest.fixture(scope="module")
def seeded_demo(django_db_setup, django_db_blocker):
    """The demo learning centre (``seed_demo``) for a whole module whose tests read it
    (or change it in their own transaction, rolled back as usual); the database is put
    back as migrations left it after the module.

    On SQLite the seed runs once per run and each module copies it in, in a fraction
    of a second instead of ten; on PostgreSQL it is seeded inside a transaction that
    is rolled back (``databases.demo_for_a_module``)."""
    from tests import databases

    with django_db_blocker.unblock(), databases.demo_for_a_module():
        yield


@pytest.fixture
def committed_demo(transactional_db, django_db_serialized_rollback, django_db_blocker):
    """The demo, committed, for one transactional test (a server reads it): copied in
    after the test's snapshot restore; the test's flush empties it after."""
    from tests import databases

    with django_db_blocker.unblock():
        databases.install_demo()


@pytest.fixture(scope="module")
def browser(request):
    """Debian's Chromium for one test module's browser tests (``tests/browser/`` keeps
    one for the whole package). Started only when a test asks for it."""
    from tests.browser.helpers import require_chromium, running_chromium

    require_chromium()
    request.getfixturevalue("django_db_setup")
    with running_chromium(request.getfixturevalue("django_db_blocker")) as chromium:
        yield chromium
