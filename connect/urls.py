from django.urls import include, path

from . import views

app_name = "connect"

urlpatterns = [
    path("", views.needs_index, name="index"),
    path("needs/", views.needs_index, name="needs"),
    path("needs/new/", views.need_create, name="need_create"),
    path("needs/<int:pk>/", views.need_detail, name="need"),
    path("needs/<int:pk>/support/", views.need_support, name="need_support"),
    path("needs/<int:pk>/triage/", views.need_triage, name="need_triage"),
    path("needs/<int:pk>/answer/", views.need_answer, name="need_answer"),
    path("triage/", views.triage, name="triage"),
    path("notices/", views.notices, name="notices"),
    path("notices/<int:pk>/", views.notice_open, name="notice_open"),
    path("", include("connect.surveys.urls")),
]
