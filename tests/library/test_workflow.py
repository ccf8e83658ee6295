"""Editorial flow without a bottleneck: national editors publish anywhere; a district
editor's pages in their section go through one review by any national editor; a
trusted district editor publishes directly, but only in their own section."""

import pytest
from django.urls import reverse
from wagtail.models import TaskState
from wagtail.test.utils.form_data import querydict_from_html

from library.models import NationalReviewTask, ResourcePage

from .conftest import make_resource


def admin_create(client, parent, title: str, action: str):
    """Fill in the real Wagtail "add resource" form and press a button."""
    url = reverse("wagtailadmin_pages:add", args=("library", "resourcepage", parent.pk))
    form = client.get(url)
    assert form.status_code == 200, form.status_code
    data = querydict_from_html(form.content.decode(), form_id="page-edit-form")
    data["title"] = title
    data["slug"] = title.lower().replace(" ", "-")
    data["summary"] = f"What {title} is for."
    data["kind"] = "tool"
    data["body-count"] = "0"  # the StreamField editor is drawn by JavaScript
    data[f"action-{action}"] = "1"
    response = client.post(url, data)
    assert response.status_code in (200, 302), response.status_code
    if response.status_code == 200:
        errors = response.context["form"].errors if response.context else None
        pytest.fail(f"form refused: {errors}")
    return ResourcePage.objects.get(slug=data["slug"])


def test_national_editor_publishes_in_any_section(client, library, editor):
    client.force_login(editor)
    national = admin_create(client, library.index, "National tool", "publish")
    district = admin_create(client, library.section, "District tool", "publish")
    assert national.live and district.live


def test_district_editor_cannot_publish_but_submits_for_review(
    client, library, district_editor
):
    client.force_login(district_editor)
    page = admin_create(client, library.section, "Trolley check", "publish")
    assert not page.live  # "publish" is not theirs: saved as a draft
    submitted = admin_create(client, library.section, "Referral note", "submit")
    assert not submitted.live
    state = submitted.current_workflow_task_state
    assert state is not None
    assert isinstance(state.task.specific, NationalReviewTask)


def test_any_national_editor_approves_a_district_submission(
    client, library, district_editor, editor
):
    client.force_login(district_editor)
    page = admin_create(client, library.section, "Referral note", "submit")
    state = page.current_workflow_task_state
    approve = reverse(
        "wagtailadmin_pages:workflow_action", args=(page.pk, "approve", state.pk)
    )
    # The author cannot approve their own page.
    client.post(approve, {})
    assert not ResourcePage.objects.get(pk=page.pk).live
    client.force_login(editor)
    response = client.post(approve, {})
    assert response.status_code in (200, 302)
    page.refresh_from_db()
    assert page.live
    assert TaskState.objects.get(pk=state.pk).status == TaskState.STATUS_APPROVED


def test_national_editor_can_request_changes(client, library, district_editor, editor):
    client.force_login(district_editor)
    page = admin_create(client, library.section, "Referral note", "submit")
    state = page.current_workflow_task_state
    task = state.task.specific
    actions = [name for name, _label, _modal in task.get_actions(page, editor)]
    assert actions == ["reject", "approve", "approve"]
    assert task.get_actions(page, district_editor) == []
    assert list(task.get_task_states_user_can_moderate(editor)) == [state]
    assert not task.get_task_states_user_can_moderate(district_editor).exists()


def test_trusted_district_editor_publishes_directly_in_own_section(
    client, library, trusted_editor
):
    client.force_login(trusted_editor)
    page = admin_create(client, library.section, "Night chart", "publish")
    assert page.live


def test_trusted_district_editor_has_no_rights_elsewhere(library, trusted_editor):
    elsewhere = library.other_section.permissions_for_user(trusted_editor)
    national = library.index.permissions_for_user(trusted_editor)
    assert not elsewhere.can_add_subpage()
    assert not elsewhere.can_publish_subpage()
    assert not national.can_add_subpage()
    page = make_resource(library.other_section, "South tool")
    assert not page.permissions_for_user(trusted_editor).can_edit()


def test_district_editor_cannot_add_in_another_district_through_the_admin(
    client, library, district_editor
):
    client.force_login(district_editor)
    url = reverse(
        "wagtailadmin_pages:add",
        args=("library", "resourcepage", library.other_section.pk),
    )
    response = client.get(url)
    assert response.status_code in (302, 403)
    assert not ResourcePage.objects.exists()


@pytest.mark.parametrize(
    ("role", "edit_own", "publish_own", "edit_other", "edit_national"),
    [
        ("editor", True, True, True, True),
        ("district_editor", True, False, False, False),
        ("trusted_editor", True, True, False, False),
        ("practitioner", False, False, False, False),
        ("district_lead", False, False, False, False),
        ("outsider", False, False, False, False),
    ],
)
def test_permission_matrix(
    library, as_role, role, edit_own, publish_own, edit_other, edit_national
):
    user = as_role(role)
    own = make_resource(library.section, "Own")
    other = make_resource(library.other_section, "Other")
    national = make_resource(library.index, "National")
    assert own.permissions_for_user(user).can_edit() is edit_own
    assert own.permissions_for_user(user).can_publish() is publish_own
    assert other.permissions_for_user(user).can_edit() is edit_other
    assert national.permissions_for_user(user).can_edit() is edit_national


@pytest.fixture
def as_role(request, library):
    def resolve(name: str):
        return request.getfixturevalue(name)

    return resolve


def test_district_editors_find_the_library_in_the_admin_explorer(
    client, library, district_editor
):
    client.force_login(district_editor)
    response = client.get(reverse("wagtailadmin_explore", args=[library.index.pk]))
    assert response.status_code == 200
    assert library.section.title in response.content.decode()
