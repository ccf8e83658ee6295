"""The Wagtail admin names people by their display name, never the opaque username:
page history, revisions and the account menu all ask ``get_full_name()``."""

import pytest
from django.contrib.auth import get_user_model
from wagtail.models import Page

from community import services
from community.models import Role
from tests.factories import UserFactory, member


@pytest.fixture
def editor(world):
    user = member(Role.NATIONAL_EDITOR, world.country, email="esther@example.org")
    services.profile_update(user=user, display_name="Esther Mukamana")
    return user


def test_a_display_name_becomes_the_admin_name(world):
    user = UserFactory()
    services.profile_update(user=user, display_name="  Amina Uwase ")
    user.refresh_from_db()
    assert user.get_full_name() == "Amina Uwase"
    services.profile_update(user=user, display_name="Amina U.")
    user.refresh_from_db()
    assert (user.first_name, user.last_name) == ("Amina U.", "")


def test_the_account_menu_shows_the_display_name(client, editor):
    client.force_login(editor)
    html = client.get("/admin/").content.decode()
    assert "Esther Mukamana" in html
    assert editor.username not in html


def test_page_history_names_the_editor(client, editor, world):
    page = Page.objects.get(depth=2)
    page.save_revision(user=editor, log_action=True)
    admin = get_user_model().objects.create_superuser(
        "m-admin", "admin@example.org", "x"
    )
    client.force_login(admin)
    html = client.get(f"/admin/pages/{page.pk}/history/").content.decode()
    assert "Esther Mukamana" in html
    assert editor.username not in html


def test_existing_members_get_their_name_by_migration(world):
    from importlib import import_module

    from django.apps import apps

    from community.models import Profile

    user = UserFactory()
    Profile.objects.create(user=user, display_name="Jean Bosco")
    assert get_user_model().objects.get(pk=user.pk).get_full_name() == ""
    migration = import_module("community.migrations.0006_admin_names")
    migration.names_from_profiles(apps, None)
    assert get_user_model().objects.get(pk=user.pk).get_full_name() == "Jean Bosco"
