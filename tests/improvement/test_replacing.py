"""Re-entering a month that has numbers shows the old ones (who, when) and asks; only
a confirmed replacement of what was shown changes anything, and the audit log keeps
old → new. Two people at once never silently overwrite each other."""

import threading

import pytest
from django.db import connection, connections
from django.test import Client
from django.urls import reverse
from wagtail.models import ModelLogEntry

from community.models import Role
from improvement import services
from improvement.models import Measurement, current_month
from tests.factories import member


def named(user, name: str):
    from community import services as community_services

    community_services.profile_update(user=user, display_name=name)
    return user


def _record(facility, indicator, by, numerator, denominator=40, **kwargs):
    return services.measurement_record(
        facility=facility,
        indicator=indicator,
        period=current_month(),
        numerator=numerator,
        denominator=denominator,
        by=by,
        **kwargs,
    )


def _post(client, facility, indicator, numerator, denominator=40, **extra):
    url = reverse("improvement:measurement_entry", args=[facility.slug])
    data = {
        "indicator": indicator.pk,
        "period": current_month().strftime("%Y-%m"),
        "numerator": str(numerator),
        "denominator": str(denominator),
        **extra,
    }
    return client.post(url, data)


@pytest.fixture
def amina(world):
    return named(member(Role.QI_MEMBER, world.facility), "Amina Uwase")


def test_the_form_shows_the_old_numbers_and_asks(client, world, amina, uterotonic):
    first, _created = _record(world.facility, uterotonic, amina, 30)
    other = named(member(Role.QI_MEMBER, world.facility), "Jean Bosco")
    client.force_login(other)
    response = _post(client, world.facility, uterotonic, 32)
    html = response.content.decode()
    assert response.status_code == 200
    assert "This month already has numbers" in html
    assert "is 30 out of 40" in html
    assert "Entered by Amina Uwase on" in html
    assert "Replace them with your 32 out of 40?" in html
    assert f'name="replaces" value="{services.measurement_version(first)}"' in html
    assert 'value="32"' in html  # what was typed stays
    # Display name only: never the username or the email.
    assert amina.username not in html and amina.email not in html
    assert Measurement.objects.get().numerator == 30
    assert not ModelLogEntry.objects.filter(action__startswith="improvement.").exists()


def test_confirming_replaces_and_logs_old_to_new(client, world, amina, uterotonic):
    first, _created = _record(world.facility, uterotonic, amina, 30)
    other = named(member(Role.QI_MEMBER, world.facility), "Jean Bosco")
    client.force_login(other)
    response = _post(
        client,
        world.facility,
        uterotonic,
        32,
        replaces=services.measurement_version(first),
    )
    assert response.status_code == 302
    measurement = Measurement.objects.get()
    assert (measurement.numerator, measurement.entered_by) == (32, other)
    entry = ModelLogEntry.objects.get(action="improvement.measurement_replace")
    assert entry.user_id == other.pk and entry.object_id == str(measurement.pk)
    assert entry.data["old"]["numerator"] == 30
    assert entry.data["old"]["entered_by"] == amina.pk
    assert entry.data["new"]["numerator"] == 32
    assert entry.message == f"Replaced 30/40 with 32/40 for {current_month():%Y-%m}"
    follow = client.get(response["Location"])
    assert "Replaced" in follow.content.decode()


def test_a_replacement_of_numbers_changed_meanwhile_asks_again(
    client, world, amina, uterotonic
):
    first, _created = _record(world.facility, uterotonic, amina, 30)
    shown = services.measurement_version(first)
    # Amina corrects her own numbers while Jean looks at the old ones.
    _record(world.facility, uterotonic, amina, 31, replaces=shown)
    jean = named(member(Role.QI_MEMBER, world.facility), "Jean Bosco")
    client.force_login(jean)
    response = _post(client, world.facility, uterotonic, 32, replaces=shown)
    html = response.content.decode()
    assert response.status_code == 200
    assert "Someone changed these numbers while you were entering yours" in html
    assert "is 31 out of 40" in html
    assert Measurement.objects.get().numerator == 31


def test_saving_again_without_confirming_changes_nothing(
    client, world, amina, uterotonic
):
    _record(world.facility, uterotonic, amina, 30)
    client.force_login(amina)
    for _ in range(2):
        assert _post(client, world.facility, uterotonic, 35).status_code == 200
    assert Measurement.objects.get().numerator == 30


def test_the_same_numbers_again_are_no_change(client, world, amina, uterotonic):
    _record(world.facility, uterotonic, amina, 30)
    client.force_login(amina)
    response = _post(client, world.facility, uterotonic, 30)
    assert response.status_code == 302
    assert "already had these numbers" in client.get(response["Location"]).text
    assert not ModelLogEntry.objects.filter(
        action="improvement.measurement_replace"
    ).exists()


def test_a_stale_version_is_refused_by_the_service(world, amina, uterotonic):
    first, _created = _record(world.facility, uterotonic, amina, 30)
    stale = services.measurement_version(first)
    _record(world.facility, uterotonic, amina, 31, replaces=stale)
    with pytest.raises(services.MeasurementExists) as exists:
        _record(world.facility, uterotonic, amina, 33, replaces=stale)
    assert exists.value.measurement.numerator == 31


def test_a_first_entry_that_lost_the_race_is_asked_not_lost(
    world, amina, uterotonic, monkeypatch
):
    """Two people enter a new month at once: the second insert meets the unique
    constraint and becomes a question, not an error page nor an overwrite."""
    _record(world.facility, uterotonic, amina, 30)
    real = Measurement.objects.select_for_update

    class NotYetSeen:
        """The read happened before the other person's row was committed."""

        def __call__(self, *args, **kwargs):
            return real(*args, **kwargs).none()

    monkeypatch.setattr(Measurement.objects, "select_for_update", NotYetSeen())
    with pytest.raises(services.MeasurementExists) as exists:
        _record(world.facility, uterotonic, amina, 25)
    assert exists.value.measurement.numerator == 30
    assert Measurement.objects.count() == 1


@pytest.mark.django_db(transaction=True)
@pytest.mark.skipif(
    connection.vendor == "sqlite",
    reason="SQLite serialises writers; the row lock matters on PostgreSQL",
)
@pytest.mark.parametrize("existing", [False, True])
def test_two_people_at_once_never_overwrite_each_other(world, uterotonic, existing):
    people = [member(Role.QI_MEMBER, world.facility) for _ in range(6)]
    shown = {}
    if existing:
        first, _created = _record(world.facility, uterotonic, people[0], 20)
        shown = {"replaces": services.measurement_version(first)}
    barrier = threading.Barrier(len(people))
    statuses: list[int] = []
    errors: list[BaseException] = []

    def enter(user, numerator):
        try:
            client = Client()
            client.force_login(user)
            barrier.wait()
            response = _post(client, world.facility, uterotonic, numerator, **shown)
            statuses.append(response.status_code)
        except BaseException as error:  # noqa: BLE001  (reported below)
            errors.append(error)
        finally:
            connections.close_all()

    threads = [
        threading.Thread(target=enter, args=(user, 21 + n))
        for n, user in enumerate(people)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert not errors
    # Exactly one saved (302); everyone else is shown the numbers and asked (200).
    assert sorted(statuses) == [200] * (len(people) - 1) + [302]
    assert Measurement.objects.count() == 1
    replaced = ModelLogEntry.objects.filter(action="improvement.measurement_replace")
    assert replaced.count() == (1 if existing else 0)


def _csv_row(numerator: int) -> str:
    return (
        "org unit,period,indicator,numerator,denominator\n"
        f"North Hospital,{current_month():%Y%m},MNH-03,{numerator},40\n"
    )


def _import(user, text, *, dry_run):
    from improvement import importer
    from improvement.models import ImportJob

    total, _rows = importer.read_rows(text)
    job = ImportJob.objects.create(
        created_by=user,
        filename="x.csv",
        content=text,
        dry_run=dry_run,
        total_rows=total,
    )
    return services.import_job_run(job=job)


def test_the_import_preview_shows_what_it_would_replace(
    client, world, amina, uterotonic
):
    _record(world.facility, uterotonic, amina, 30)
    text = _csv_row(33)
    job = _import(amina, text, dry_run=True)
    assert job.preview[0]["action"] == "update" and job.preview[0]["old"] == "30/40"
    client.force_login(amina)
    html = client.get(reverse("improvement:import_status", args=[job.pk])).text
    assert "replace (was 30/40)" in html
    assert Measurement.objects.get().numerator == 30


def test_a_confirmed_import_logs_each_replacement(world, amina, uterotonic):
    first, _created = _record(world.facility, uterotonic, amina, 30)
    text = _csv_row(33)
    _import(amina, text, dry_run=False)
    measurement = Measurement.objects.get()
    assert measurement.numerator == 33 and measurement.updated_at > first.updated_at
    entry = ModelLogEntry.objects.get(action="improvement.measurement_replace")
    assert entry.data["old"]["numerator"] == 30 and entry.data["new"]["numerator"] == 33
    assert entry.data["new"]["source"] == "import"
