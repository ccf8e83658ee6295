from django.urls import path

from . import department_views, mentions, offline, push_views, views  # noqa: F401 - mentions registers <member:…>

app_name = "community"

urlpatterns = [
    path("language/", views.language, name="language"),
    path("profile/", views.profile_edit, name="profile"),
    path("account/data/", views.your_data, name="your_data"),
    path("account/data/download/", views.download_data, name="download_data"),
    path("account/delete/", views.delete_account, name="delete_account"),
    path("account/delete/cancel/", views.cancel_deletion, name="cancel_deletion"),
    path("privacy/", views.privacy, name="privacy"),
    path("offline/", offline.offline_page, name="offline"),
    path("sw.js", offline.service_worker, name="service_worker"),
    path("manifest.webmanifest", offline.manifest, name="manifest"),
    path("notifications/phone/", push_views.push_settings, name="push"),
    path("notifications/phone/on/", push_views.push_subscribe, name="push_on"),
    path("notifications/phone/off/", push_views.push_unsubscribe, name="push_off"),
    path("directory/", views.member_directory, name="directory"),
    path("members/<member:pk>/", views.member_profile, name="member"),
    path("facilities/<int:pk>/", views.facility_profile, name="facility"),
    path(
        "facilities/<int:pk>/departments/new/",
        department_views.department_create,
        name="department_create",
    ),
    path(
        "facilities/<int:pk>/departments/<slug:slug>/",
        department_views.department,
        name="department",
    ),
    path(
        "facilities/<int:pk>/departments/<slug:slug>/remove/",
        department_views.department_delete,
        name="department_delete",
    ),
    path(
        "facilities/<int:pk>/departments/<slug:slug>/join/",
        department_views.department_join,
        name="department_join",
    ),
    path(
        "facilities/<int:pk>/departments/<slug:slug>/leave/",
        department_views.department_leave,
        name="department_leave",
    ),
]
