"""In Chromium: the needs pages and the directory pass axe (WCAG 2.1 AA), and the
journey in French: a practitioner posts a need, the national team answers it with a
webinar, the practitioner is notified and registers."""

import datetime
import re
from pathlib import Path

import pytest

from community.demo import demo_password
from tests.browser.helpers import TIMEOUT_MS, axe_check, login, off_the_loop

pytestmark = pytest.mark.browser


def _seed_connect() -> dict:
    from connect import demo as connect_demo
    from tests.factories import seed_foundation

    context = seed_foundation()
    connect_demo.seed(context)
    return {"need": connect_demo.LearningNeed.objects.order_by("pk").first().pk}


def test_needs_pages_and_directory_pass_axe(page, migrated_db):
    seeded = off_the_loop(_seed_connect)
    login(page, "practitioner@demo.example", demo_password())
    for url in (
        "/connect/needs/",
        f"/connect/needs/{seeded['need']}/",
        "/connect/needs/new/",
        "/community/directory/",
        "/community/directory/?expertise=kangaroo-mother-care",
    ):
        page.goto(url)
        axe_check(page)
    assert page.locator(".directory .card").count() >= 1


def test_triage_page_passes_axe(page, migrated_db):
    off_the_loop(_seed_connect)
    login(page, "national.team@demo.example", demo_password())
    page.goto("/connect/triage/")
    assert page.locator("svg.heatmap").count() == 1
    axe_check(page)


def _webinar() -> dict:
    from django.utils import timezone

    from community import services as community_services
    from community.models import Organisation
    from events import services as event_services
    from events.models import EventKind, Visibility
    from tests.factories import seed_foundation

    context = seed_foundation()
    users = context["users"]
    community_services.profile_update(
        user=users["practitioner"], display_name="Amina (sage-femme)", language="fr"
    )
    start = timezone.now() + datetime.timedelta(days=7)
    event = event_services.event_create(
        by=users["national.team"],
        organiser=Organisation.objects.get(slug="lumeria"),
        kind=EventKind.WEBINAR,
        title="Webinaire : auditer la réanimation néonatale",
        starts_at=start,
        ends_at=start + datetime.timedelta(hours=1),
        visibility=Visibility.MEMBERS,
        online_url="https://meet.example/reanimation",
        language="fr",
    )
    return {"event": event.pk, "url": event.get_absolute_url()}


def _registered(event_pk: int, email: str) -> bool:
    from events.models import Registration

    return Registration.objects.filter(event_id=event_pk, user__email=email).exists()


def _need_state(title: str) -> str:
    from connect.models import LearningNeed

    return LearningNeed.objects.get(title=title).state


def test_french_journey_need_answered_with_a_webinar(
    browser, live_server, migrated_db, mailoutbox
):
    pytest.importorskip("events.services")
    seeded = off_the_loop(_webinar)
    contexts = []

    def french_tab():
        context = browser.new_context(
            base_url=live_server.url,
            locale="fr-FR",
            extra_http_headers={"Accept-Language": "fr-FR,fr;q=0.9"},
        )
        context.set_default_timeout(TIMEOUT_MS)
        contexts.append(context)
        return context.new_page()

    try:
        amina = french_tab()
        login(amina, "practitioner@demo.example", demo_password())
        amina.goto("/connect/needs/new/")
        assert amina.locator("html").get_attribute("lang") == "fr"
        form = amina.locator("form.narrow-form")
        title = "Auditer chaque réanimation néonatale"
        form.locator("input[name=title]").fill(title)
        form.locator("textarea[name=description]").fill(
            "Comment les autres **analysent**-ils chaque réanimation ?"
        )
        form.locator("select[name=organisation]").select_option(
            label="Hillside District Hospital"
        )
        form.locator("input[name=tags]").fill("réanimation néonatale, audit")
        with amina.expect_navigation():
            form.locator("button[type=submit]").click()
        assert re.search(r"/connect/needs/\d+/$", amina.url)
        need_url = amina.url

        team = french_tab()
        login(team, "national.team@demo.example", demo_password())
        team.goto(need_url)
        answer = team.locator("form[action$='/answer/']")
        answer.locator("select[name=kind]").select_option("webinar")
        answer.locator("input[name=url]").fill(live_server.url + seeded["url"])
        with team.expect_navigation():
            answer.locator("button[type=submit]").click()
        errors = team.locator(".errors, .errorlist").all_inner_texts()
        assert off_the_loop(_need_state, title) == "answered", errors

        # Amina is told: in the app, and by email in French.
        amina.goto("/connect/needs/")
        amina.locator("a[href='/connect/notices/'] .count").wait_for()
        emails = [m for m in mailoutbox if m.to == ["practitioner@demo.example"]]
        assert emails and 'lang="fr"' in emails[0].alternatives[0][0]
        assert seeded["url"] in emails[0].body
        amina.goto("/connect/notices/")
        with amina.expect_navigation():
            amina.locator("ul.results a").first.click()
        with amina.expect_navigation():
            amina.locator(f"a[href='{seeded['url']}']").click()
        register = amina.locator("form[action$='/register/'] button[type=submit]")
        with amina.expect_navigation():
            register.click()
        assert off_the_loop(_registered, seeded["event"], "practitioner@demo.example")
    finally:
        for context in contexts:
            context.close()


SHOTS = Path(__file__).resolve().parents[2] / "test-artifacts" / "surveys"


def _survey_state() -> dict:
    from connect.models import Survey, SurveyChoice

    survey = Survey.objects.get()
    return {
        "survey": survey.pk,
        "responses": survey.response_count,
        "amina": survey.responses.filter(
            user__email="practitioner@demo.example"
        ).count(),
        "choice": SurveyChoice.objects.filter(question__survey=survey, need=None)
        .first()
        .pk,
    }


def test_a_survey_on_phones_in_french(browser, live_server, migrated_db):
    """Amina answers the survey on a 360 px phone in French (a plain form): a
    question she missed is pointed out and her other ticks are kept; then she reads
    her own answers back. The national team reads the results as pictures and tables,
    downloads them, and makes an answer a learning need."""
    off_the_loop(_seed_connect)
    before = off_the_loop(_survey_state)
    SHOTS.mkdir(parents=True, exist_ok=True)
    contexts = []

    def phone():
        context = browser.new_context(
            base_url=live_server.url,
            locale="fr-FR",
            extra_http_headers={"Accept-Language": "fr-FR,fr;q=0.9"},
            viewport={"width": 360, "height": 740},
        )
        context.set_default_timeout(TIMEOUT_MS)
        contexts.append(context)
        return context.new_page()

    try:
        amina = phone()  # the survey pages load no script: the form is plain HTML
        login(amina, "practitioner@demo.example", demo_password())
        amina.goto("/connect/needs/")
        assert amina.locator("nav .count", has_text="1 en attente").count() == 1
        with amina.expect_navigation():
            amina.locator(".survey-waiting a").click()
        assert amina.get_by_role("heading", level=1).inner_text().startswith("What")
        axe_check(amina)
        amina.get_by_label("Postpartum haemorrhage bundles").check()
        amina.get_by_label("Running a PDSA cycle").check()
        with amina.expect_navigation():
            amina.get_by_role("button", name="Envoyer mes réponses").click()
        assert amina.get_by_role("alert").inner_text().startswith("Certaines questions")
        assert amina.get_by_label("Postpartum haemorrhage bundles").is_checked()
        assert amina.get_by_label("Running a PDSA cycle").is_checked()
        assert (
            amina.locator(".field--error").inner_text().count("Choisissez une réponse.")
            == 1
        )
        amina.screenshot(path=SHOTS / "survey-missed-360-fr.png", full_page=True)
        assert amina.evaluate("document.documentElement.scrollWidth") <= 360
        amina.get_by_label("Exchange visits").check()
        with amina.expect_navigation():
            amina.get_by_role("button", name="Envoyer mes réponses").click()
        assert "Merci" in amina.locator(".messages, [role=status]").first.inner_text()
        mine = amina.locator(".survey-answers").inner_text()
        assert "Running a PDSA cycle" in mine and "Exchange visits" in mine
        assert "Webinars" not in mine
        amina.screenshot(path=SHOTS / "survey-mine-360-fr.png", full_page=True)
        # Results wait for the survey to close: she is told so, not shown an error page.
        response = amina.goto(f"/connect/surveys/{before['survey']}/results/")
        assert response.status == 403
        after = off_the_loop(_survey_state)
        assert after["responses"] == before["responses"] + 1 and after["amina"] == 1

        team = phone()
        login(team, "national.team@demo.example", demo_password())
        team.goto(f"/connect/surveys/{before['survey']}/results/")
        assert team.locator("svg.heatmap").count() == 4  # 2 questions, 2 views
        tables = team.locator("table.heat-table")
        assert "Autres districts" not in tables.first.inner_text()
        assert "Northern Hills District" in tables.first.inner_text()
        assert "Hillside District Hospital" in tables.nth(2).inner_text()
        axe_check(team)
        team.screenshot(path=SHOTS / "survey-results-360-fr.png", full_page=True)
        assert team.evaluate("document.documentElement.scrollWidth") <= 360
        with team.expect_download() as download:
            team.get_by_role("link", name="Télécharger ces résultats (CSV)").click()
        text = Path(download.value.path()).read_text(encoding="utf-8")
        assert "Hillside District Hospital" in text and "@demo.example" not in text
        with team.expect_navigation():
            team.locator(
                f"a[href='/connect/surveys/answers/{before['choice']}/need/']"
            ).click()
        axe_check(team)
        with team.expect_navigation():
            team.get_by_role("button", name="Publier le besoin d’apprentissage").click()
        assert re.search(r"/connect/needs/\d+/$", team.url)
    finally:
        for context in contexts:
            context.close()
