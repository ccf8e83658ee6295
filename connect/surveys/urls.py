"""Surveys, included by ``connect.urls``."""

from django.urls import path

from . import views

urlpatterns = [
    path("surveys/", views.survey_list, name="surveys"),
    path("surveys/new/", views.survey_edit, name="survey_create"),
    path("surveys/<int:pk>/", views.survey_detail, name="survey"),
    path("surveys/<int:pk>/edit/", views.survey_edit, name="survey_edit"),
    path("surveys/<int:pk>/do/<slug:action>/", views.survey_act, name="survey_act"),
    path("surveys/<int:pk>/results/", views.survey_results, name="survey_results"),
    path(
        "surveys/<int:pk>/results.csv",
        views.survey_results_csv,
        name="survey_results_csv",
    ),
    path(
        "surveys/answers/<int:pk>/need/",
        views.need_from_choice,
        name="survey_need",
    ),
]
