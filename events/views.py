"""Event pages. Thin: permissions decide, services write, templates get booleans."""

from __future__ import annotations

import uuid
import zoneinfo

from django.contrib import messages as flash
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.db.models import Count, Q
from django.http import Http404, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST
from taggit.models import Tag

from community import permissions as community_permissions
from community import zones
from community.forms import add_errors
from community.models import Level, Organisation
from community.permissions import Cap

from . import calendars, permissions, services
from .conf import setting
from .forms import EventForm, MaterialsForm, QuestionForm
from .models import (
    CalendarToken,
    Event,
    EventKind,
    Question,
    QuestionVote,
    Registration,
    RegistrationStatus,
)


def viewer_zone(request, event: Event | None = None) -> zoneinfo.ZoneInfo:
    """The reader's zone (``community.zones``: their own choice, else their
    organisation's country's, else the site's, as for visitors). Event times say the
    event's own zone beside it when it differs."""
    return zones.reader_zone(request.user)


def _event_or_404(request, pk: int) -> Event:
    event = get_object_or_404(
        Event.objects.select_related("organiser__parent__parent", "room", "department"),
        pk=pk,
    )
    if not permissions.can_view(request.user, event):
        if not request.user.is_authenticated:
            raise PermissionDenied(_("Sign in to see this event."))
        raise Http404
    return event


# --- Listings -----------------------------------------------------------------------


def _listing(request, *, past: bool, organisation: Organisation | None = None):
    now = timezone.now()
    events = Event.objects.visible_to(request.user)
    events = events.past(now) if past else events.upcoming(now)
    district = kind = tag = None
    if organisation is not None:
        events = events.filter(
            Q(organiser=organisation)
            | Q(organiser__parent=organisation)
            | Q(organiser__parent__parent=organisation)
        )
    slug = request.GET.get("district")
    if slug:
        district = Organisation.objects.filter(slug=slug, level=Level.DISTRICT).first()
        if district is not None:
            events = events.filter(
                Q(organiser=district) | Q(organiser__parent=district)
            )
    if request.GET.get("kind") in EventKind.values:
        kind = request.GET["kind"]
        events = events.filter(kind=kind)
    if request.GET.get("tag"):
        tag = Tag.objects.filter(slug=request.GET["tag"]).first()
        if tag is not None:
            events = events.filter(tagged_items__tag=tag)
    events = (
        events.select_related("organiser__parent")
        .prefetch_related("tagged_items__tag")
        .annotate(
            registered=Count(
                "registrations",
                filter=Q(registrations__status=RegistrationStatus.REGISTERED),
            )
        )
    )
    page = Paginator(events, setting("PAGE_SIZE")).get_page(request.GET.get("page"))
    items = list(page.object_list)
    mine: dict[int, str] = {}
    if request.user.is_authenticated and items:
        mine = dict(
            Registration.objects.filter(
                user=request.user, event__in=[e.pk for e in items]
            )
            .exclude(status=RegistrationStatus.CANCELLED)
            .values_list("event_id", "status")
        )
    for event in items:
        event.my_status = mine.get(event.pk)
        if event.capacity is not None:
            event.places_left = max(0, event.capacity - event.registered)
    return {
        "page_obj": page,
        "events": items,
        "past": past,
        "districts": Organisation.objects.districts().only("name", "slug"),
        "kinds": EventKind.choices,
        "district": district,
        "kind": kind,
        "tag": tag,
        "organisation": organisation,
        "zone": viewer_zone(request),
        "can_schedule": permissions.can_schedule_anything(request.user),
        "can_view_cadence": Cap.VIEW_DISTRICT_DATA
        in community_permissions.capabilities(request.user),
    }


@require_GET
def index(request):
    return render(request, "events/index.html", _listing(request, past=False))


@require_GET
def past(request):
    return render(request, "events/index.html", _listing(request, past=True))


@require_GET
def organisation(request, slug: str):
    org = get_object_or_404(Organisation.objects.select_related("parent"), slug=slug)
    context = _listing(
        request, past=request.GET.get("when") == "past", organisation=org
    )
    return render(request, "events/index.html", context)


# --- One event ----------------------------------------------------------------------


@require_GET
def detail(request, pk: int):
    event = _event_or_404(request, pk)
    user = request.user
    now = timezone.now()
    registration = permissions.registration_of(user, event)
    if registration is not None and registration.status == RegistrationStatus.CANCELLED:
        registration = None
    counts = dict(
        event.registrations.values_list("status").annotate(n=Count("pk")).order_by()
    )
    registered = counts.get(RegistrationStatus.REGISTERED, 0)
    can_edit = permissions.can_edit(user, event)
    opens, _closes = permissions.join_window(event)
    library_page = event.library_page if event.library_page_id else None
    context = {
        "event": event,
        "zone": viewer_zone(request, event),
        "registration": registration,
        "can_register": permissions.can_register(user, event, now)
        and registration is None,
        "can_cancel_registration": registration is not None
        and not event.has_ended(now),
        "can_edit": can_edit,
        "can_join": permissions.can_join(user, event, now),
        "join_opens": opens,
        "join_pending": registration is not None
        and registration.is_registered
        and bool(event.online_url)
        and now < opens,
        "registered_count": registered,
        "waitlist_count": counts.get(RegistrationStatus.WAITLISTED, 0),
        "places_left": None
        if event.capacity is None
        else max(0, event.capacity - registered),
        "has_room": event.room_id is not None
        and (
            permissions.is_registered(user, event)
            or permissions.can_moderate_room(user, event)
        ),
        "room_open": event.room.is_open(now) if event.room_id else False,
        "has_ended": event.has_ended(now),
        "has_started": event.starts_at <= now,
        "library_page": library_page if library_page and library_page.live else None,
        "library_pending": library_page is not None and not library_page.live,
        "tags": list(event.tags.all()),
    }
    return render(request, "events/detail.html", context)


@login_required
def create(request):
    if not permissions.can_schedule_anything(request.user):
        raise PermissionDenied(_("You cannot schedule events."))
    initial = {}
    if request.GET.get("kind") in dict(EventKind.choices):
        initial["kind"] = request.GET["kind"]
    form = EventForm(request.POST or None, user=request.user, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            event = services.event_create(
                by=request.user,
                organiser=form.cleaned_data["organiser"],
                kind=form.cleaned_data["kind"],
                tags=form.tag_list(),
                **form.service_values(),
            )
        except ValidationError as error:
            add_errors(form, error)
        else:
            flash.success(request, _("Event scheduled."))
            return redirect(event)
    return render(request, "events/form.html", {"form": form, "event": None})


@login_required
def edit(request, pk: int):
    event = _event_or_404(request, pk)
    permissions.check_edit(request.user, event)
    form = EventForm(request.POST or None, user=request.user, event=event)
    if request.method == "POST" and form.is_valid():
        try:
            services.event_update(
                event=event,
                by=request.user,
                tags=form.tag_list(),
                **form.service_values(),
            )
        except ValidationError as error:
            add_errors(form, error)
        else:
            flash.success(request, _("Event updated."))
            return redirect(event)
    return render(request, "events/form.html", {"form": form, "event": event})


@login_required
def cancel(request, pk: int):
    event = _event_or_404(request, pk)
    permissions.check_edit(request.user, event)
    if request.method == "POST":
        services.event_cancel(event=event, by=request.user)
        flash.success(request, _("Event cancelled. Registered people are told."))
        return redirect(event)
    return render(request, "events/cancel.html", {"event": event})


@require_POST
@login_required
def register(request, pk: int):
    event = _event_or_404(request, pk)
    registration = services.registration_create(event=event, user=request.user)
    if registration.is_registered:
        flash.success(request, _("You are registered."))
    else:
        flash.info(
            request,
            _(
                "The event is full: you are on the waiting list and will be told if a "
                "place opens."
            ),
        )
    return redirect(event)


@require_POST
@login_required
def unregister(request, pk: int):
    event = _event_or_404(request, pk)
    services.registration_cancel(event=event, user=request.user)
    flash.success(request, _("Your registration is cancelled."))
    return redirect(event)


@login_required
def attendance(request, pk: int):
    """Only the organiser side sees (and marks) who attended, person by person."""
    event = _event_or_404(request, pk)
    permissions.check_edit(request.user, event)
    registrations = list(
        event.registrations.filter(status=RegistrationStatus.REGISTERED).select_related(
            "user__profile", "facility"
        )
    )
    if request.method == "POST":
        present = set(request.POST.getlist("attended"))
        changed = 0
        for registration in registrations:
            attended = str(registration.user_id) in present
            if attended != registration.attended:
                services.attendance_mark(
                    event=event,
                    by=request.user,
                    user=registration.user,
                    attended=attended,
                )
                changed += 1
        flash.success(request, _("Attendance saved."))
        return redirect("events:attendance", pk=event.pk)
    return render(
        request,
        "events/attendance.html",
        {"event": event, "registrations": registrations},
    )


@login_required
def materials(request, pk: int):
    """The organiser adds the recording and slides after the event, and proposes them
    to the library."""
    event = _event_or_404(request, pk)
    permissions.check_edit(request.user, event)
    form = MaterialsForm(
        request.POST or None,
        initial={"recording_url": event.recording_url, "slides_url": event.slides_url},
    )
    if request.method == "POST" and form.is_valid():
        services.event_set_materials(event=event, by=request.user, **form.cleaned_data)
        flash.success(request, _("Recording and slides saved."))
        return redirect(event)
    return render(
        request,
        "events/materials.html",
        {
            "event": event,
            "form": form,
            "can_propose": services.library_available()
            and event.library_page_id is None,
        },
    )


@require_POST
@login_required
def propose(request, pk: int):
    event = _event_or_404(request, pk)
    try:
        services.event_propose_to_library(event=event, by=request.user)
    except ValidationError as error:
        flash.error(request, " ".join(error.messages))
    else:
        flash.success(
            request,
            _(
                "Proposed to the library: the editors review it; this page links to it "
                "once it is published."
            ),
        )
    return redirect(event)


# --- Webinar live session: chat and Q&A ---------------------------------------------


def _live_event(request, pk: int) -> Event:
    event = _event_or_404(request, pk)
    if event.room_id is None:
        raise Http404
    from forums import chat

    if not chat.can_view_room(request.user, event.room):
        if not request.user.is_authenticated:
            raise PermissionDenied(_("Sign in to join the session."))
        raise PermissionDenied(_("Register for the webinar to join its session."))
    return event


def _questions(event: Event, user, *, moderates: bool) -> list[Question]:
    """The Q&A as ``user`` sees it: hidden questions only for those who moderate the
    room. Each question carries the booleans its template needs."""
    from moderation import permissions as moderation_permissions
    from moderation.selectors import held_ids

    questions = event.questions.select_related("author__profile")
    if not moderates:
        questions = questions.filter(hidden=False)
    items = list(questions.order_by("answered_at", "-vote_count", "pk"))
    voted: set[int] = set()
    if user.is_authenticated and items:
        voted = set(
            QuestionVote.objects.filter(
                user=user, question__in=[q.pk for q in items]
            ).values_list("question_id", flat=True)
        )
    held = held_ids([q for q in items if q.hidden]) if moderates else set()
    for question in items:
        question.event = event  # one event (and its permission caches) for all
        question.voted = question.pk in voted
        question.held = question.pk in held
        question.can_flag = not question.hidden and moderation_permissions.can_flag(
            user, question
        )
        question.can_moderate = moderates and moderation_permissions.can_moderate(
            user, question
        )
    return items


def question_payload(question: Question) -> dict:
    """What anyone sees of a question: never its author when it is anonymous."""
    return {
        "id": question.pk,
        "body_html": "" if question.hidden else question.body_html,
        "by": question.byline,
        "anonymous": question.anonymous,
        "votes": question.vote_count,
        "answered": question.is_answered,
        "hidden": question.hidden,
        "voted": getattr(question, "voted", False),
    }


def _qa_context(request, event: Event, now=None) -> dict:
    """What the Q&A part of the live page needs (the page, and the list alone)."""
    user = request.user
    moderates = permissions.can_moderate_room(user, event)
    return {
        "event": event,
        "questions": _questions(event, user, moderates=moderates),
        "is_host": permissions.can_host(user, event),
        "can_moderate_qa": moderates,
        "can_ask": permissions.can_ask(user, event, now),
    }


def _live_context(request, event: Event, *, typed=None, error=None) -> dict:
    from forums import chat, polls

    room = event.room
    room._event_cache = event  # the room's owner asks for it: already here
    user = request.user
    now = timezone.now()
    items = chat.latest(room)
    reply_to = request.POST.get("reply_to") or request.GET.get("reply_to")
    return {
        **_qa_context(request, event, now),
        "room": room,
        "zone": viewer_zone(request, event),
        "items": items,
        "first_id": items[0].seq if items else None,
        "last_id": items[-1].seq if items else 0,
        "more_before": bool(items) and chat.has_before(room, items[0].seq),
        "is_open": room.is_open(now),
        "can_send": user.is_authenticated and chat.can_send(user, room),
        "presence": chat.presence_for_page(room),
        "client_id": uuid.uuid4(),
        "typed": typed or {"body": "", "anonymous": room.anonymous_allowed},
        "replying": chat.quotable(room, reply_to) if reply_to else None,
        "error": error,
        "question_form": QuestionForm(allow_anonymous=event.allow_anonymous_questions),
        "can_join": permissions.can_join(user, event, now),
        **polls.context(user, room=room),
    }


def live(request, pk: int):
    """The live session. ``?part=questions`` answers with the Q&A list alone: the
    script swaps it in when the questions change (one rendering, a few KB)."""
    event = _live_event(request, pk)
    from forums import chat
    from moderation.ratelimit import client_ip

    if request.method == "GET" and request.GET.get("part") == "questions":
        return render(
            request, "events/includes/qa_list.html", _qa_context(request, event)
        )
    user = request.user
    error = None
    # As in every room: where anonymous messages are allowed, anonymous is the start.
    typed = {"body": "", "anonymous": event.room.anonymous_allowed}
    if request.method == "POST":
        if not user.is_authenticated:
            raise PermissionDenied(_("Sign in to send messages."))
        typed = {
            "body": request.POST.get("body", ""),
            "anonymous": request.POST.get("anonymous") == "on",
        }
        try:
            chat.message_send(
                room=event.room,
                author=user,
                body=typed["body"],
                client_id=request.POST.get("client_id", ""),
                anonymous=typed["anonymous"],
                reply_to_id=chat.quotable_seq(request.POST.get("reply_to")),
                ip=client_ip(request),
            )
        except chat.ChatError as refused:
            error = refused
        else:
            return redirect(reverse("events:live", args=[event.pk]) + "#chat-end")
    context = _live_context(request, event, typed=typed, error=error)
    status = 200
    if error is not None:
        from forums.chat_views import STATUS

        status = STATUS.get(error.code, 400)
    return render(request, "events/live.html", context, status=status)


@require_POST
@login_required
def ask(request, pk: int):
    event = _live_event(request, pk)
    form = QuestionForm(request.POST, allow_anonymous=event.allow_anonymous_questions)
    if form.is_valid():
        try:
            question = services.question_ask(
                event=event,
                author=request.user,
                body=form.cleaned_data["body"],
                anonymous=form.cleaned_data.get("anonymous", False),
            )
        except ValidationError as error:
            form.add_error(None, error)
        except PermissionDenied as denied:
            # e.g. the room closed while they typed: say so, keep the question.
            form.add_error(None, str(denied))
        else:
            held = question.hidden
            message = (
                _("Your question will appear once a moderator has reviewed it.")
                if held
                else _("Question posted.")
            )
            if _wants_json(request):
                return JsonResponse(
                    {"ok": True, "held": held, "message": message}, status=201
                )
            (flash.info if held else flash.success)(request, message)
            return redirect(reverse("events:live", args=[event.pk]) + "#questions")
    if _wants_json(request):
        return JsonResponse({"errors": form.errors.get_json_data()}, status=400)
    # Re-show the page with what was typed.
    context = _live_context(request, event)
    context["question_form"] = form
    return render(request, "events/live.html", context, status=400)


def _wants_json(request) -> bool:
    return "application/json" in request.headers.get("Accept", "")


@require_GET
def questions_json(request, pk: int):
    event = _live_event(request, pk)
    moderates = permissions.can_moderate_room(request.user, event)
    return JsonResponse(
        {
            "questions": [
                question_payload(q)
                for q in _questions(event, request.user, moderates=moderates)
            ],
            "can_ask": permissions.can_ask(request.user, event),
        }
    )


def _question(request, pk: int) -> Question:
    question = get_object_or_404(Question.objects.select_related("event"), pk=pk)
    _live_event(request, question.event_id)
    return question


@require_POST
@login_required
def vote(request, pk: int):
    question = _question(request, pk)
    voted = services.question_vote_toggle(question=question, user=request.user)
    if _wants_json(request):
        return JsonResponse({"voted": voted, "votes": question.vote_count})
    return redirect(reverse("events:live", args=[question.event_id]) + "#questions")


@require_POST
@login_required
def answered(request, pk: int):
    question = _question(request, pk)
    services.question_mark_answered(
        question=question,
        by=request.user,
        answered=request.POST.get("answered", "1") == "1",
    )
    if _wants_json(request):
        return JsonResponse({"answered": question.is_answered})
    return redirect(reverse("events:live", args=[question.event_id]) + "#questions")


@require_POST
@login_required
def hide_question(request, pk: int):
    question = _question(request, pk)
    try:
        services.question_set_hidden(
            question=question,
            by=request.user,
            hidden=request.POST.get("hidden") == "1",
        )
    except ValidationError as refused:
        flash.error(request, " ".join(refused.messages))
    return redirect(reverse("events:live", args=[question.event_id]) + "#questions")


# --- Calendars ----------------------------------------------------------------------


@require_GET
def event_ics(request, pk: int):
    event = _event_or_404(request, pk)
    return calendars.response(
        calendars.calendar([event], name=event.title),
        filename=f"event-{event.pk}.ics",
    )


@require_GET
def organisation_ics(request, slug: str):
    org = get_object_or_404(Organisation, slug=slug)
    events = (
        Event.objects.visible_to(request.user)
        .filter(
            Q(organiser=org)
            | Q(organiser__parent=org)
            | Q(organiser__parent__parent=org)
        )
        .select_related("organiser")
        .order_by("starts_at")
    )
    since = timezone.now() - timezone.timedelta(days=180)
    events = events.filter(ends_at__gte=since)
    return calendars.response(
        calendars.calendar(events, name=_("Events: %(name)s") % {"name": org.name}),
        filename=f"{org.slug}.ics",
    )


@require_GET
def personal_ics(request, token: str):
    """The secret-address feed: the events the member registered for (the waiting
    list too, so a promotion shows up), cancelled ones as STATUS:CANCELLED."""
    record = CalendarToken.objects.select_related("user").filter(token=token).first()
    if record is None or not record.user.is_active:
        raise Http404
    since = timezone.now() - timezone.timedelta(days=180)
    events = (
        Event.objects.filter(
            registrations__user=record.user,
            registrations__status__in=[
                RegistrationStatus.REGISTERED,
                RegistrationStatus.WAITLISTED,
            ],
            ends_at__gte=since,
        )
        .select_related("organiser")
        .order_by("starts_at")
        .distinct()
    )
    return calendars.response(
        calendars.calendar(events, name=_("My learning events")),
        filename="my-events.ics",
    )


@login_required
def calendar_settings(request):
    if request.method == "POST":
        if request.POST.get("action") == "revoke":
            services.calendar_token_revoke(user=request.user)
            flash.success(request, _("Your calendar address is turned off."))
        else:
            services.calendar_token_regenerate(user=request.user)
            flash.success(
                request,
                _("A new calendar address is ready; the old one no longer works."),
            )
        return redirect("events:calendar_settings")
    record = CalendarToken.objects.filter(user=request.user).first()
    feed_url = None
    if record is not None:
        feed_url = request.build_absolute_uri(
            reverse("events:personal_ics", args=[record.token])
        )
    return render(request, "events/calendar_settings.html", {"feed_url": feed_url})
