"""Exchange visits and the cadence tracker, included by ``events.urls``."""

from django.urls import path

from .. import cadence_views
from . import views

urlpatterns: list = [
    path("visits/", views.visit_list, name="visit_list"),
    path("visits/request/", views.visit_request, name="visit_request"),
    path("visits/<int:pk>/", views.visit_detail, name="visit_detail"),
    path(
        "visits/<int:pk>/do/<slug:action>/",
        views.visit_act,
        name="visit_act",
    ),
    path("visits/<int:pk>/report/", views.report_edit, name="visit_report"),
    path(
        "visits/<int:pk>/report/comment/",
        views.report_comment,
        name="visit_report_comment",
    ),
    path(
        "visits/<int:pk>/report/share/",
        views.report_share,
        name="visit_report_share",
    ),
    path(
        "visits/<int:pk>/report/propose/",
        views.report_propose,
        name="visit_report_propose",
    ),
    path("cadence/", cadence_views.cadence_index, name="cadence_index"),
    path("cadence/<slug:slug>/", cadence_views.cadence_district, name="cadence"),
    path(
        "cadence/<slug:slug>/invite/<int:facility_pk>/",
        cadence_views.cadence_invite,
        name="cadence_invite",
    ),
]
