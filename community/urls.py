from django.urls import path

from . import mentions, views  # noqa: F401 - mentions registers <member:…>

app_name = "community"

urlpatterns = [
    path("language/", views.language, name="language"),
    path("profile/", views.profile_edit, name="profile"),
    path("directory/", views.member_directory, name="directory"),
    path("members/<member:pk>/", views.member_profile, name="member"),
    path("facilities/<int:pk>/", views.facility_profile, name="facility"),
]
