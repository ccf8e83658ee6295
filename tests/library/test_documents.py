"""Documents live in collections and are served through Wagtail's serve view, so a
restricted collection keeps drafts and embargoed files away from outsiders."""

import pytest
from django.conf import settings

from .conftest import make_document


@pytest.fixture
def files(library):
    return {
        "public": make_document(
            "Public checklist", collection=library.public_collection
        ),
        "private": make_document(
            "Draft policy", collection=library.restricted_collection
        ),
    }


def test_documents_are_served_through_the_serve_view(files):
    assert settings.WAGTAILDOCS_SERVE_METHOD == "serve_view"
    assert (
        files["public"].url == f"/documents/{files['public'].pk}/public-checklist.pdf"
    )
    assert not files["public"].url.startswith(settings.MEDIA_URL)


def test_anyone_downloads_a_public_library_document(client, files):
    response = client.get(files["public"].url)
    assert response.status_code == 200
    assert b"".join(response.streaming_content).startswith(b"%PDF-1.4")


def test_visitors_cannot_download_restricted_documents(client, files):
    response = client.get(files["private"].url)
    assert response.status_code in (302, 403)
    assert not getattr(response, "streaming", False)


@pytest.mark.parametrize(
    "role", ["outsider", "practitioner", "district_lead", "moderator"]
)
def test_members_who_are_not_editors_cannot_download_restricted_documents(
    client, files, as_role, role
):
    client.force_login(as_role(role))
    response = client.get(files["private"].url)
    assert response.status_code == 403


@pytest.mark.parametrize("role", ["editor", "district_editor"])
def test_library_editors_download_restricted_documents(client, files, as_role, role):
    client.force_login(as_role(role))
    response = client.get(files["private"].url)
    assert response.status_code == 200


def test_editors_groups_may_upload_to_library_collections(library, editor):
    from wagtail.documents import get_document_model
    from wagtail.permissions import policy_registry

    policy = policy_registry.get_by_type(get_document_model())
    collections = policy.collections_user_has_permission_for(editor, "add")
    assert library.public_collection in collections
    assert library.restricted_collection in collections
