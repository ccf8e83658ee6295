"""A mail gateway posts each message for the reply domain here (``forums.inbound``)."""

from django.http import Http404, JsonResponse
from django.utils.crypto import constant_time_compare
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST

from . import inbound
from .conf import setting

MAX_MESSAGE_BYTES = 10 * 1024 * 1024


@csrf_exempt
@require_POST
def receive(request):
    token = setting("INBOUND_TOKEN")
    if not token:
        raise Http404
    given = request.headers.get("Authorization", "").removeprefix("Bearer ").strip()
    if not constant_time_compare(given, token):
        return JsonResponse({"status": "refused", "reason": "bad token"}, status=403)
    if len(request.body) > MAX_MESSAGE_BYTES:
        return JsonResponse({"status": "refused", "reason": "too large"}, status=413)
    outcome = inbound.receive(request.body)
    return JsonResponse(
        {"status": outcome.status, "reason": outcome.reason, "post": outcome.post_id}
    )
