"""The "Notifications on this phone" page and the two calls its script makes."""

import json

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import JsonResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from . import push, services
from .forms import PushSettingsForm


@login_required
def push_settings(request):
    profile = services.profile_ensure(user=request.user)
    initial = {
        "kinds": profile.push_kinds,
        "quiet_from": profile.quiet_from,
        "quiet_until": profile.quiet_until,
    }
    form = PushSettingsForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        push.settings_update(
            user=request.user,
            kinds=data["kinds"],
            quiet_from=data["quiet_from"],
            quiet_until=data["quiet_until"],
        )
        messages.success(request, _("Your notification choices are saved."))
        return redirect("community:push")
    return render(
        request,
        "community/push.html",
        {
            "form": form,
            "configured": push.configured(),
            "public_key": push.public_key(),
            "browsers": request.user.push_subscriptions.count(),
        },
    )


def _json_body(request) -> dict:
    try:
        data = json.loads(request.body or b"{}")
    except ValueError:
        return {}
    return data if isinstance(data, dict) else {}


@login_required
@require_POST
def push_subscribe(request):
    data = _json_body(request)
    keys = data.get("keys") if isinstance(data.get("keys"), dict) else {}
    try:
        push.subscribe(
            user=request.user,
            endpoint=str(data.get("endpoint", ""))[:1000],
            p256dh=str(keys.get("p256dh", "")),
            auth=str(keys.get("auth", "")),
        )
    except ValidationError as error:
        return JsonResponse(
            {"ok": False, "message": " ".join(error.messages)}, status=400
        )
    push.remember(request, str(data.get("endpoint", ""))[:1000])
    return JsonResponse({"ok": True})


@login_required
@require_POST
def push_unsubscribe(request):
    data = _json_body(request)
    push.unsubscribe(user=request.user, endpoint=str(data.get("endpoint", "")))
    return JsonResponse({"ok": True})
