from django.urls import include, path

from . import views
from .feeds import UpcomingEventsFeed

app_name = "events"

urlpatterns: list = [
    path("", views.index, name="index"),
    path("past/", views.past, name="past"),
    path("new/", views.create, name="create"),
    path("feed.atom", UpcomingEventsFeed(), name="feed"),
    path("calendar/", views.calendar_settings, name="calendar_settings"),
    path("calendar/<str:token>.ics", views.personal_ics, name="personal_ics"),
    path("org/<slug:slug>/", views.organisation, name="organisation"),
    path(
        "org/<slug:slug>/calendar.ics", views.organisation_ics, name="organisation_ics"
    ),
    path("<int:pk>/", views.detail, name="detail"),
    path("<int:pk>/edit/", views.edit, name="edit"),
    path("<int:pk>/cancel/", views.cancel, name="cancel"),
    path("<int:pk>/register/", views.register, name="register"),
    path("<int:pk>/unregister/", views.unregister, name="unregister"),
    path("<int:pk>/attendance/", views.attendance, name="attendance"),
    path("<int:pk>/materials/", views.materials, name="materials"),
    path("<int:pk>/propose/", views.propose, name="propose"),
    path("<int:pk>/calendar.ics", views.event_ics, name="ics"),
    path("<int:pk>/live/", views.live, name="live"),
    path("<int:pk>/questions/", views.ask, name="ask"),
    path("<int:pk>/questions.json", views.questions_json, name="questions_json"),
    path("q/<int:pk>/vote/", views.vote, name="vote"),
    path("q/<int:pk>/answered/", views.answered, name="answered"),
    path("q/<int:pk>/hide/", views.hide_question, name="hide_question"),
    # Exchange visits and the cadence tracker (events.visits.urls).
    path("", include("events.visits.urls")),
]
