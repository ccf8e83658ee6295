"""Joining and signing in with a phone number: codes by SMS (the file gateway here),
email optional, limits on codes, and a number seen by its owner alone."""

import json
import re
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from allauth.account.models import EmailAddress
from django.contrib.auth import get_user_model
from django.core import mail
from django.core.cache import cache
from django.test import override_settings

from community import phones
from community.models import PhoneNumber, Profile, Role
from tests import sms
from tests.factories import member, phone_member

PASSWORD = "a long enough passphrase 42"
NUMBER = "+250788000201"


def signup(client, **fields):
    data = {
        "email": "",
        "phone": "",
        "password1": PASSWORD,
        "password2": PASSWORD,
        "display_name": "Night midwife",
        "accept_code_of_conduct": "on",
        **fields,
    }
    return client.post("/accounts/signup/", data)


@pytest.fixture(autouse=True)
def fresh_texts():
    sms.clear()
    cache.clear()  # allauth keeps its code counters in the cache
    yield
    sms.clear()


@pytest.fixture
def rate_limits(settings):
    """The production limits on codes (tests otherwise run without allauth's)."""
    from cop_site.settings import base

    settings.ACCOUNT_RATE_LIMITS = base.ACCOUNT_RATE_LIMITS
    cache.clear()
    yield
    cache.clear()


@pytest.mark.django_db
def test_a_midwife_joins_with_her_number_as_she_dials_it(client):
    response = signup(client, phone="0788 000 201")
    assert response.status_code == 302
    assert response["Location"] == "/accounts/phone/verify/"
    assert "_auth_user_id" not in client.session  # not in until the code is typed
    user = get_user_model().objects.get(phone_number__number=NUMBER)
    assert user.email == "" and not EmailAddress.objects.filter(user=user).exists()
    assert PhoneNumber.objects.get(user=user).verified is False
    [text] = sms.texts(NUMBER)
    assert "expires in 15 minutes" in text["text"]
    assert not mail.outbox

    page = client.get("/accounts/phone/verify/")
    assert page.status_code == 200
    response = client.post("/accounts/phone/verify/", {"code": sms.last_code(NUMBER)})
    assert response.status_code == 302
    assert client.session["_auth_user_id"] == str(user.pk)
    assert PhoneNumber.objects.get(user=user).verified is True
    assert user.profile.display_name == "Night midwife"


@pytest.mark.django_db
def test_a_wrong_code_three_times_ends_the_attempt(client):
    signup(client, phone=NUMBER)
    code = sms.last_code(NUMBER)
    wrong = "000000" if code != "000000" else "111111"
    for _ in range(3):
        response = client.post("/accounts/phone/verify/", {"code": wrong})
    assert "_auth_user_id" not in client.session
    # Past the third try the stage is gone: the right code no longer works either.
    client.post("/accounts/phone/verify/", {"code": code})
    assert "_auth_user_id" not in client.session
    assert not PhoneNumber.objects.filter(verified=True).exists()
    assert response.status_code in (200, 302)


@pytest.mark.django_db
def test_signing_up_in_french_gets_the_code_in_french(client):
    client.cookies["django_language"] = "fr"
    signup(client, phone=NUMBER)
    [text] = sms.texts(NUMBER)
    assert "est votre code" in text["text"], text


@pytest.mark.django_db
def test_a_member_gets_her_code_in_her_own_language_from_any_page(client, world):
    """Her profile's language, not the page's: the phone may be someone else's
    browser in English."""
    user = phone_member(Role.PRACTITIONER, world.facility, NUMBER)
    Profile.objects.update_or_create(user=user, defaults={"language": "fr"})
    client.cookies["django_language"] = "en"
    client.post("/accounts/login/code/", {"phone": NUMBER})
    [text] = sms.texts(NUMBER)
    assert "est votre code" in text["text"], text


@pytest.mark.django_db
def test_neither_email_nor_number_is_refused_and_keeps_what_was_typed(client):
    response = signup(client)
    assert response.status_code == 200
    html = response.content.decode()
    assert "Give an email address or a phone number" in html
    assert 'value="Night midwife"' in html
    assert not get_user_model().objects.exists()


@pytest.mark.parametrize("typed", ["12345", "+999 123", "call me"])
@pytest.mark.django_db
def test_a_number_we_cannot_text_is_refused_with_an_example(client, typed):
    response = signup(client, phone=typed)
    assert response.status_code == 200
    html = response.content.decode()
    assert "This is not a phone number we can send a text to" in html
    assert "0788 123 456" in html or "+250" in html  # an example to copy
    assert f'value="{typed}"' in html
    assert not sms.texts()


@pytest.mark.django_db
def test_email_members_still_verify_their_address(client):
    response = signup(client, email="newcomer@example.org")
    assert response["Location"] == "/accounts/confirm-email/"
    assert "_auth_user_id" not in client.session
    assert len(mail.outbox) == 1
    login = client.post(
        "/accounts/login/", {"login": "newcomer@example.org", "password": PASSWORD}
    )
    assert login.status_code == 302
    assert "_auth_user_id" not in client.session


@pytest.mark.django_db
def test_a_member_giving_both_verifies_both(client):
    signup(client, email="both@example.org", phone=NUMBER)
    client.post("/accounts/phone/verify/", {"code": sms.last_code(NUMBER)})
    # The number is proved; the address still has to be before she is in.
    assert "_auth_user_id" not in client.session
    assert len(mail.outbox) == 1 and mail.outbox[0].to == ["both@example.org"]


@pytest.mark.django_db
def test_signing_in_with_number_and_password(client, world):
    user = phone_member(Role.PRACTITIONER, world.facility, NUMBER)
    response = client.post(
        "/accounts/login/",
        {"login": "0788 000 201", "password": "correct horse battery"},
    )
    assert response.status_code == 302
    assert client.session["_auth_user_id"] == str(user.pk)
    assert not sms.texts()  # a verified number needs no code


@pytest.mark.django_db
def test_signing_in_by_a_code_by_sms(client, world):
    """The way back in for a phone member who forgot her password."""
    user = phone_member(Role.PRACTITIONER, world.facility, NUMBER)
    response = client.post("/accounts/login/code/", {"phone": "0788000201"})
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/code/confirm/")
    response = client.post(response["Location"], {"code": sms.last_code(NUMBER)})
    assert response.status_code == 302
    assert client.session["_auth_user_id"] == str(user.pk)


@pytest.mark.django_db
def test_an_unknown_number_gets_no_text_and_the_page_does_not_say(world):
    import re

    from django.test import Client

    phone_member(Role.PRACTITIONER, world.facility, NUMBER)
    pages = []
    for number in (NUMBER, "+250788000299"):
        visitor = Client()
        response = visitor.post("/accounts/login/code/", {"phone": number})
        assert response.status_code == 302
        html = visitor.get(response["Location"]).content.decode()
        pages.append(re.sub(r'value="[^"]*"|\+250788000\d+', "", html))
    assert pages[0] == pages[1]
    assert [t["to"] for t in sms.texts()] == [NUMBER]  # the stranger's number: none


@pytest.mark.django_db
def test_codes_per_number_are_limited(world, rate_limits):
    """Someone asking for codes to a member's phone again and again, each time as a
    new visitor (no cookies), gets three texts sent in a minute, then a reason."""
    from django.test import Client

    phone_member(Role.PRACTITIONER, world.facility, NUMBER)
    answers = [
        Client().post("/accounts/login/code/", {"phone": NUMBER}) for _ in range(4)
    ]
    assert [a.status_code for a in answers] == [302, 302, 302, 200]
    assert "Too many" in answers[3].content.decode()
    assert len(sms.texts(NUMBER)) == 3


@pytest.mark.django_db
def test_codes_per_address_are_limited_across_numbers(world, rate_limits):
    """One address signing up number after number (texting strangers at the site's
    cost) is stopped after three in a minute."""
    from django.test import Client

    answers = [
        signup(Client(), phone=f"+25078800030{i}", display_name=f"Midwife {i}")
        for i in range(4)
    ]
    assert len(sms.texts()) == 3, [a.status_code for a in answers]
    assert answers[3].status_code == 429 or "Too many" in answers[3].content.decode()


@pytest.mark.django_db
def test_a_taken_number_tells_its_owner_and_nobody_else(client, world):
    owner = phone_member(Role.PRACTITIONER, world.facility, NUMBER)
    response = signup(client, phone=NUMBER)
    # The page is the one any sign-up gets: nobody learns whose number it is.
    assert response["Location"] == "/accounts/phone/verify/"
    [text] = sms.texts(NUMBER)
    assert "already has an account" in text["text"]
    assert list(get_user_model().objects.values_list("pk", flat=True)) == [owner.pk]


@pytest.mark.django_db
def test_the_code_page_is_the_same_whether_or_not_the_number_has_an_account(world):
    """A stranger trying numbers at sign-up learns nothing from the page that asks
    for the code (allauth offered "use a different number" only for free ones)."""
    import re

    from django.test import Client

    phone_member(Role.PRACTITIONER, world.facility, NUMBER)
    pages = []
    for number, name in ((NUMBER, "Spy"), ("+250788000209", "Spy two")):
        visitor = Client()
        signup(visitor, phone=number, display_name=name)
        html = visitor.get("/accounts/phone/verify/").content.decode()
        pages.append(re.sub(r'value="[^"]*"|\+250788000\d+', "", html))
    assert pages[0] == pages[1]


@pytest.mark.django_db
def test_an_unverified_number_takes_nothing_from_anyone(client):
    """Typing a stranger's number holds it for nobody: whoever proves it owns it,
    and the other sign-up is refused at its code."""
    squatter, owner = client, type(client)()
    signup(squatter, phone=NUMBER)
    squatter_code = sms.last_code(NUMBER)
    signup(owner, phone=NUMBER, display_name="Owner")
    owner.post("/accounts/phone/verify/", {"code": sms.last_code(NUMBER)})
    assert "_auth_user_id" in owner.session
    response = squatter.post("/accounts/phone/verify/", {"code": squatter_code})
    assert "_auth_user_id" not in squatter.session
    assert response.status_code == 200
    assert "already registered with this phone number" in response.content.decode()
    [holder] = PhoneNumber.objects.filter(verified=True)
    assert holder.user.profile.display_name == "Owner"


@pytest.mark.django_db
def test_the_number_is_seen_by_its_owner_alone(client, world, practitioner):
    """Directory, profile pages, search, the admin's user screens: nobody but the
    member sees her number, in any of the forms it is written in."""
    from community import services

    user = phone_member(Role.PRACTITIONER, world.facility, NUMBER)
    services.profile_update(user=user, display_name="Amina Phone")
    Profile.objects.filter(user=user).update(listed_in_directory=True)
    admin = get_user_model().objects.create_superuser(
        "root", "root@example.org", "correct horse battery"
    )
    forms = [NUMBER, "788000201", "0788 000 201", "788 000 201", "+250 788 000 201"]
    for viewer in (practitioner, admin):
        client.force_login(viewer)
        for path in (
            "/community/directory/",
            f"/community/members/{user.profile.pk}/",
            "/search/?q=Amina",
            f"/admin/users/{user.pk}/",
            "/django-admin/auth/user/",
            f"/django-admin/auth/user/{user.pk}/change/",
        ):
            html = client.get(path).content.decode()
            for form in forms:
                assert form not in html, (viewer, path, form)
    client.force_login(user)
    account = client.get("/accounts/phone/change/")
    assert account.status_code == 200
    assert (
        NUMBER in account.content.decode() or "788 000 201" in account.content.decode()
    )


@pytest.mark.django_db
def test_her_data_download_holds_her_number(world):
    from community.personal_data import export

    user = phone_member(Role.PRACTITIONER, world.facility, NUMBER)
    assert export(user)["community"]["phone_number"][0]["number"] == NUMBER


@pytest.mark.django_db
@override_settings(
    COMMUNITY={
        "REQUIRE_MFA_FOR_PRIVILEGED": True,
        "PHONE_REGION": "RW",
        "SMS_GATEWAY": "community.phones.FileGateway",
        "SMS_FILE_PATH": str(sms.folder()),
    }
)
def test_a_moderator_who_signs_in_by_phone_still_sets_up_two_factor(client, world):
    moderator = phone_member(Role.MODERATOR, world.country, NUMBER)
    client.post(
        "/accounts/login/", {"login": NUMBER, "password": "correct horse battery"}
    )
    assert client.session["_auth_user_id"] == str(moderator.pk)
    response = client.get("/community/profile/")
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/2fa/totp/activate/")


@pytest.mark.django_db
def test_phone_members_get_no_email_and_their_digest_by_push(world, settings):
    """Nothing is mailed to an empty address; the digest goes to the phone if the
    member chose it there."""
    import datetime as dt

    from django.utils import timezone

    from community import push
    from forums import digest, services
    from forums.models import Digest, Visibility

    user = phone_member(Role.PRACTITIONER, world.facility, NUMBER)
    writer = member(Role.PRACTITIONER, world.facility, email="w@example.org")
    space = services.space_create(
        name="Night shift", slug="night", visibility=Visibility.MEMBERS
    )
    services.space_follow(space=space, user=user)
    thread = services.thread_create(
        space=space, author=user, title="Cord care", body="?"
    )
    services.post_create(thread=thread, author=writer, body="Chlorhexidine.")
    sent = []
    settings.COMMUNITY = {**settings.COMMUNITY}
    original = push.notify
    push.notify = lambda **kwargs: sent.append(kwargs)
    try:
        services.thread_create(space=space, author=writer, title="Warmers", body="…")
        prefs = services.preferences_get(user=user)
        prefs.digest = Digest.DAILY
        prefs.last_seen_at = None
        prefs.save()
        from community.services import profile_ensure

        profile = profile_ensure(user=user)
        profile.push_kinds = ["digest"]
        profile.save()
        assert digest.send_digest(prefs, timezone.now() + dt.timedelta(hours=1))
    finally:
        push.notify = original
    assert [m for m in mail.outbox if not m.to or "" in m.to] == []
    assert all(user.email not in m.to for m in mail.outbox)
    assert {"user_id": user.pk, "kind": "digest", "ref": 1} in sent


def test_numbers_are_read_as_members_dial_them(settings):
    settings.COMMUNITY = {
        **settings.COMMUNITY,
        "PHONE_REGION": "RW",
        "PHONE_ALLOWED_REGIONS": [],
    }
    assert phones.normalise("0788 000 201") == NUMBER
    assert phones.normalise("+250 (788) 000-201") == NUMBER
    assert phones.normalise("+44 7911 123456") == "+447911123456"
    assert phones.shown(NUMBER) == "0788 000 201"
    settings.COMMUNITY = {**settings.COMMUNITY, "PHONE_REGION": ""}
    with pytest.raises(Exception, match="country code"):
        phones.normalise("0788 000 201")


@pytest.mark.django_db
def test_codes_go_only_to_the_countries_the_site_serves(client):
    """SMS pumping: codes asked for numbers abroad that bill per text."""
    response = signup(client, phone="+44 7911 123456")
    assert response.status_code == 200
    assert "only to numbers starting with +250" in response.content.decode()
    assert not sms.texts()
    response = client.post("/accounts/login/code/", {"phone": "+44 7911 123456"})
    assert response.status_code == 200 and not sms.texts()


class GatewayStub:
    """An operator's SMS gateway on this machine: records what it is sent, and
    answers 503 while ``down``."""

    def __init__(self):
        self.received, self.down = [], False
        stub = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):
                body = self.rfile.read(int(self.headers["Content-Length"]))
                if stub.down:
                    self.send_response(503)
                else:
                    stub.received.append(
                        (self.headers["Authorization"], json.loads(body))
                    )
                    self.send_response(202)
                self.end_headers()

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        threading.Thread(target=self.server.serve_forever, daemon=True).start()
        self.url = f"http://127.0.0.1:{self.server.server_port}/send"


@pytest.fixture
def gateway(settings):
    stub = GatewayStub()
    settings.COMMUNITY = {
        **settings.COMMUNITY,
        "SMS_GATEWAY": "community.phones.HttpGateway",
        "SMS_GATEWAY_URL": stub.url,
        "SMS_GATEWAY_TOKEN": "gateway-secret",
        "SMS_SENDER": "LEARN",
    }
    yield stub
    stub.server.shutdown()


def test_the_http_gateway_posts_the_text_with_its_token(gateway):
    phones.send_sms.call(NUMBER, "123456 is your code")
    assert gateway.received == [
        (
            "Bearer gateway-secret",
            {"to": NUMBER, "text": "123456 is your code", "from": "LEARN"},
        )
    ]


@pytest.mark.django_db
def test_a_gateway_that_is_down_loses_the_member_nothing(client, gateway):
    """The text fails (its task records why); the member is on the page that asks
    for the code and asks again once the gateway is back."""
    gateway.down = True
    response = signup(client, phone=NUMBER)
    assert response["Location"] == "/accounts/phone/verify/"
    assert gateway.received == []
    gateway.down = False
    client.post("/accounts/phone/verify/", {"action": "resend"})
    [(_auth, sent)] = gateway.received
    code = re.search(r"\b(\d{6})\b", sent["text"]).group(1)
    client.post("/accounts/phone/verify/", {"code": code})
    assert "_auth_user_id" in client.session


def test_the_http_gateway_refuses_plain_http_elsewhere(settings):
    from django.core.exceptions import ImproperlyConfigured

    settings.COMMUNITY = {
        **settings.COMMUNITY,
        "SMS_GATEWAY": "community.phones.HttpGateway",
        "SMS_GATEWAY_URL": "http://sms.example.org/send",
    }
    with pytest.raises(ImproperlyConfigured):
        phones.send_sms.call(NUMBER, "x")


@pytest.mark.django_db
def test_a_number_proved_twice_at_once_stays_the_first_provers(world):
    """allauth checks the number is free before it marks it proved; two sign-ups
    that both passed that check (both had the phone) do not both get it."""
    first = member(Role.PRACTITIONER, world.facility, email="")
    second = member(Role.PRACTITIONER, world.facility, email="")
    phones.put(first, NUMBER, False)
    phones.put(second, NUMBER, False)
    phones.mark_verified(first, NUMBER)
    phones.mark_verified(second, NUMBER)  # no error page: it stays unproved
    assert phones.get(first) == (NUMBER, True)
    assert phones.get(second) == (NUMBER, False)
    assert phones.holder(NUMBER) == first


def test_the_console_gateway_prints_the_text_where_the_server_runs(settings, capsys):
    settings.COMMUNITY = {
        **settings.COMMUNITY,
        "SMS_GATEWAY": "community.phones.ConsoleGateway",
    }
    phones.send_sms.call(NUMBER, "123456 is your code")
    assert f"SMS to {NUMBER}: 123456 is your code" in capsys.readouterr().out


@pytest.mark.django_db
def test_a_phone_member_who_forgot_her_password_is_shown_the_way_back(client):
    html = client.get("/accounts/password/reset/").content.decode()
    assert "Joined with a phone number?" in html


@pytest.mark.django_db
def test_erasing_an_account_erases_its_number(world):
    from community.personal_data import erase_member

    user = phone_member(Role.PRACTITIONER, world.facility, NUMBER)
    erase_member(user, remove_named=False)
    assert not PhoneNumber.objects.exists()


@pytest.mark.django_db
def test_sign_ups_never_finished_are_removed_after_a_week(client, world):
    """A stranger who typed someone's number and went away leaves no account
    holding it; members, staff and recent sign-ups stay."""
    import datetime as dt

    from django.core.management import call_command
    from django.utils import timezone

    signup(client, phone=NUMBER)
    stale = get_user_model().objects.get(phone_number__number=NUMBER)
    recent_client = type(client)()
    signup(recent_client, email="recent@example.org", display_name="Recent")
    recent = get_user_model().objects.get(email="recent@example.org")
    phone = phone_member(Role.PRACTITIONER, world.facility, "+250788000222")
    emailed = member(Role.PRACTITIONER, world.facility, email="m@example.org")
    root = get_user_model().objects.create_superuser("root", "", "x")
    week_ago = timezone.now() - dt.timedelta(days=8)
    get_user_model().objects.filter(
        pk__in=[stale.pk, phone.pk, emailed.pk, root.pk]
    ).update(date_joined=week_ago)

    from io import StringIO

    out = StringIO()
    call_command("privacy_housekeeping", stdout=out)
    assert "1 unfinished sign-up(s) removed" in out.getvalue()
    left = set(get_user_model().objects.values_list("pk", flat=True))
    assert left == {recent.pk, phone.pk, emailed.pk, root.pk}
    assert not PhoneNumber.objects.filter(number=NUMBER).exists()
