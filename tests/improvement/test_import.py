"""CSV import in the shape of a DHIS2 pivot export: preview, row errors, progress."""

import datetime
import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import CommandError, call_command
from django.test import override_settings
from django.urls import reverse

from improvement import importer, services
from improvement.models import ImportJob, ImportStatus, Measurement, current_month

from .conftest import months_back


def future() -> str:
    return (current_month() + datetime.timedelta(days=40)).strftime("%Y%m")


def csv_text(*rows: str, header="org unit,period,indicator,numerator,denominator"):
    return "\n".join([header, *rows]) + "\n"


def run(user, text, *, dry_run=False) -> ImportJob:
    total, _rows = importer.read_rows(text)
    job = ImportJob.objects.create(
        created_by=user,
        filename="x.csv",
        content=text,
        dry_run=dry_run,
        total_rows=total,
    )
    return services.import_job_run(job=job)


@pytest.mark.parametrize(
    ("text", "month"),
    [
        ("202401", datetime.date(2024, 1, 1)),
        ("2024-01", datetime.date(2024, 1, 1)),
        ("2024-01-01", datetime.date(2024, 1, 1)),
        ("January 2024", datetime.date(2024, 1, 1)),
        ("Jan 2024", datetime.date(2024, 1, 1)),
        ("février 2024", datetime.date(2024, 2, 1)),
        ("2024W05", None),
        ("202413", None),
        ("", None),
    ],
)
def test_periods_are_read_as_dhis2_writes_them(text, month):
    assert importer.parse_period(text) == month


def test_dhis2_headings_and_extra_columns_are_understood():
    text = csv_text(
        "North Hospital;202401;MNH-03;10;20;50.0",
        header="Organisation unit;Period;Data;Numerator;Denominator;Value",
    )
    total, rows = importer.read_rows(text)
    row = next(rows)
    assert total == 1
    assert row.values == {
        "org_unit": "North Hospital",
        "period": "202401",
        "indicator": "MNH-03",
        "numerator": "10",
        "denominator": "20",
    }


def test_missing_columns_are_named():
    with pytest.raises(importer.HeaderError) as error:
        importer.read_rows("org unit,period,indicator,value\nA,202401,MNH-03,5\n")
    assert "numerator, denominator" in str(error.value)


def test_every_bad_row_is_reported_with_its_line(world, qi_member, uterotonic):
    last = months_back(1)[0].strftime("%Y%m")
    text = csv_text(
        f"North Hospital,{last},MNH-03,30,40",  # 2: fine
        f"Nowhere Hospital,{last},MNH-03,30,40",  # 3: unknown org unit
        f"North,{last},MNH-03,30,40",  # 4: a district
        f"South Hospital,{last},MNH-03,30,40",  # 5: not theirs
        f"North Hospital,{last},MNH-99,30,40",  # 6: unknown indicator
        "North Hospital,last month,MNH-03,30,40",  # 7: bad period
        f"North Hospital,{future()},MNH-03,30,40",  # 8: future
        f"North Hospital,{last},MNH-08,41,40",  # 9: numerator > denominator
        f"North Hospital,{last},MNH-08,3.5,40",  # 10: not whole
        f"north-hospital,{last},Prophylactic uterotonic immediately after birth,1,2",
    )
    job = run(qi_member, text)
    errors = {e["row"]: " ".join(e["messages"]) for e in job.errors}
    assert job.status == ImportStatus.DONE
    assert (job.created_count, job.error_count) == (1, 9)
    assert "Unknown org unit “Nowhere Hospital”" in errors[3]
    assert "is a district" in errors[4]
    assert "may not enter data for South Hospital" in errors[5]
    assert "Unknown indicator “MNH-99”" in errors[6]
    assert "is not a month" in errors[7]
    assert "has not happened yet" in errors[8]
    assert "must be at least the numerator" in errors[9]
    assert "not a whole number" in errors[10]
    assert "Same facility, indicator and month as row 2" in errors[11]
    assert Measurement.objects.get().numerator == 30


def test_dry_run_writes_nothing_and_previews_actions(world, qi_member, uterotonic):
    months = months_back(2)
    Measurement.objects.create(
        facility=world.facility,
        indicator=uterotonic,
        period=months[0],
        numerator=5,
        denominator=10,
    )
    text = csv_text(
        f"North Hospital,{months[0]:%Y%m},MNH-03,6,10",
        f"North Hospital,{months[1]:%Y%m},MNH-03,7,10",
        f"North Hospital,{months[1]:%Y%m},MNH-08,7,10",
    )
    job = run(qi_member, text, dry_run=True)
    assert [row["action"] for row in job.preview] == ["update", "create", "create"]
    assert (job.created_count, job.updated_count) == (2, 1)
    assert Measurement.objects.count() == 1
    assert Measurement.objects.get().numerator == 5


@override_settings(IMPROVEMENT={"IMPORT_CHUNK_ROWS": 7})
def test_large_file_moves_the_progress_counters_chunk_by_chunk(
    world, qi_member, uterotonic
):
    months = months_back(30)
    text = csv_text(*[f"North Hospital,{m:%Y%m},MNH-03,5,10" for m in months])
    job = ImportJob.objects.create(
        created_by=qi_member,
        filename="big.csv",
        content=text,
        dry_run=False,
        total_rows=30,
    )
    seen = []
    services.import_job_run(
        job=job, progress=lambda done, total: seen.append((done, total))
    )
    assert seen == [(7, 30), (14, 30), (21, 30), (28, 30), (30, 30)]
    job.refresh_from_db()
    assert (job.processed_rows, job.percent, job.created_count) == (30, 100, 30)
    assert Measurement.objects.count() == 30


def test_upload_previews_then_confirms(
    client, world, qi_member, uterotonic, django_capture_on_commit_callbacks
):
    client.force_login(qi_member)
    last = months_back(1)[0].strftime("%Y%m")
    upload = SimpleUploadedFile(
        "export.csv",
        csv_text(
            f"North Hospital,{last},MNH-03,30,40", f"Mars Clinic,{last},MNH-03,1,2"
        ).encode(),
        content_type="text/csv",
    )
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("improvement:import"), {"file": upload})
    preview = ImportJob.objects.get()
    assert response.url == reverse("improvement:import_status", args=[preview.pk])
    html = client.get(response.url).content.decode()
    assert "Unknown org unit “Mars Clinic”" in html
    assert "Import 1 row" in html
    assert 'http-equiv="refresh"' not in html  # finished: no more reloading
    assert not Measurement.objects.exists()

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("improvement:import_confirm", args=[preview.pk]))
    assert Measurement.objects.get().numerator == 30
    html = client.get(response.url).content.decode()
    assert "1 new month added" in html


def test_status_page_reloads_itself_until_done(client, world, qi_member):
    client.force_login(qi_member)
    job = ImportJob.objects.create(
        created_by=qi_member,
        filename="wait.csv",
        content="x",
        total_rows=500,
        processed_rows=120,
    )
    html = client.get(job.get_absolute_url()).content.decode()
    assert '<meta http-equiv="refresh" content="2">' in html
    assert '<progress id="job-progress" max="500" value="120">24%</progress>' in html
    assert ">Reload<" in html


def test_someone_else_cannot_see_an_import(client, world, qi_member, facility_lead):
    job = ImportJob.objects.create(created_by=qi_member, filename="x.csv", content="x")
    client.force_login(facility_lead)
    assert client.get(job.get_absolute_url()).status_code == 404


def test_a_file_with_the_wrong_columns_is_refused_on_the_form(client, world, qi_member):
    client.force_login(qi_member)
    upload = SimpleUploadedFile("x.csv", b"name,value\nA,1\n", content_type="text/csv")
    response = client.post(reverse("improvement:import"), {"file": upload})
    assert response.status_code == 200
    assert (
        "Missing: org unit, period, indicator, numerator, denominator"
        in response.content.decode()
    )
    assert not ImportJob.objects.exists()


@override_settings(IMPROVEMENT={"IMPORT_MAX_BYTES": 100})
def test_a_file_over_the_limit_is_refused(client, world, qi_member):
    client.force_login(qi_member)
    upload = SimpleUploadedFile("x.csv", b"a" * 200, content_type="text/csv")
    response = client.post(reverse("improvement:import"), {"file": upload})
    assert "larger than" in response.content.decode()


def test_members_who_enter_no_data_cannot_import(client, world, district_lead):
    client.force_login(district_lead)
    assert client.get(reverse("improvement:import")).status_code == 403


def test_management_command_dry_run_and_import(tmp_path, world, qi_member, uterotonic):
    last = months_back(1)[0].strftime("%Y%m")
    path = tmp_path / "export.csv"
    path.write_text(
        csv_text(
            f"North Hospital,{last},MNH-03,30,40",
            f"North Hospital,{future()},MNH-03,1,2",
        )
    )
    out = io.StringIO()
    call_command(
        "import_measurements", str(path), user=qi_member.email, dry_run=True, stdout=out
    )
    assert (
        "1 new, 0 replaced, 0 unchanged rows would be written; 1 rows with errors."
        in out.getvalue()
    )
    assert "row 3: " in out.getvalue() and "2/2 rows" in out.getvalue()
    assert not Measurement.objects.exists()
    call_command(
        "import_measurements", str(path), user=qi_member.email, stdout=io.StringIO()
    )
    assert Measurement.objects.count() == 1


def test_management_command_refuses_a_bad_header(tmp_path, world, qi_member):
    path = tmp_path / "bad.csv"
    path.write_text("a,b\n1,2\n")
    with pytest.raises(CommandError, match="Missing"):
        call_command("import_measurements", str(path), user=qi_member.email)


def test_hostile_cells_become_row_errors_not_failures(world, qi_member, uterotonic):
    """A 200 KB cell, 1e30, infinity: each is refused in its row, the rest imports."""
    last = months_back(1)[0].strftime("%Y%m")
    text = csv_text(
        f"North Hospital,{last},MNH-03,30,40",  # 2: fine
        f"{'x' * 200_000},{last},MNH-03,30,40",  # 3: a huge cell
        f"North Hospital,{last},MNH-08,1e30,1e30",  # 4: exponent
        f"North Hospital,{months_back(2)[0]:%Y%m},MNH-03,inf,nan",  # 5
        f"North Hospital,{months_back(3)[0]:%Y%m},MNH-03,5,99999999999",  # 6: too big
    )
    job = run(qi_member, text)
    errors = {e["row"]: " ".join(e["messages"]) for e in job.errors}
    assert job.status == ImportStatus.DONE
    assert (job.created_count, job.error_count) == (1, 4)
    assert "too long" in errors[3] and len(errors[3]) < 400
    for row in (4, 5, 6):
        assert "not a whole number" in errors[row]


def test_a_huge_cell_in_an_upload_gets_a_preview_not_a_500(client, world, qi_member):
    client.force_login(qi_member)
    text = "org unit,period,indicator,numerator,denominator\n" + (
        f"{'x' * 200_000},202401,MNH-03,1,2\n"
    )
    upload = SimpleUploadedFile("big.csv", text.encode(), content_type="text/csv")
    response = client.post(reverse("improvement:import"), {"file": upload})
    assert response.status_code in (200, 302, 400)
