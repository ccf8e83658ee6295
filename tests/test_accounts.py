"""Sign-up with the code of conduct and mandatory verification; MFA for privileged roles."""

import re

import pytest
from allauth.account.models import EmailAddress
from allauth.mfa.models import Authenticator
from django.contrib.auth import get_user_model
from django.core import mail
from django.core.cache import cache
from django.test import override_settings

from community.models import Profile

SIGNUP = {
    "email": "newcomer@example.org",
    "password1": "a long enough passphrase 42",
    "password2": "a long enough passphrase 42",
    "display_name": "Newcomer nurse",
    "accept_code_of_conduct": "on",
}


@pytest.mark.django_db
def test_signup_page_asks_for_the_code_of_conduct(client):
    response = client.get("/accounts/signup/")
    html = response.content.decode()
    assert 'name="accept_code_of_conduct"' in html
    assert "/code-of-conduct/" in html


@pytest.mark.django_db
def test_signup_without_accepting_keeps_what_was_typed(client):
    data = {**SIGNUP, "accept_code_of_conduct": ""}
    response = client.post("/accounts/signup/", data)
    assert response.status_code == 200
    html = response.content.decode()
    assert "Please accept the code of conduct to join." in html
    assert 'value="newcomer@example.org"' in html
    assert 'value="Newcomer nurse"' in html
    assert not get_user_model().objects.filter(email=SIGNUP["email"]).exists()


@pytest.mark.django_db
def test_signup_requires_email_verification_before_login(client):
    response = client.post("/accounts/signup/", SIGNUP)
    assert response.status_code == 302
    assert response["Location"] == "/accounts/confirm-email/"
    user = get_user_model().objects.get(email=SIGNUP["email"])
    # Not signed in until the address is verified.
    assert "_auth_user_id" not in client.session
    assert not EmailAddress.objects.get(user=user).verified
    profile = Profile.objects.get(user=user)
    assert profile.display_name == "Newcomer nurse"
    assert profile.code_of_conduct_accepted_at is not None
    # The username is opaque: it never echoes the email.
    assert "newcomer" not in user.username

    login = client.post(
        "/accounts/login/", {"login": SIGNUP["email"], "password": SIGNUP["password1"]}
    )
    assert login.status_code == 302
    assert "_auth_user_id" not in client.session


@pytest.mark.django_db
def test_verification_link_from_the_email_confirms_and_signs_in(client):
    client.post("/accounts/signup/", SIGNUP)
    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert message.to == [SIGNUP["email"]]
    link = re.search(r"https?://[^\s]+/accounts/confirm-email/[^\s]+/", message.body)
    assert link, message.body
    path = link.group(0).split("://", 1)[1].split("/", 1)[1]
    confirm = client.post("/" + path)
    assert confirm.status_code == 302
    user = get_user_model().objects.get(email=SIGNUP["email"])
    assert EmailAddress.objects.get(user=user).verified
    assert client.session["_auth_user_id"] == str(user.pk)


@pytest.mark.django_db
def test_password_reset_sends_an_email(client, practitioner):
    response = client.post("/accounts/password/reset/", {"email": practitioner.email})
    assert response.status_code == 302
    assert len(mail.outbox) == 1
    assert "/accounts/password/reset/key/" in mail.outbox[0].body


@pytest.mark.django_db
def test_login_by_email(client, practitioner):
    response = client.post(
        "/accounts/login/",
        {"login": practitioner.email, "password": "correct horse battery"},
    )
    assert response.status_code == 302
    assert client.session["_auth_user_id"] == str(practitioner.pk)


@pytest.mark.django_db
@override_settings(ACCOUNT_RATE_LIMITS={"login_failed": "2/m/ip"})
def test_failed_logins_are_rate_limited(client, practitioner):
    cache.clear()
    for _ in range(2):
        client.post(
            "/accounts/login/", {"login": practitioner.email, "password": "wrong"}
        )
    # Even the right password is refused for now, with a clear message.
    response = client.post(
        "/accounts/login/",
        {"login": practitioner.email, "password": "correct horse battery"},
    )
    assert "_auth_user_id" not in client.session
    assert "Too many failed login attempts" in response.content.decode()
    cache.clear()


def sign_in(client, user):
    """A real login (MFA set-up asks for a recent password, which force_login lacks)."""
    response = client.post(
        "/accounts/login/", {"login": user.email, "password": "correct horse battery"}
    )
    assert response.status_code == 302
    return response


def assert_totp_setup_reachable(client):
    response = client.get("/accounts/2fa/totp/activate/")
    assert response["Location"].startswith("/accounts/reauthenticate/")
    response = client.post(
        response["Location"], {"password": "correct horse battery"}, follow=True
    )
    assert response.redirect_chain[-1][0] == "/accounts/2fa/totp/activate/"
    assert response.status_code == 200
    assert 'name="code"' in response.content.decode()


MFA_ON = {"REQUIRE_MFA_FOR_PRIVILEGED": True, "ALLOW_DEMO_SEED": True}


@pytest.mark.django_db
@override_settings(COMMUNITY=MFA_ON)
@pytest.mark.parametrize("role", ["moderator", "editor"])
def test_privileged_roles_must_set_up_mfa_first(client, as_role, role):
    sign_in(client, as_role(role))
    response = client.get("/community/profile/")
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/2fa/totp/activate/")
    # The set-up page itself stays reachable (after allauth's password re-check).
    assert_totp_setup_reachable(client)


@pytest.mark.django_db
@override_settings(COMMUNITY=MFA_ON)
@pytest.mark.parametrize("role", ["practitioner", "district_lead", "coach"])
def test_other_roles_are_not_forced_into_mfa(client, as_role, role):
    client.force_login(as_role(role))
    assert client.get("/community/profile/").status_code == 200


@pytest.mark.django_db
@override_settings(COMMUNITY=MFA_ON)
def test_moderator_with_totp_goes_through(client, moderator):
    Authenticator.objects.create(
        user=moderator, type=Authenticator.Type.TOTP, data={"secret": "x"}
    )
    client.force_login(moderator)
    assert client.get("/community/profile/").status_code == 200


@pytest.mark.django_db
def test_mfa_is_available_to_every_member(client, practitioner):
    sign_in(client, practitioner)
    assert_totp_setup_reachable(client)


@pytest.mark.django_db
def test_sign_in_message_names_the_display_name_not_the_username(client, practitioner):
    from community import services

    services.profile_update(user=practitioner, display_name="Midwife Ama")
    response = client.post(
        "/accounts/login/?next=/community/profile/",
        {"login": practitioner.email, "password": "correct horse battery"},
        follow=True,
    )
    html = response.content.decode()
    assert "Successfully signed in as Midwife Ama" in html
    assert practitioner.username not in html
