from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _

from . import services
from .forms import ProfileForm


@login_required
def profile_edit(request):
    profile = services.profile_ensure(user=request.user)
    form = ProfileForm(request.POST or None, instance=profile)
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
        )
        messages.success(request, _("Your profile is saved."))
        return redirect("community:profile")
    return render(request, "community/profile_form.html", {"form": form})
