"""Facilities submit case studies from the site; each becomes a draft in their
district's section, waiting in the editors' review."""

from decimal import Decimal

import pytest
from django.urls import reverse

from library.models import CaseStudyPage

URL = reverse("library:case_study_submit")


def form_data(facility, **changes):
    data = {
        "facility": facility.pk,
        "title": "Wall chart for newborn temperatures",
        "summary": "Anyone passing could tick a box; cold babies fell by half.",
        "facility_type": "Health centre",
        "setting": "rural",
        "population": "30,000 people",
        "problem": "Babies were cold at dawn.\n\nNobody checked at night.",
        "how_found": "Night audit.",
        "root_cause_tools": "Five whys",
        "changes": "Wall chart | worked | everyone saw it\nHeated mattress | did not work | power cuts",
        "indicator": "Babies warm at 6 a.m.",
        "unit": "%",
        "results": "Jan | 41\nFeb | 66,5\nMar | 83",
        "lessons": "Start small.",
        "contacts": "Nurse in charge",
        "tags": "newborn care, hypothermia",
    }
    data.update(changes)
    return data


def test_facility_lead_submits_a_draft_for_review(
    client, library, facility_lead, world
):
    client.force_login(facility_lead)
    response = client.post(URL, form_data(world.facility))
    assert response.status_code == 200
    assert "Your case study is with the editors." in response.content.decode()
    page = CaseStudyPage.objects.get()
    assert not page.live
    assert page.get_parent().pk == library.section.pk  # the facility's district
    assert page.submitted_by == facility_lead
    assert page.facility == world.facility
    assert "<p>Babies were cold at dawn.</p>" in page.problem
    assert [(c.description, c.outcome) for c in page.changes.all()] == [
        ("Wall chart", "worked"),
        ("Heated mattress", "did_not_work"),
    ]
    assert [r.value for r in page.results.all()] == [
        Decimal("41"),
        Decimal("66.5"),
        Decimal("83"),
    ]
    assert sorted(t.name for t in page.tags.all()) == ["hypothermia", "newborn care"]
    assert page.workflow_in_progress
    assert page.current_workflow_task.specific.get_actions(page, facility_lead) == []


def test_visitors_do_not_see_the_draft(client, library, facility_lead, world):
    client.force_login(facility_lead)
    client.post(URL, form_data(world.facility))
    client.logout()
    assert (
        "Wall chart for newborn temperatures"
        not in client.get(library.index.url).content.decode()
    )


def test_bad_lines_are_explained(client, library, facility_lead, world):
    client.force_login(facility_lead)
    response = client.post(
        URL,
        form_data(world.facility, changes="Wall chart | maybe", results="Jan | lots"),
    )
    form = response.context["form"]
    assert "Line 1" in form.errors["changes"][0]
    assert "Line 1" in form.errors["results"][0]
    assert not CaseStudyPage.objects.exists()


def test_a_facility_lead_cannot_submit_for_another_facility(
    client, library, facility_lead, world
):
    client.force_login(facility_lead)
    response = client.post(URL, form_data(world.other_facility))
    assert "facility" in response.context["form"].errors
    assert not CaseStudyPage.objects.exists()


@pytest.mark.parametrize("role", ["practitioner", "outsider", "district_lead"])
def test_only_facility_leads_submit(client, library, as_role, role):
    client.force_login(as_role(role))
    assert client.get(URL).status_code == 403


@pytest.mark.parametrize(
    "role,offered",
    [
        ("facility_lead", True),
        ("practitioner", False),
        ("outsider", False),
        ("district_lead", False),
        (None, False),
    ],
)
def test_the_library_offers_the_form_only_to_those_who_may_submit(
    client, library, as_role, role, offered
):
    if role:
        client.force_login(as_role(role))
    html = client.get(library.index.url).content.decode()
    assert (f'href="{URL}"' in html) is offered


def test_visitors_are_asked_to_sign_in(client, library):
    response = client.get(URL)
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]


def test_the_form_links_the_code_of_conduct(client, library, facility_lead):
    client.force_login(facility_lead)
    html = client.get(reverse("library:case_study_submit")).content.decode()
    assert 'href="/code-of-conduct/"' in html
