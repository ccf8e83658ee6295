"""Exchange visits and the cadence tracker, included by ``events.urls``."""

from django.urls import path

from . import cadence_views, visit_views

urlpatterns: list = [
    path("visits/", visit_views.visit_list, name="visit_list"),
    path("visits/request/", visit_views.visit_request, name="visit_request"),
    path("visits/<int:pk>/", visit_views.visit_detail, name="visit_detail"),
    path(
        "visits/<int:pk>/do/<slug:action>/",
        visit_views.visit_act,
        name="visit_act",
    ),
    path("visits/<int:pk>/report/", visit_views.report_edit, name="visit_report"),
    path(
        "visits/<int:pk>/report/comment/",
        visit_views.report_comment,
        name="visit_report_comment",
    ),
    path(
        "visits/<int:pk>/report/share/",
        visit_views.report_share,
        name="visit_report_share",
    ),
    path(
        "visits/<int:pk>/report/propose/",
        visit_views.report_propose,
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
