from urllib.parse import urlencode

from allauth.account.adapter import get_adapter as get_account_adapter
from allauth.account.decorators import reauthentication_required
from allauth.core.exceptions import ReauthenticationRequired
from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import NoReverseMatch, reverse
from django.utils import formats, timezone, translation
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST, require_safe

from . import (
    datasaver,
    directory,
    mentions,
    permissions,
    personal_data,
    services,
    zones,
)
from .conf import setting
from .department_views import departments_of
from .forms import DeleteAccountForm, DirectoryFilterForm, ProfileForm, add_errors
from .models import Level, Organisation
from .sections import facility_sections, member_actions

DIRECTORY_PER_PAGE = 24


def _remember_language(response, code: str) -> None:
    response.set_cookie(
        settings.LANGUAGE_COOKIE_NAME,
        code,
        max_age=settings.LANGUAGE_COOKIE_AGE,
        path=settings.LANGUAGE_COOKIE_PATH,
        domain=settings.LANGUAGE_COOKIE_DOMAIN,
        secure=settings.LANGUAGE_COOKIE_SECURE,
        httponly=settings.LANGUAGE_COOKIE_HTTPONLY,
        samesite=settings.LANGUAGE_COOKIE_SAMESITE,
    )


@require_safe
def language(request):
    """The footer's language switch, by GET: the pages that carry it then hold no
    CSRF token, so a visitor's page can be kept whole (``community.pagecache``).
    Like Django's ``set_language``, it only sets the language cookie, then goes back
    to ``next`` on this site, or home."""
    following = request.GET.get("next", "")
    if not url_has_allowed_host_and_scheme(
        following, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        following = "/"
    response = redirect(following)
    code = request.GET.get("language", "")
    if code and translation.check_for_language(code):
        _remember_language(response, code)
    return response


@login_required
def profile_edit(request):
    profile = services.profile_ensure(user=request.user)
    form = ProfileForm(request.POST or None, instance=profile, user=request.user)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        services.profile_update(
            user=request.user,
            display_name=data["display_name"],
            languages=data["languages"],
            timezone_name=data["timezone"],
            bio=data["bio"],
            expertise=data["expertise"],
            language=data["language"],
            save_data=data["save_data"],
        )
        zones.remember_choice(request, data["timezone"])
        datasaver.remember(request, data["save_data"])
        services.profile_set_directory(
            user=request.user,
            listed=data["listed_in_directory"],
            show_facility=data["show_facility"],
            show_district=data["show_district"],
            show_bio=data["show_bio"],
            show_expertise=data["show_expertise"],
        )
        response = redirect("community:profile")
        if data["language"]:
            # The profile's language is the site's language for this member too.
            translation.activate(data["language"])
            _remember_language(response, data["language"])
        messages.success(request, _("Your profile is saved."))
        return response
    page = mentions.profile_url(request.user.pk) if profile.mention_key else ""
    return render(
        request, "community/profile_form.html", {"form": form, "page_url": page}
    )


def _optional_url(name: str, **kwargs) -> str:
    try:
        return reverse(name, **kwargs)
    except NoReverseMatch:
        return ""


@login_required
def member_directory(request):
    """Members who chose to be listed, showing what they chose; never anyone else."""
    form = DirectoryFilterForm(request.GET or None)
    filters = form.cleaned_data if form.is_valid() else {}
    profiles = directory.directory(
        query=filters.get("q", "").strip(),
        expertise=filters.get("expertise", "").strip(),
        district=filters.get("district", "").strip(),
        facility=filters.get("facility", "").strip(),
    )
    page_obj = Paginator(profiles, DIRECTORY_PER_PAGE).get_page(request.GET.get("page"))
    expertise = filters.get("expertise", "").strip()
    return render(
        request,
        "community/directory.html",
        {
            "form": form,
            "page_obj": page_obj,
            "cards": [directory.card(profile) for profile in page_obj],
            "expertise": expertise,
            "expertise_tags": directory.expertise_tags(),
            "districts": Organisation.objects.districts().order_by("name"),
            "facilities": directory.facilities_with_expertise(expertise)
            if expertise
            else [],
            "listed": services.profile_ensure(user=request.user).listed_in_directory,
        },
    )


@login_required
def member_profile(request, pk: int):
    """A member's page: their name, what they chose to show in the directory, and how
    to mention them. Nothing they wrote is listed (it could point at anonymous posts);
    members who cannot be mentioned (no name, hidden by moderators) have no page."""
    profile = get_object_or_404(
        mentions.mentionable().select_related("user"), user_id=pk
    )
    path = mentions.profile_url(pk)
    card = directory.card(profile) if profile.listed_in_directory else {}
    return render(
        request,
        "community/member.html",
        {
            "name": profile.display_name,
            "card": card,
            "is_self": pk == request.user.pk,
            "mention": f"@{profile.display_name}",
            "link": request.build_absolute_uri(path),
            "shared": bool(mentions.shared_names([profile.mention_key])),
            "actions": member_actions(request, profile.user),
        },
    )


def facility_profile(request, pk: int):
    """A facility's public profile: what each plugin shows of it, and a way to ask
    for an exchange visit."""
    facility = get_object_or_404(
        Organisation.objects.select_related("parent"), pk=pk, level=Level.FACILITY
    )
    visit_url = _optional_url("events:visit_request")
    may_request = permissions.can_participate(
        request.user
    ) and not permissions.is_member_within(request.user, facility)
    return render(
        request,
        "community/facility.html",
        {
            **departments_of(request, facility),
            "facility": facility,
            "sections": facility_sections(request, facility),
            "members": directory.listed_at(facility)
            if request.user.is_authenticated
            else [],
            "visit_url": f"{visit_url}?host={facility.pk}"
            if visit_url and may_request
            else "",
        },
    )


@login_required
@require_safe
def your_data(request):
    """Download everything, or leave: the member's own page for their data."""
    profile = services.profile_ensure(user=request.user)
    return render(
        request,
        "community/personal_data/your_data.html",
        {
            "profile": profile,
            "grace_days": personal_data.grace().days,
            # Back from the password page: the download is a button press away. Said
            # only when the password was indeed just typed.
            "ready": request.GET.get("ready") == "1" and _password_just_typed(request),
        },
    )


def _password_just_typed(request) -> bool:
    """Whether the member typed their password within allauth's reauthentication
    window (its decorator, asked without letting it redirect)."""
    try:
        return _reauthenticated(request)
    except ReauthenticationRequired:
        return False


@reauthentication_required
def _reauthenticated(request) -> bool:
    return True


@login_required
@require_POST
def download_data(request):
    """Everything the member wrote or gave, as JSON files in a zip, built now.

    The zip names the member's anonymous posts, so whoever holds the session must
    have typed the password in the last few minutes (allauth's reauthentication): a
    phone left signed in, or picked up by a senior, does not give them away. The
    password page then leads back to "Your data", which says the download is ready:
    had it resumed the download itself, the file would have come while the password
    page stayed on screen, as if the password had not been taken."""
    if not _password_just_typed(request):
        ready = f"{reverse('community:your_data')}?ready=1"
        methods = get_account_adapter().get_reauthentication_methods(request.user)
        confirm = methods[0]["url"] if methods else reverse("account_login")
        return redirect(f"{confirm}?{urlencode({'next': ready})}")
    stamp = timezone.now().strftime("%Y-%m-%d")
    response = HttpResponse(
        personal_data.export_zip(request.user), content_type="application/zip"
    )
    response["Content-Disposition"] = f'attachment; filename="my-data-{stamp}.zip"'
    response["Cache-Control"] = "private, no-store"
    return response


@login_required
def delete_account(request):
    form = DeleteAccountForm(request.POST or None, user=request.user)
    if request.method == "POST" and form.is_valid():
        try:
            profile = personal_data.request_deletion(
                user=request.user, remove_named=form.cleaned_data["named"] == "remove"
            )
        except ValidationError as error:
            add_errors(form, error)
        else:
            messages.success(
                request,
                _(
                    "Your account will be deleted on %(date)s. "
                    "We have sent you an email; you can cancel here until then."
                )
                % {
                    "date": formats.date_format(
                        timezone.localtime(profile.deletion_due_at), "DATE_FORMAT"
                    )
                },
            )
            return redirect("community:your_data")
    return render(
        request,
        "community/personal_data/delete_account.html",
        {"form": form, "grace_days": personal_data.grace().days},
    )


@login_required
@require_POST
def cancel_deletion(request):
    personal_data.cancel_deletion(user=request.user)
    messages.success(request, _("Your account is no longer going to be deleted."))
    return redirect("community:your_data")


@require_safe
def privacy(request):
    """What the site keeps about members and for how long, read from the settings
    that decide it, so the page cannot drift from what the site does."""
    return render(
        request,
        "community/personal_data/privacy.html",
        {
            "grace_days": personal_data.grace().days,
            "min_group_size": setting("MIN_GROUP_SIZE"),
            "retention": personal_data.retention(),
        },
    )
