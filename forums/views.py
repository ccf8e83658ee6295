"""Thin views: read the request, ask permissions, call a service or a selector."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth import get_user_model
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST
from taggit.models import Tag

from community.adapters import client_ip
from community.forms import add_errors
from community.pagecache import for_visitors

from . import fragments, pages, permissions, polls, selectors, services
from .conf import setting
from .forms import (
    InviteForm,
    PostEditForm,
    PreferencesForm,
    ReplyForm,
    ThreadEditForm,
    ThreadForm,
)
from .ids import post_pk
from .models import (
    EmailKind,
    Notification,
    Post,
    ReactionKind,
    Space,
    SpaceMembership,
    Thread,
    page_for_number,
)
from .tokens import Expired, read_unsubscribe_token

_SPACE_RELATED = ("organisation__parent__parent", "department")


def _space(slug: str) -> Space:
    return get_object_or_404(Space.objects.select_related(*_SPACE_RELATED), slug=slug)


def _thread(pk: int, reader=None) -> Thread:
    """The thread with what the pages show around it. Given a signed-in ``reader``
    (the thread page), their place in it and whether they follow it come in the
    same query, and its author does not (the page shows posts' authors)."""
    if reader is None:
        threads = Thread.objects.select_related(
            "space__organisation__parent__parent", "author__profile"
        )
    else:
        threads = selectors.with_reader_state(
            Thread.objects.select_related("space__organisation__parent__parent"),
            reader,
        )
    return get_object_or_404(threads, pk=pk)


def _post(pk: int) -> Post:
    return get_object_or_404(
        Post.objects.select_related(
            "thread__space__organisation__parent__parent", "author__profile"
        ),
        pk=pk,
    )


def _page(request, **context) -> dict:
    """What every forum page shows around its content: the bell, from the kept count
    as on every other page (``selectors.bell_count``)."""
    services.preferences_touch_seen(user=request.user)
    context["bell_count"] = selectors.bell_count(request)
    return context


def _private_links(user, post) -> tuple[str, str]:
    """A post's way to write privately: to its named author, or through the relay to
    its anonymous one (whose link depends on nothing about the author)."""
    from community.mentions import member_ref

    from .conversations import permissions as conversations

    if post.anonymous:
        if conversations.can_ask_author(user, post):
            return reverse("forums:ask_author", args=[post.pk]), ""
        return "", ""
    if post.is_deleted or not conversations.can_message(user, post.author):
        return "", ""
    start = reverse("forums:conversation_start")
    return "", f"{start}?to={member_ref(post.author_id)}&about={post.ref}"


def _deny_or_login(request, error: PermissionDenied):
    if not request.user.is_authenticated:
        return redirect(f"{reverse('account_login')}?next={request.get_full_path()}")
    raise error


# --- Spaces -------------------------------------------------------------------------


def index(request):
    user = request.user
    spaces = list(
        permissions.spaces_visible_to(user)
        .select_related("organisation")
        .order_by("visibility", "name")
    )
    unread = selectors.unread_threads_by_space(user)
    followed = selectors.followed_space_ids(user)
    for space in spaces:
        space.unread = unread.get(space.pk, 0)
        space.followed = space.pk in followed
    invitations = []
    if user.is_authenticated:
        invitations = list(
            SpaceMembership.objects.filter(
                user=user, accepted_at__isnull=True
            ).select_related("space")
        )
    return render(
        request,
        "forums/index.html",
        _page(request, spaces=spaces, invitations=invitations),
    )


def space_detail(request, slug: str):
    space = _space(slug)
    user = request.user
    if not permissions.can_view_space(user, space):
        membership = (
            SpaceMembership.objects.filter(space=space, user=user).first()
            if user.is_authenticated
            else None
        )
        if membership is not None:  # invited: show the invitation, not the threads
            return render(
                request,
                "forums/invitation.html",
                _page(request, space=space, membership=membership),
            )
        return _deny_or_login(
            request, PermissionDenied(_("This space is not open to you."))
        )
    following, every_post = selectors.space_following(user, space)
    page = Paginator(
        selectors.thread_list(space), setting("THREADS_PER_PAGE")
    ).get_page(request.GET.get("page"))
    threads = list(page.object_list)
    selectors.annotate_unread(user, threads)
    return render(
        request,
        "forums/space.html",
        _page(
            request,
            space=space,
            page_obj=page,
            threads=threads,
            can_post=permissions.can_post_in_space(user, space),
            can_invite=permissions.can_invite(user, space),
            can_moderate=permissions.can_moderate_space(user, space),
            following=following,
            every_post=every_post,
        ),
    )


@login_required
def thread_create(request, slug: str):
    space = _space(slug)
    permissions.check_post_in_space(request.user, space)
    allow_anonymous = permissions.can_post_anonymously(request.user, space)
    form = ThreadForm(request.POST or None, allow_anonymous=allow_anonymous)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            thread = services.thread_create(
                ip=client_ip(request),
                space=space,
                author=request.user,
                title=data["title"],
                body=data["body"],
                kind=data["kind"],
                outcome=data["outcome"],
                anonymous=data.get("anonymous", False),
                tags=data["tags"],
                client_id=data["client_id"],
            )
        except ValidationError as error:
            add_errors(form, error)
        else:
            return redirect(thread)
    return render(
        request,
        "forums/thread_form.html",
        _page(request, space=space, form=form, allow_anonymous=allow_anonymous),
    )


@login_required
@require_POST
def space_follow(request, slug: str):
    space = _space(slug)
    services.space_follow(
        space=space, user=request.user, follow=request.POST.get("follow") == "1"
    )
    return redirect(space)


@login_required
@require_POST
def space_every_post(request, slug: str):
    space = _space(slug)
    on = request.POST.get("on") == "1"
    services.space_every_post(space=space, user=request.user, on=on)
    if on:
        messages.success(
            request,
            _("Every new post here will come by email; answer it from your inbox."),
        )
    return redirect(space)


@login_required
@require_POST
def space_mark_read(request, slug: str):
    space = _space(slug)
    permissions.check_view_space(request.user, space)
    services.space_mark_read(user=request.user, space=space)
    messages.success(request, _("All threads in this space are marked read."))
    return redirect(space)


@login_required
def space_invite(request, slug: str):
    space = _space(slug)
    permissions.check_invite(request.user, space)
    form = InviteForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        invitee = (
            get_user_model()
            .objects.filter(email__iexact=form.cleaned_data["email"], is_active=True)
            .first()
        )
        if invitee is None:
            form.add_error("email", _("No member has this email address."))
        else:
            services.space_invite(space=space, user=invitee, by=request.user)
            messages.success(request, _("Invitation sent."))
            return redirect(space)
    return render(request, "forums/invite.html", _page(request, space=space, form=form))


@login_required
@require_POST
def space_accept(request, slug: str):
    space = _space(slug)
    services.space_invitation_accept(space=space, user=request.user)
    messages.success(request, _("Welcome to %(space)s.") % {"space": space.name})
    return redirect(space)


def tag_detail(request, slug: str):
    tag = get_object_or_404(Tag, slug=slug)
    threads = list(
        Thread.objects.visible_to(request.user)
        .filter(tags=tag)
        .select_related("space", "author__profile", "last_post__author__profile")
        .order_by("-last_activity_at")[:50]
    )
    return render(request, "forums/tag.html", _page(request, tag=tag, threads=threads))


def held_reason(post: Post) -> str:
    """Why the author's post is hidden, in words, without naming who flagged it."""
    from moderation.services import open_case

    case = open_case(post)
    if case is None:
        return _("A moderator hid it.")
    return case.get_reason_display()


# --- Threads ------------------------------------------------------------------------


@for_visitors(pages.thread_generations, params=("page",))
def thread_detail(request, pk: int):
    from moderation import permissions as moderation_permissions

    user = request.user
    thread = _thread(pk, reader=user)
    if not permissions.can_view_thread(user, thread):
        return _deny_or_login(
            request, PermissionDenied(_("This thread is not open to you."))
        )
    space = thread.space
    per_page = setting("POSTS_PER_PAGE")
    num_pages = max(1, (thread.post_count + per_page - 1) // per_page)
    try:
        page = min(max(1, int(request.GET.get("page", 1))), num_pages)
    except ValueError:
        page = 1
    posts = selectors.thread_page_posts(thread, page)
    is_moderator = permissions.can_moderate_space(user, space)
    can_reply = permissions.can_reply(user, thread)
    can_mark = permissions.can_mark_answer(user, thread)
    can_react = can_reply and user.is_authenticated
    mine = selectors.my_reactions(user, thread, posts)
    for post in posts:
        post.can_edit = permissions.can_edit_post(user, post, moderator=is_moderator)
        post.can_delete = permissions.can_delete_post(user, post)
        post.can_mark = can_mark and post.number > 1 and not post.is_deleted
        post.can_react = can_react and not post.is_deleted
        post.can_quote = can_reply and not post.is_deleted
        post.show_hidden = is_moderator
        post.show_reactors = not post.anonymous and not space.safe_space
        # The author still sees their hidden post, why, and that an edit resubmits it.
        post.held_own = post.hidden and not is_moderator and post.author_id == user.pk
        if post.held_own:
            post.held_reason = held_reason(post)
        post.mine = mine.get(post.pk, set())
        post.is_answer = post.pk == thread.accepted_answer_id
        post.can_flag = moderation_permissions.can_flag(user, post)
        post.may_moderate = post.can_flag and moderation_permissions.can_moderate(
            user, post
        )
        post.ask_url, post.message_url = _private_links(user, post)
    accepted = None
    if thread.accepted_answer_id:
        accepted = next((p for p in posts if p.is_answer), None) or (
            Post.objects.filter(pk=thread.accepted_answer_id)
            .select_related("author__profile")
            .first()
        )
    last_read = selectors.last_read_number(user, thread)  # read with the thread
    if user.is_authenticated and posts and (last_read or 0) < posts[-1].number:
        services.thread_mark_read(user=user, thread=thread, number=posts[-1].number)
    reply_form = (
        ReplyForm(allow_anonymous=permissions.can_post_anonymously(user, space))
        if can_reply
        else None
    )
    return render(
        request,
        "forums/thread.html",
        _page(
            request,
            thread=thread,
            space=space,
            posts=posts,
            posts_html=fragments.posts_html(request, posts),
            page=page,
            num_pages=num_pages,
            accepted=accepted,
            tags=selectors.thread_tags(thread),
            reply_form=reply_form,
            can_reply=can_reply,
            can_moderate=is_moderator,
            can_edit_thread=bool(posts)
            and page == 1
            and permissions.can_edit_post(user, posts[0], moderator=is_moderator),
            following=selectors.is_following(user, thread=thread),
            first_unread=(last_read + 1)
            if last_read is not None and last_read < thread.post_count
            else None,
            is_last_page=page == num_pages,
            reactions=ReactionKind.choices,
            **(polls.context(user, thread=thread) if page == 1 else {}),
        ),
    )


def thread_unread(request, pk: int):
    """Jump to the first post the member has not read."""
    thread = _thread(pk)
    permissions.check_view_thread(request.user, thread)
    last_read = selectors.last_read_number(request.user, thread) or 0
    number = min(last_read + 1, thread.post_count)
    post = (
        Post.objects.filter(thread=thread, number__gte=number)
        .order_by("number")
        .first()
    )
    if post is None:
        return redirect(thread)
    return redirect(_post_url(thread, post))


def _post_url(thread: Thread, post: Post) -> str:
    page = page_for_number(post.number)
    query = f"?page={page}" if page > 1 else ""
    return f"{thread.get_absolute_url()}{query}#{post.anchor}"


def reply(request, pk: int):
    thread = _thread(pk)
    user = request.user
    if not user.is_authenticated:
        return redirect(f"{reverse('account_login')}?next={thread.get_absolute_url()}")
    permissions.check_reply(user, thread)
    allow_anonymous = permissions.can_post_anonymously(user, thread.space)
    initial = {}
    quote_id = post_pk(request.GET.get("quote", ""))
    if request.method == "GET" and quote_id is not None:
        quoted = (
            Post.objects.filter(
                pk=quote_id, thread=thread, deleted_at__isnull=True, hidden=False
            )
            .select_related("author__profile")
            .first()
        )
        if quoted is not None:
            lines = "\n".join(f"> {line}" for line in quoted.body.splitlines())
            initial["body"] = (
                _("%(who)s wrote (#%(n)d):")
                % {"who": quoted.byline, "n": quoted.number}
                + f"\n{lines}\n\n"
            )
    form = ReplyForm(
        request.POST or None, initial=initial, allow_anonymous=allow_anonymous
    )
    if request.method == "POST" and form.is_valid():
        try:
            post = services.post_create(
                thread=thread,
                ip=client_ip(request),
                author=user,
                body=form.cleaned_data["body"],
                anonymous=form.cleaned_data.get("anonymous", False),
                client_id=form.cleaned_data["client_id"],
            )
        except ValidationError as error:
            add_errors(form, error)
        else:
            return redirect(_post_url(post.thread, post))
    return render(
        request,
        "forums/reply_form.html",
        _page(request, thread=thread, space=thread.space, form=form),
    )


@login_required
@require_POST
def thread_follow(request, pk: int):
    thread = _thread(pk)
    services.thread_follow(
        thread=thread, user=request.user, follow=request.POST.get("follow") == "1"
    )
    return redirect(thread)


@login_required
def thread_edit(request, pk: int):
    thread = _thread(pk)
    opening = thread.posts.select_related("thread").get(number=1)
    opening.thread = thread
    permissions.check_edit_post(request.user, opening)
    change_story = thread.is_change_story
    initial = {
        "title": thread.title,
        "outcome": thread.outcome,
        "tags": ", ".join(t.name for t in thread.tags.all()),
    }
    form = ThreadEditForm(
        request.POST or None, initial=initial, change_story=change_story
    )
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            services.thread_update(
                thread=thread,
                by=request.user,
                title=data["title"],
                outcome=data.get("outcome", ""),
                tags=data["tags"],
            )
        except ValidationError as error:
            add_errors(form, error)
        else:
            return redirect(thread)
    return render(
        request,
        "forums/thread_edit.html",
        _page(request, thread=thread, space=thread.space, form=form),
    )


@login_required
@require_POST
def thread_moderate(request, pk: int):
    thread = _thread(pk)
    action = request.POST.get("action")
    if action in ("pin", "unpin"):
        services.thread_set_pinned(
            thread=thread, by=request.user, pinned=action == "pin"
        )
    elif action in ("lock", "unlock"):
        services.thread_set_locked(
            thread=thread, by=request.user, locked=action == "lock"
        )
    else:
        raise Http404
    return redirect(thread)


@login_required
@require_POST
def thread_answer(request, pk: int):
    thread = _thread(pk)
    post = None
    if request.POST.get("post"):
        post = get_object_or_404(
            Post, pk=post_pk(request.POST["post"]) or 0, thread=thread
        )
    try:
        services.thread_mark_answer(thread=thread, post=post, by=request.user)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
        return redirect(thread)
    if post is None:
        return redirect(thread)
    messages.success(request, _("Marked as the answer that helped."))
    return redirect(_post_url(thread, post))


# --- Posts --------------------------------------------------------------------------


def post_permalink(request, pk: int):
    """``/forums/p/<opaque id>/`` lands on the right page of the thread, at the
    post."""
    post = _post(pk)
    if not permissions.can_view_thread(request.user, post.thread):
        return _deny_or_login(
            request, PermissionDenied(_("This thread is not open to you."))
        )
    return redirect(_post_url(post.thread, post))


@login_required
def post_edit(request, pk: int):
    post = _post(pk)
    permissions.check_edit_post(request.user, post)
    form = PostEditForm(request.POST or None, initial={"body": post.body})
    if request.method == "POST" and form.is_valid():
        try:
            post = services.post_edit(
                post=post, by=request.user, body=form.cleaned_data["body"]
            )
        except ValidationError as error:
            add_errors(form, error)
        else:
            if post.hidden and post.author_id == request.user.pk:
                messages.success(
                    request,
                    _(
                        "Thank you. Your edit is with the moderators; the post "
                        "reappears once one of them has looked at it."
                    ),
                )
            return redirect(_post_url(post.thread, post))
    resubmit = post.hidden and post.author_id == request.user.pk
    return render(
        request,
        "forums/post_edit.html",
        _page(
            request,
            post=post,
            thread=post.thread,
            space=post.thread.space,
            form=form,
            resubmit=resubmit,
            held_reason=held_reason(post) if resubmit else "",
        ),
    )


@login_required
def post_delete(request, pk: int):
    post = _post(pk)
    permissions.check_delete_post(request.user, post)
    if request.method == "POST":
        services.post_delete(post=post, by=request.user)
        messages.success(request, _("Your post is deleted."))
        if post.number == 1:
            return redirect(post.thread.space)
        return redirect(_post_url(post.thread, post))
    return render(
        request,
        "forums/post_delete.html",
        _page(request, post=post, thread=post.thread, space=post.thread.space),
    )


@login_required
@require_POST
def post_react(request, pk: int):
    post = _post(pk)
    try:
        services.reaction_toggle(
            post=post, user=request.user, kind=request.POST.get("kind", "")
        )
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    return redirect(_post_url(post.thread, post))


def post_reactions(request, pk: int):
    """Who reacted: only for named posts (see ``can_see_reactors``)."""
    post = _post(pk)
    permissions.check_view_thread(request.user, post.thread)
    if not permissions.can_see_reactors(request.user, post):
        raise Http404
    reactions = post.reactions.select_related("user__profile").order_by(
        "kind", "created"
    )
    groups = {kind: [] for kind, _label in ReactionKind.choices}
    for reaction in reactions:
        profile = getattr(reaction.user, "profile", None)
        groups[reaction.kind].append(
            profile.display_name if profile and profile.display_name else _("Member")
        )
    return render(
        request,
        "forums/post_reactions.html",
        _page(
            request,
            post=post,
            thread=post.thread,
            space=post.thread.space,
            groups=[(label, groups[kind]) for kind, label in ReactionKind.choices],
        ),
    )


@login_required
def post_history(request, pk: int):
    post = _post(pk)
    permissions.check_view_history(request.user, post)
    return render(
        request,
        "forums/post_history.html",
        _page(
            request,
            post=post,
            thread=post.thread,
            space=post.thread.space,
            revisions=list(post.revisions.all()),
        ),
    )


# --- Notifications and email --------------------------------------------------------


@login_required
def notifications(request):
    user = request.user
    if request.method == "POST":
        services.notifications_mark_read(user=user)
        return redirect("forums:notifications")
    items = list(
        Notification.objects.filter(
            user=user, thread__in=Thread.objects.visible_to(user).values("pk")
        )
        .select_related("thread", "post", "actor__profile")
        .order_by("-created")[:50]
    )
    return render(request, "forums/notifications.html", _page(request, items=items))


@login_required
def notification_open(request, pk: int):
    notification = get_object_or_404(Notification, pk=pk, user=request.user)
    services.notifications_mark_read(user=request.user, notification=notification)
    if notification.post_id:
        return redirect("forums:post", pk=notification.post_id)
    return redirect("forums:thread", pk=notification.thread_id)


@login_required
def preferences(request):
    prefs = services.preferences_get(user=request.user)
    initial = {
        "email_reply": prefs.email_reply,
        "email_mention": prefs.email_mention,
        "email_answer": prefs.email_answer,
        "email_message": prefs.email_message,
        "digest": prefs.digest,
    }
    form = PreferencesForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        services.preferences_update(user=request.user, **form.cleaned_data)
        messages.success(request, _("Your email choices are saved."))
        return redirect("forums:preferences")
    return render(request, "forums/preferences.html", _page(request, form=form))


@csrf_exempt  # the sealed token authorises it; mail clients POST with no cookie
def unsubscribe(request, token: str):
    """No sign-in needed. Opening the link (GET) changes nothing: link scanners and
    previews open every link in a mail. The page asks, and its button posts. A mail
    client's one-click POST (RFC 8058: ``List-Unsubscribe=One-Click``) unsubscribes at
    once. The page offers to undo."""
    try:
        found = read_unsubscribe_token(token)
    except Expired:
        return render(request, "forums/unsubscribe.html", {"expired": True}, status=410)
    if found is None:
        return render(request, "forums/unsubscribe.html", {"invalid": True}, status=400)
    user, kind = found
    context = {"kind_label": EmailKind(kind).label, "token": token}
    if request.method != "POST":
        return render(request, "forums/unsubscribe.html", {**context, "ask": True})
    if request.POST.get("List-Unsubscribe") == "One-Click":
        services.email_unsubscribe(user=user, kind=kind)
        return HttpResponse(status=204)
    if request.POST.get("undo") == "1":
        services.email_resubscribe(user=user, kind=kind)
        resubscribed = True
    else:
        services.email_unsubscribe(user=user, kind=kind)
        resubscribed = False
    return render(
        request,
        "forums/unsubscribe.html",
        {
            **context,
            "resubscribed": resubscribed,
        },
    )


@login_required
@require_POST
def department_space(request, pk: int):
    """The facility lead opens a department's space (or finds the one it has)."""
    from community.models import Department

    department = get_object_or_404(Department.objects.select_related("facility"), pk=pk)
    space = services.department_space_open(department=department, by=request.user)
    return redirect(space)
