"""A display name cannot pass for an anonymous author's alias."""

import pytest
from django.core.exceptions import ValidationError

from community import services
from community.privacy import imitates_an_alias


@pytest.mark.parametrize(
    "name",
    [
        "Colleague B",
        "colleague  b",
        "Colleague-AA",
        "A colleague",
        "Collègue C",
        "Un collègue",
        "Anonymous member",
        "anonymous",
        "Anonymous participant",
        "Membre anonyme",
        "Participant·e anonyme",
        "A N O N Y M O U S",
        "Former member",
        "Ｃｏｌｌｅａｇｕｅ Ｂ",
    ],
)
def test_names_that_imitate_an_alias_are_refused(name):
    assert imitates_an_alias(name)


@pytest.mark.parametrize(
    "name",
    ["Amina Uwase", "Colleen B", "Dr Collins", "Sister Anne", "Midwife Ruth", ""],
)
def test_ordinary_names_are_fine(name):
    assert not imitates_an_alias(name)


def test_the_profile_form_says_why_and_keeps_what_was_typed(client, practitioner):
    client.force_login(practitioner)
    response = client.post(
        "/community/profile/",
        {"display_name": "Colleague B", "timezone": "UTC", "bio": "My typed bio"},
    )
    assert response.status_code in (200, 400)
    assert "looks like the name anonymous posts" in response.text
    assert "My typed bio" in response.text


def test_the_service_refuses_too(practitioner):
    with pytest.raises(ValidationError):
        services.profile_update(user=practitioner, display_name="Anonymous member")
